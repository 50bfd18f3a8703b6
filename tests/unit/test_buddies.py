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
