import time

import pytest

from community.addresses import normalise_address
from community.errors import ExpiredLink, InvalidAddress, InvalidLink
from community.tokens import LinkPurpose, Signer


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Anne@Example.COM", "anne@example.com"),
        ("  bart@example.org ", "bart@example.org"),
        ("chloé@exämple.org", "chloé@exämple.org"),
    ],
)
def test_addresses_are_normalised(raw, expected):
    assert normalise_address(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "anne", "anne@", "@example.com", "a b@example.com", "anne@example..com", "anne@localhost"],
)
def test_invalid_addresses_are_refused_with_a_reason(raw):
    with pytest.raises(InvalidAddress) as info:
        normalise_address(raw)
    assert str(info.value)


def test_token_round_trip():
    signer = Signer("k")
    token = signer.sign(LinkPurpose.PREFERENCES, {"m": 7, "v": 0})
    assert signer.load(LinkPurpose.PREFERENCES, token) == {"m": 7, "v": 0}


def test_tampered_token_is_refused():
    signer = Signer("k")
    token = signer.sign(LinkPurpose.PREFERENCES, {"m": 7, "v": 0})
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(InvalidLink):
        signer.load(LinkPurpose.PREFERENCES, forged)


def test_token_from_another_key_or_purpose_is_refused():
    token = Signer("k").sign(LinkPurpose.UNSUBSCRIBE, {"m": 7, "v": 0})
    with pytest.raises(InvalidLink):
        Signer("other").load(LinkPurpose.UNSUBSCRIBE, token)
    with pytest.raises(InvalidLink):
        Signer("k").load(LinkPurpose.PREFERENCES, token)


def test_old_token_expires():
    signer = Signer("k")
    token = signer.sign(LinkPurpose.CONFIRM, {"m": 1, "v": 0})
    time.sleep(1.1)
    with pytest.raises(ExpiredLink):
        signer.load(LinkPurpose.CONFIRM, token, max_age_seconds=0)
