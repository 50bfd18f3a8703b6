"""Schedule registrations for RQ's cron scheduler (`kith scheduler`), and nothing else.

A function, not import-time calls: importing this module must not read settings
(which may create the secret-key file) or touch Redis.
"""

from __future__ import annotations

from rq.cron import CronScheduler

from community.settings import Settings
from jobs import inbound, outbound
from jobs.members import resume_paused_members
from jobs.schedule import enqueue_due_work


def register_all(scheduler: CronScheduler, settings: Settings) -> None:
    tick, sweep = settings.scheduler_tick_seconds, settings.sweep_seconds
    scheduler.register(enqueue_due_work, queue_name="default", interval=tick)
    scheduler.register(outbound.sweep, queue_name="default", interval=sweep)
    scheduler.register(inbound.sweep, queue_name="default", interval=sweep)
    scheduler.register(resume_paused_members, queue_name="default", cron="7 * * * *")
