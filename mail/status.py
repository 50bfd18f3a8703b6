"""SMTP reply strings, named, so the handler and tests speak the same words."""

OK = "250 OK"
OK_QUEUED = "250 Message accepted for delivery"
UNKNOWN_RECIPIENT = "550 5.1.1 No such recipient here"
RELAY_DENIED = "550 5.7.1 Relaying denied"
TOO_BIG = "552 5.3.4 Message too big"
TRY_AGAIN = "451 4.3.0 Temporary failure, please try again later"
