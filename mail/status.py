"""SMTP reply strings, named, so the handler and tests speak the same words.

Every reply carries an RFC 3463 enhanced status code; the server advertises
ENHANCEDSTATUSCODES (RFC 2034) and adds a code to aiosmtpd's own replies too
(see `mail.inbound.protocol`).
"""

OK = "250 2.1.5 OK"
OK_QUEUED = "250 2.0.0 Message accepted for delivery"
UNKNOWN_RECIPIENT = "550 5.1.1 No such recipient here"
RELAY_DENIED = "550 5.7.1 Relaying denied"
TOO_BIG = "552 5.3.4 Message too big for this server"
LINE_TOO_LONG = "500 5.5.2 Line too long; send long lines encoded (RFC 5321 4.5.3.1.6)"
# One line, temporary, and saying nothing about the database behind it: the sending
# server keeps the message and tries again (RFC 5321 4.2.5).
TRY_AGAIN = "451 4.3.0 Temporary failure, please try again later"
