"""Schedule registrations for RQ's cron scheduler (`kith scheduler`), and nothing else."""

from rq import cron

from community.settings import load_settings
from jobs import inbound, outbound
from jobs.members import resume_paused_members
from jobs.schedule import enqueue_due_work

_settings = load_settings()
TICK = _settings.scheduler_tick_seconds
SWEEP = _settings.sweep_seconds

cron.register(enqueue_due_work, queue_name="default", interval=TICK)
cron.register(outbound.sweep, queue_name="default", interval=SWEEP)
cron.register(inbound.sweep, queue_name="default", interval=SWEEP)
cron.register(resume_paused_members, queue_name="default", cron="7 * * * *")
