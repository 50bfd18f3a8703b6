"""Carry-over: a commitment marked "partly" or "not yet" is offered again in the next
prompt ("Carry it over, or set a new one?"), taken by a short reply or one click."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .checkins import fold
from .errors import CommunityError
from .models import CheckinStatus, Commitment, Member, Round, RoundStatus
from .rounds import record_commitment
from .uow import UnitOfWork

CARRIED = (CheckinStatus.PARTLY, CheckinStatus.NOT_DONE)

# What people write to keep last week's commitment, by language, compared after
# folding (lower case, accents and punctuation off: see checkins.fold).
CARRY_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "carry over",
        "carry it over",
        "carry on",
        "same",
        "same again",
        "same as last week",
        "the same",
        "keep it",
        "keep going",
        "again",
    ),
    "fr": ("pareil", "la meme chose", "je continue", "on continue", "reporter", "je reporte"),
    "de": ("gleich", "dasselbe", "das gleiche", "weiter", "ubernehmen", "nochmal"),
    "es": ("lo mismo", "igual", "sigo", "continuar", "otra vez"),
    "nl": ("hetzelfde", "zelfde", "doorschuiven", "nog een keer"),
    "it": ("lo stesso", "uguale", "continuo", "riporto"),
    "pt": ("o mesmo", "igual", "continuo", "de novo"),
}
_NOT_WORDS = re.compile(r"[^\w']+")


def _words(text: str) -> str:
    return " ".join(_NOT_WORDS.sub(" ", fold(text)).split())


_PHRASES = frozenset(_words(p) for phrases in CARRY_PHRASES.values() for p in phrases)


class NothingToCarry(CommunityError):
    pass


@dataclass(frozen=True)
class CarryOffer:
    """Last time's unfinished commitment, offered for this round."""

    commitment_id: int
    text: str
    result: CheckinStatus
    week: str


def offer(session: Session, rnd: Round, member: Member) -> CarryOffer | None:
    """The member's latest commitment before this round, if they said it was only
    partly done or not done yet. A round they carried it into already counts."""
    found = session.execute(
        select(Commitment, Round.week)
        .join(Round, Commitment.round_id == Round.id)
        .where(
            Commitment.member_id == member.id,
            Round.community_id == rnd.community_id,
            Round.week < rnd.week,
            Round.status == RoundStatus.OPEN,
            Commitment.text != "",
        )
        .order_by(Round.week.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    commitment, week = found
    if commitment.result not in CARRIED:
        return None
    assert commitment.result is not None
    return CarryOffer(commitment.id, commitment.text, commitment.result, week)


def asks_to_carry(text: str) -> bool:
    """A reply whose first line is only "same", "carry it over", "pareil", ..."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return bool(lines) and _words(lines[0]) in _PHRASES


def carry_over(uow: UnitOfWork, rnd: Round, member: Member) -> Commitment:
    """This round's commitment is last time's unfinished one, word for word.

    Raises NothingToCarry when there is none to carry."""
    found = offer(uow.session, rnd, member)
    if found is None:
        raise NothingToCarry("There is no unfinished commitment to carry over.")
    commitment = record_commitment(uow, rnd, member, found.text)
    commitment.carried_from_id = found.commitment_id
    uow.session.flush()
    return commitment
