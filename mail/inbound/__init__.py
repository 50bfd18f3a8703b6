"""The SMTP server that receives members' mail."""
