"""Outbound mail: templates to EmailMessage, and delivery to a relay or the local outbox."""
