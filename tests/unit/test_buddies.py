"""How accountability buddies are grouped: pairs, one trio when odd, no repeats early."""

from collections import Counter
from itertools import combinations

import pytest

from community.buddies import make_groups


def run(people, rounds, seed=7, history=None):
    history = list(history or [])
    made = []
    for r in range(rounds):
        groups = make_groups(people, history, seed + r)
        made.append(groups)
        history += groups
    return made


def pairs_of(groups):
    return [frozenset(p) for g in groups for p in combinations(g, 2)]


@pytest.mark.parametrize("n", [2, 4, 6, 8, 12])
def test_an_even_circle_meets_everyone_once_before_anyone_twice(n):
    people = list(range(1, n + 1))
    made = run(people, n - 1)
    for groups in made:
        assert sorted(m for g in groups for m in g) == people and all(len(g) == 2 for g in groups)
    met = Counter(p for groups in made for p in pairs_of(groups))
    assert len(met) == n * (n - 1) // 2 and set(met.values()) == {1}
    # ... and the next cycle starts over with pairs from the least-met again.
    again = pairs_of(run(people, 1, seed=99, history=[g for gs in made for g in gs])[0])
    assert all(met[p] == 1 for p in again)


@pytest.mark.parametrize("n", [3, 5, 7, 9, 13])
def test_an_odd_circle_has_one_trio_and_everyone_meets_early_and_evenly(n):
    """A trio's three pairs cannot all be fresh every time (in the second round of five
    people the unused pairs hold no triangle), so the promise for odd counts is this:
    every pair has met within n rounds, and no pair is ever more than two meetings
    ahead of another."""
    people = list(range(10, 10 + n))
    history = []
    met = Counter({p: 0 for p in pairs_of([people])})
    for r in range(2 * n):
        groups = make_groups(people, history, r)
        assert sorted(m for g in groups for m in g) == people
        assert sorted(len(g) for g in groups) == [2] * (n // 2 - 1) + [3]
        met.update(pairs_of(groups))
        history += groups
        assert max(met.values()) - min(met.values()) <= 2
        if r == n - 1:
            assert min(met.values()) >= 1


def test_someone_away_is_left_out_and_newcomers_meet_the_least_met_first():
    history = [[1, 2], [3, 4], [1, 3], [2, 4]]
    groups = make_groups([1, 2, 3, 4], history, seed=1)
    assert sorted(map(tuple, groups)) == [(1, 4), (2, 3)]  # the only pairs not met yet
    assert make_groups([1, 2, 4], history, seed=1) == [[1, 2, 4]]
    assert make_groups([1], history, seed=1) == []


def test_pairs_every_two_weeks_hold_for_two_rounds(db):
    from datetime import UTC, datetime

    from community import buddies, members, rounds
    from community.communities import create_community

    from ..helpers import uow

    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    c = create_community(uow(db, now), slug="c", name="C", host_address="h@example.com")
    for i in range(3):
        members.add_member(uow(db, now), c, f"m{i}@example.com")
    buddies.configure(uow(db, now), c, 2)
    made = {}
    for week in ("2026-W10", "2026-W11", "2026-W12", "2026-W13"):
        rnd = rounds.open_round(uow(db, now), c, week)
        db.flush()
        made[week] = buddies.pair_round(uow(db, now), c, rnd)
        assert buddies.pair_round(uow(db, now), c, rnd) == made[week]  # twice: the same
    assert [bool(made[w]) for w in sorted(made)] == [True, False, True, False]
    in_force = buddies.current_groups(db, c, "2026-W11")
    assert [g.id for g in in_force] == [g.id for g in made["2026-W10"]]
    with pytest.raises(buddies.InvalidPairs):
        buddies.configure(uow(db, now), c, 13)
