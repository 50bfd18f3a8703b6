"""Reply tokens and the addresses Kith receives mail at."""

import pytest

from community.addresses import (
    RecipientKind,
    ReplyToken,
    RevokedReplyAddress,
    TokenKind,
    make_reply_token,
    parse_recipient,
    reply_address,
    sender_matches,
    verify_reply_token,
)
from community.errors import InvalidLink

SECRET = "s3cret"


def versions(**by_member):
    """A member-id -> current link version lookup; members not given are at version 0."""
    return lambda member_id: by_member.get(f"m{member_id}", 0)


def test_reply_token_round_trip_and_is_case_insensitive():
    token = ReplyToken(TokenKind.THREAD, 123456, 789)
    raw = make_reply_token(SECRET, token)
    assert raw == raw.lower() and len(raw) < 40
    assert verify_reply_token(SECRET, raw, versions()) == token
    assert verify_reply_token(SECRET, raw.upper(), versions()) == token  # some MTAs fold case


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace("t-", "c-", 1),  # another kind
        lambda t: "t-2-" + t.split("-", 2)[2],  # another member
        lambda t: t[:-1] + ("a" if t[-1] != "a" else "b"),  # damaged signature
        lambda t: t + "x",
        lambda t: "",
        lambda t: "t-1-1",
    ],
)
def test_tampered_tokens_are_refused(mutate):
    raw = make_reply_token(SECRET, ReplyToken(TokenKind.THREAD, 1, 7))
    with pytest.raises(InvalidLink):
        verify_reply_token(SECRET, mutate(raw), versions())


def test_bumping_the_link_version_revokes_earlier_reply_addresses():
    old = make_reply_token(SECRET, ReplyToken(TokenKind.COMMITMENT, 4, 9, version=0))
    new = make_reply_token(SECRET, ReplyToken(TokenKind.COMMITMENT, 4, 9, version=1))
    assert old != new
    assert verify_reply_token(SECRET, old, versions(m4=0)).version == 0
    with pytest.raises(RevokedReplyAddress):
        verify_reply_token(SECRET, old, versions(m4=1))
    assert verify_reply_token(SECRET, new, versions(m4=1)).version == 1
    with pytest.raises(InvalidLink):  # an address from the future is no address of ours
        verify_reply_token(SECRET, new, versions(m4=0))


def test_token_of_no_member_is_refused():
    raw = make_reply_token(SECRET, ReplyToken(TokenKind.THREAD, 1, 7))
    with pytest.raises(InvalidLink):
        verify_reply_token(SECRET, raw, lambda member_id: None)


def test_token_from_another_secret_is_refused():
    raw = make_reply_token("other", ReplyToken(TokenKind.THREAD, 1, 7))
    with pytest.raises(InvalidLink):
        verify_reply_token(SECRET, raw, versions())


@pytest.mark.parametrize(
    "address, kind, slug",
    [
        ("circle@kith.example", RecipientKind.LIST, "circle"),
        ("Circle@KITH.example", RecipientKind.LIST, "circle"),
        ("circle+t-1-2-abc@kith.example", RecipientKind.REPLY, "circle"),
        ("circle-host@kith.example", RecipientKind.HOST, "circle"),
        ("bounces@kith.example", RecipientKind.BOUNCE, ""),
        ("bounces+42@kith.example", RecipientKind.BOUNCE, ""),
        ("<circle@kith.example>", RecipientKind.LIST, "circle"),
    ],
)
def test_our_addresses_are_recognised(address, kind, slug):
    found = parse_recipient(address, "kith.example")
    assert found is not None and (found.kind, found.slug) == (kind, slug)


def test_verp_bounce_names_the_ledger_row():
    assert parse_recipient("bounces+42@kith.example", "kith.example").ledger_id == 42


@pytest.mark.parametrize(
    "address",
    [
        "circle@other.example",
        "circle@sub.kith.example",
        "nohost",
        "@kith.example",
        "+x@kith.example",
    ],
)
def test_other_addresses_are_not_ours(address):
    assert parse_recipient(address, "kith.example") is None


def test_reply_address_is_a_parseable_recipient():
    address = reply_address(SECRET, "circle", "kith.example", ReplyToken(TokenKind.THREAD, 5, 9))
    found = parse_recipient(address, "kith.example")
    assert verify_reply_token(SECRET, found.token, versions()) == ReplyToken(TokenKind.THREAD, 5, 9)


@pytest.mark.parametrize(
    "member, sender, same",
    [
        ("anne@example.com", "ANNE@example.com", True),
        ("anne@example.com", "anne+lists@example.com", True),
        ("anne@example.com", "anne@example.org", False),
        ("anne@example.com", "", False),
        ("anne@example.com", "annie@example.com", False),
    ],
)
def test_sender_matching(member, sender, same):
    assert sender_matches(member, sender) is same
