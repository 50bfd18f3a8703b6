"""Schedule registrations for RQ's cron scheduler (`kith scheduler`), and nothing else."""

from rq import cron

from jobs import inbound, outbound
from jobs.members import resume_paused_members

cron.register(outbound.sweep, queue_name="default", interval=60)
cron.register(inbound.sweep, queue_name="default", interval=60)
cron.register(resume_paused_members, queue_name="default", cron="7 * * * *")
