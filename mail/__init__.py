"""Mail in and out: the SMTP server (inbound) and composing and sending (outbound)."""
