from datetime import UTC, datetime

import pytest

from community.communities import create_community, get_community, seats_left
from community.errors import InvalidAddress, InvalidCommunitySettings, SlugTaken, UnknownCommunity
from community.models import MemberStatus, Role

from ..helpers import uow

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def make(db, **kw):
    args = {"slug": "circle", "name": "Circle", "host_address": "hana@example.com"}
    args.update(kw)
    return create_community(uow(db, NOW), **args)


def test_host_is_the_first_active_member(db):
    c = make(db, capacity=5)
    [host] = c.members
    assert host.role == Role.HOST and host.status == MemberStatus.ACTIVE
    assert seats_left(db, c) == 5  # the host runs the circle from outside its seats
    assert get_community(db, "CIRCLE") is c


@pytest.mark.parametrize(
    "kw",
    [
        {"slug": "Has Space"},
        {"slug": "-dash"},
        {"slug": "a+b"},
        {"slug": "bounces"},
        {"slug": "circle-host"},
        {"slug": "x" * 41},
        {"name": "  "},
        {"timezone": "Mars/Base"},
        {"capacity": 0},
        {"capacity": 100000},
    ],
)
def test_bad_settings_are_refused(db, kw):
    with pytest.raises(InvalidCommunitySettings):
        make(db, **kw)


def test_bad_host_address_is_refused(db):
    with pytest.raises(InvalidAddress):
        make(db, host_address="hana")


def test_slug_is_unique(db):
    make(db)
    with pytest.raises(SlugTaken):
        make(db, slug="Circle")


def test_unknown_community(db):
    with pytest.raises(UnknownCommunity):
        get_community(db, "nope")
