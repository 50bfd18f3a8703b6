"""One job per unit of the accountability loop, per community and week."""

from __future__ import annotations

from community import outbox, rounds
from community.db import transaction
from community.models import Community
from community.schedule import Unit

from . import queues
from .runtime import now, runtime


def run_unit(community_id: int, unit: Unit, week: str) -> int:
    """Queue this unit's mail for every member it concerns, then deliver it.

    Twice is harmless: ledger rows are keyed by member and round, so a retry (or a
    second scheduler) finds them there instead of writing to anyone again.
    """
    rt = runtime()
    with transaction(rt.sessions) as session:
        community = session.get(Community, community_id)
        if community is None:
            return 0
        rnd = rounds.open_round(session, community, week, now())
        count = rounds.run_step(session, community, rnd, Unit(unit), now(), rt.settings.domain)
        ids = [r.id for r in outbox.new_rows(session)]
    queues.enqueue_delivery(rt.settings, ids)
    return count
