"""Background work run by RQ workers: one module per domain word, plus queues and cron."""
