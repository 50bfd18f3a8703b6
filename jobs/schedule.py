"""The scheduler's one periodic job: find what is due and fan it out."""

from __future__ import annotations

import logging
from datetime import timedelta

from redis.exceptions import RedisError
from rq.exceptions import DuplicateJobError
from rq.job import Job, JobStatus

from community.loop import find_due
from community.schedule import Unit

from . import queues
from .runtime import runtime

log = logging.getLogger(__name__)
FINISHED = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.STOPPED}


def enqueue_due_work() -> dict[str, int]:
    """Enqueue one job per due unit (digests in batches of communities).

    Safe to run from two schedulers at once: job ids are deterministic and unique in
    Redis, and each job re-checks the database before doing anything.
    """
    rt = runtime()
    grace = timedelta(hours=rt.settings.schedule_grace_hours)
    with rt.units.open(read_only=True) as uow:
        due = find_due(uow, grace)
    counts: dict[str, int] = {}
    digests = [d for d in due if d.unit == Unit.DIGEST]
    for d in due:
        if d.unit == Unit.DIGEST:
            continue
        func = (
            "jobs.digests.send_preview" if d.unit == Unit.DIGEST_PREVIEW else "jobs.rounds.run_unit"
        )
        args = (
            (d.community_id, d.week)
            if d.unit == Unit.DIGEST_PREVIEW
            else (d.community_id, d.unit, d.week)
        )
        _enqueue_once(rt.settings, func, args, f"{d.unit}_{d.community_id}_{d.week}")
        counts[d.unit] = counts.get(d.unit, 0) + 1
    size = max(1, rt.settings.digest_batch)
    for start in range(0, len(digests), size):
        batch = digests[start : start + size]
        pairs = [[d.community_id, d.week] for d in batch]
        _enqueue_once(
            rt.settings,
            "jobs.digests.send_digests",
            (pairs,),
            f"digests_{batch[0].week}_{batch[0].community_id}_{len(batch)}",
        )
    if digests:
        counts["digest"] = len(digests)
    return counts


def _enqueue_once(settings, func: str, args: tuple, job_id: str) -> None:
    q = queues.queue(settings, queues.DEFAULT)
    try:
        q.enqueue(func, *args, job_id=job_id, unique=True, result_ttl=3600, failure_ttl=7 * 86400)
    except DuplicateJobError:
        # Still queued or running: nothing to do. Finished but the work is due again
        # (it failed, or a worker died): replace it.
        try:
            job = Job.fetch(job_id, connection=q.connection)
        except Exception:
            return
        if job.get_status(refresh=False) in FINISHED:
            job.delete()
            q.enqueue(
                func, *args, job_id=job_id, unique=True, result_ttl=3600, failure_ttl=7 * 86400
            )
    except RedisError:
        log.warning("Redis unavailable; %s will be enqueued on a later tick", job_id)
