"""One job per unit of the accountability loop, per community and week."""

from __future__ import annotations

from community import buddies, hot_seats, rounds, seasons
from community.models import Community
from community.schedule import Unit

from .runtime import runtime


def run_unit(community_id: int, unit: Unit, week: str) -> int:
    """Queue this unit's mail for every member it concerns; it is delivered on commit.

    Twice is harmless: ledger rows are keyed by member and round, so a retry (or a
    second scheduler) finds them there instead of writing to anyone again.
    """
    with runtime().units.open() as uow:
        community = uow.session.get(Community, community_id)
        if community is None:
            return 0
        if not seasons.loop_runs(uow, community):
            # Before a season starts and after it ends: no prompts or check-ins.
            found = rounds.get_round(uow.session, community, week)
            if found is None or found.prompt_sent_at is None:
                rounds.skip_week(uow, community, week)
            return 0
        rnd = rounds.open_round(uow, community, week)
        if Unit(unit) == Unit.PROMPT and rnd.prompt_sent_at is None:
            buddies.pair_round(uow, community, rnd)  # the prompt announces them
        sent = rounds.run_step(uow, community, rnd, Unit(unit))
        if Unit(unit) == Unit.CHECKIN_REMINDER:
            hot_seats.ask(uow, community, rnd)  # a day or so before the digest
        return sent
