"""Accountability buddies: members paired (a trio when the count is odd) for a week or a
few, never the same pair twice until every pairing has happened.

Pairs are made when a round's prompt goes out, from the people the loop writes to
(paused members are not among them). Each group gets an introduction mail whose reply
address reaches the others; a note through it, or one click on "did you two talk?",
tells the digest the pair met.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import outbox
from .errors import CommunityError
from .models import BuddyGroup, BuddyMember, Community, Member, RitualSettings, Round
from .outbox import Purpose
from .rounds import participants
from .schedule import shift_week
from .uow import UnitOfWork

MAX_EVERY_WEEKS = 12

Pair = frozenset[int]


class InvalidPairs(CommunityError):
    pass


# -- the pairing itself (pure) -----------------------------------------------------


def _pairs(group: Iterable[int]) -> list[Pair]:
    return [frozenset(p) for p in combinations(sorted(group), 2)]


def _cost(groups: Sequence[Sequence[int]], met: Counter[Pair]) -> int:
    """Each pair that met before costs more the more often it met: a pair meeting a
    third time is worse than two pairs meeting a second time."""
    return sum(4 ** met[p] - 1 for g in groups for p in _pairs(g))


EXACT_UP_TO = 10  # up to this many people every grouping is tried


def _all_groupings(people: list[int], trio: bool) -> Iterator[list[list[int]]]:
    if not people:
        yield []
        return
    first, rest = people[0], people[1:]
    for i, partner in enumerate(rest):
        others = rest[:i] + rest[i + 1 :]
        for tail in _all_groupings(others, trio):
            yield [[first, partner], *tail]
        if trio:
            for j in range(i + 1, len(rest)):
                remaining = [m for k, m in enumerate(rest) if k not in (i, j)]
                for tail in _all_groupings(remaining, False):
                    yield [[first, partner, rest[j]], *tail]


def _circle(order: list[int], rotation: int) -> list[list[int]]:
    """Round `rotation` of the circle method: the first seat stays, the rest turn.

    Over len(order) - 1 rotations every two people (an even count) meet exactly once.
    """
    fixed, rest = order[0], order[1:]
    k = rotation % len(rest)
    turned = rest[k:] + rest[:k]
    seats = [fixed, *turned]
    half = len(seats) // 2
    return [[seats[i], seats[-1 - i]] for i in range(half)]


def _improve(groups: list[list[int]], met: Counter[Pair]) -> list[list[int]]:
    """Swap partners between two pairs while that makes fewer repeats."""
    better = True
    while better:
        better = False
        for i, j in combinations(range(len(groups)), 2):
            a, b = groups[i], groups[j]
            if len(a) != 2 or len(b) != 2:
                continue
            now = _cost([a, b], met)
            for x, y in (([a[0], b[0]], [a[1], b[1]]), ([a[0], b[1]], [a[1], b[0]])):
                if _cost([x, y], met) < now:
                    groups[i], groups[j], better = x, y, True
                    break
            if better:
                break
    return groups


def make_groups(
    people: Sequence[int], history: Iterable[Iterable[int]], seed: int
) -> list[list[int]]:
    """Groups for this time: pairs, one trio when the count is odd, nobody alone.

    `history` holds every earlier group. Pairs that met least often are preferred, so
    with the same people no pair meets twice before every pair has met once. Fewer
    than two people make no group.
    """
    people = sorted(set(people))
    if len(people) < 2:
        return []
    met: Counter[Pair] = Counter()
    present = set(people)
    for group in history:
        for pair in _pairs(m for m in group if m in present):
            met[pair] += 1
    floor = min(met[p] for p in _pairs(people))
    for p in list(met):
        met[p] -= floor  # only what happened since everyone last met everyone counts
    odd = len(people) % 2 == 1
    if len(people) <= EXACT_UP_TO:
        return [sorted(g) for g in min(_all_groupings(people, odd), key=lambda g: _cost(g, met))]
    seats: list[int] = [*people, -1] if odd else list(people)  # -1: the empty seat
    rng = random.Random(seed)
    orders = [seats] + [rng.sample(seats, len(seats)) for _ in range(3)]
    candidates = []
    for order in orders:
        for rotation in range(len(order) - 1):
            groups = _circle(order, rotation)
            candidates.append(_seat_the_odd_one(groups, met) if odd else groups)
    # The circle's own rotations first: with the same people, taking an unused one
    # each time meets everyone once before anyone twice.
    best = next((g for g in candidates if _cost(g, met) == 0), None)
    if best is None:
        improved = [_improve([list(g) for g in groups], met) for groups in candidates]
        best = min(improved, key=lambda g: _cost(g, met))
    assert best is not None
    return [sorted(g) for g in best]


def _seat_the_odd_one(groups: list[list[int]], met: Counter[Pair]) -> list[list[int]]:
    """The one paired with the empty seat joins the pair they have met least."""
    alone = next(g for g in groups if -1 in g)
    person = next(m for m in alone if m != -1)
    others = [g for g in groups if g is not alone]
    if not others:
        return [[person]]
    target = min(others, key=lambda g: sum(met[frozenset((person, m))] for m in g))
    return [[*g, person] if g is target else g for g in others]


# -- in the database ---------------------------------------------------------------


def settings_of(session: Session, community: Community) -> RitualSettings | None:
    return session.get(RitualSettings, community.id)


def every_weeks(session: Session, community: Community) -> int:
    found = settings_of(session, community)
    return found.pairs_every_weeks if found is not None else 0


def configure(uow: UnitOfWork, community: Community, every: int) -> RitualSettings:
    """Turn pairs on (new pairs every `every` weeks) or off (0)."""
    if not 0 <= every <= MAX_EVERY_WEEKS:
        raise InvalidPairs(f"pairs change every 1 to {MAX_EVERY_WEEKS} weeks (0 turns them off)")
    found = settings_of(uow.session, community)
    if found is None:
        found = RitualSettings(
            community_id=community.id, pairs_every_weeks=every, updated_at=uow.now
        )
        uow.session.add(found)
    found.pairs_every_weeks, found.updated_at = every, uow.now
    uow.session.flush()
    return found


@dataclass(frozen=True)
class Buddies:
    group_id: int
    week: str  # when the group was made
    members: tuple[Member, ...]
    talked: bool


def _groups(session: Session, community: Community) -> list[tuple[BuddyGroup, list[int]]]:
    rows = session.execute(
        select(BuddyGroup, BuddyMember.member_id)
        .join(BuddyMember, BuddyMember.group_id == BuddyGroup.id)
        .where(BuddyGroup.community_id == community.id)
        .order_by(BuddyGroup.week, BuddyGroup.id)
    ).all()
    found: dict[int, tuple[BuddyGroup, list[int]]] = {}
    for group, member_id in rows:
        found.setdefault(group.id, (group, []))[1].append(member_id)
    return list(found.values())


def current_groups(session: Session, community: Community, week: str) -> list[BuddyGroup]:
    """The groups in force in a week: the latest made in or before it."""
    latest = session.scalar(
        select(BuddyGroup.week)
        .where(BuddyGroup.community_id == community.id, BuddyGroup.week <= week)
        .order_by(BuddyGroup.week.desc())
        .limit(1)
    )
    if latest is None:
        return []
    return list(
        session.scalars(
            select(BuddyGroup)
            .where(BuddyGroup.community_id == community.id, BuddyGroup.week == latest)
            .order_by(BuddyGroup.id)
        )
    )


def _weeks_between(earlier: str, later: str) -> int:
    n = 0
    while earlier < later and n <= MAX_EVERY_WEEKS:
        earlier, n = shift_week(earlier, 1), n + 1
    return n


def pair_round(uow: UnitOfWork, community: Community, rnd: Round) -> list[BuddyGroup]:
    """Make this week's groups when it is time (and queue their introductions).

    Safe to run twice: a week that has groups keeps them."""
    every = every_weeks(uow.session, community)
    if every <= 0:
        return []
    session = uow.session
    made = [(g, ids) for g, ids in _groups(session, community)]
    this_week = [g for g, _ in made if g.week == rnd.week]
    if this_week:
        return this_week
    if made and _weeks_between(made[-1][0].week, rnd.week) < every:
        return []  # the current pairs go on
    people = [m.id for m in participants(session, community)]
    groups = make_groups(people, [ids for _, ids in made], seed=community.id * 1000 + rnd.id)
    rows = []
    for ids in groups:
        group = BuddyGroup(community_id=community.id, week=rnd.week, created_at=uow.now)
        session.add(group)
        session.flush()
        session.add_all(BuddyMember(group_id=group.id, member_id=m) for m in ids)
        rows.append(group)
    session.flush()
    for group, ids in zip(rows, groups, strict=True):
        for member_id in ids:
            member = session.get(Member, member_id)
            assert member is not None
            outbox.queue_mail(
                uow,
                purpose=Purpose.BUDDY_INTRO,
                subject=f"buddies:{group.id}",
                recipient=member.address,
                community_id=community.id,
                member_id=member.id,
                context={"group_id": group.id},
            )
    return rows


def members_of(session: Session, group: BuddyGroup) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .join(BuddyMember, BuddyMember.member_id == Member.id)
            .where(BuddyMember.group_id == group.id)
            .order_by(Member.id)
        )
    )


def buddies_of(session: Session, community: Community, week: str, member: Member) -> Buddies | None:
    """The member's group in force that week, if any."""
    for group in current_groups(session, community, week):
        people = members_of(session, group)
        if any(m.id == member.id for m in people):
            return Buddies(group.id, group.week, tuple(people), group.talked_at is not None)
    return None


def week_groups(session: Session, community: Community, week: str) -> list[Buddies]:
    return [
        Buddies(g.id, g.week, tuple(members_of(session, g)), g.talked_at is not None)
        for g in current_groups(session, community, week)
    ]


def mark_talked(uow: UnitOfWork, group: BuddyGroup) -> None:
    if group.talked_at is None:
        group.talked_at = uow.now
        uow.session.flush()


def relay_note(
    uow: UnitOfWork, group: BuddyGroup, sender: Member, text: str, subject: str, inbound_id: int
) -> int:
    """A note to the pair address goes to the sender's buddies; returns how many."""
    others = [m for m in members_of(uow.session, group) if m.id != sender.id]
    for member in others:
        outbox.queue_mail(
            uow,
            purpose=Purpose.BUDDY_NOTE,
            subject=f"buddies:{group.id}:note:{inbound_id}",
            recipient=member.address,
            community_id=group.community_id,
            member_id=member.id,
            context={
                "group_id": group.id,
                "from_member_id": sender.id,
                "text": text,
                "subject": subject,
            },
        )
    mark_talked(uow, group)
    return len(others)
