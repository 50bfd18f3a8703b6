"""Every kind of mail, judged on its raw bytes: list headers, identifiers, names."""

from __future__ import annotations

import re
from datetime import date
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses

import pytest

from community import members
from community.models import Member
from community.outbox import Purpose
from community.settings import load_settings
from community.tokens import Signer
from mail.outbound.headers import REFERENCES_KEPT, references_chain

from ..helpers import noon, uow
from ..mailkinds import ALL_PURPOSES, make_every_kind

LONG_DOMAIN = "mail.a-rather-long-subdomain-for-our-circles.community-example.org"
# Mail whose reader is a member, and so carries unsubscribe and posting headers.
TO_MEMBERS = {
    Purpose.ALREADY_MEMBER,
    Purpose.WELCOME,
    Purpose.SEAT_OPENED,
    Purpose.WAITLISTED,
    Purpose.POST,
    Purpose.ATTACHMENTS_LEFT_OUT,
    Purpose.COMMITMENT_PROMPT,
    Purpose.COMMITMENT_REMINDER,
    Purpose.CHECKIN_PROMPT,
    Purpose.CHECKIN_REMINDER,
    Purpose.DIGEST,
    Purpose.DIGEST_PREVIEW,
    Purpose.ARCHIVE_LINK,
    # Both to members who hold a seat in these kinds (a leaver's cancellation is not).
    Purpose.SESSION_INVITATION,
    Purpose.SESSION_CANCELLATION,
    Purpose.BUDDY_INTRO,
    Purpose.BUDDY_NOTE,
    Purpose.HOT_SEAT_FOCUS,
    Purpose.SEASON_UPCOMING,
    Purpose.SEASON_CLOSING,
}
ID = r"<[^<>\s\"]+@[^<>\s\"]+>"
STRICT = policy.default.clone(raise_on_defect=True)


def raw_headers(data: bytes) -> dict[str, list[str]]:
    """Header fields as sent: unfolded (CRLF before white space removed), undecoded."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8")
    fields: dict[str, list[str]] = {}
    for line in re.sub(r"\r\n(?=[ \t])", "", head).split("\r\n"):
        name, _, value = line.partition(":")
        fields.setdefault(name.lower(), []).append(value.strip())
    return fields


def one(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name.lower(), [])
    assert len(values) == 1, f"{name}: {values}"
    return values[0]


@pytest.fixture(params=["kith.example", LONG_DOMAIN])
def kinds(request, db, tmp_path):
    settings = load_settings(
        {},
        data_dir=str(tmp_path),
        secret_key="k",
        domain=request.param,
        base_url="https://circles.example",
    )
    made = make_every_kind(db, settings, Signer("k"))
    yield settings, {m.purpose: m for m in made}
    db.rollback()


def test_every_kind_of_mail_is_made(kinds):
    _settings, made = kinds
    assert sorted(made) == ALL_PURPOSES


def test_identifiers_are_never_encoded_words_whatever_the_domain(kinds):
    _settings, made = kinds
    for purpose, m in made.items():
        fields = raw_headers(m.data)
        assert re.fullmatch(ID, one(fields, "Message-ID")), purpose
        assert one(fields, "Message-ID") == m.row.message_id
        for name in ("in-reply-to", "references"):
            for value in fields.get(name, []):
                assert "=?" not in value and re.fullmatch(rf"{ID}( {ID})*", value), (purpose, name)
        for line in m.data.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
            assert len(line) <= 998


def test_list_headers_are_exact_on_the_wire(kinds):
    settings, made = kinds
    domain = settings.domain
    for purpose, m in made.items():
        fields = raw_headers(m.data)
        assert one(fields, "List-Id") == f"Morning Circle <circle.{domain}>", purpose
        assert one(fields, "List-Help") == "<https://circles.example/c/circle>"
        assert one(fields, "List-Owner") == f"<mailto:circle-host@{domain}>"
        if purpose in TO_MEMBERS:
            unsubscribe = one(fields, "List-Unsubscribe")
            assert re.fullmatch(
                rf"<https://circles\.example/unsubscribe/[^\s<>]+>, "
                rf"<mailto:circle\+u-[0-9a-z]+-[0-9a-z]+-[a-z2-7]+@{re.escape(domain)}>",
                unsubscribe,
            ), unsubscribe
            assert one(fields, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
            assert one(fields, "List-Post") == f"<mailto:circle@{domain}>"
            # RFC 2369: where members find the archive (it asks them to sign in).
            assert one(fields, "List-Archive") == "<https://circles.example/c/circle/archive>"
        else:
            assert "list-unsubscribe" not in fields and "list-post" not in fields, purpose
            assert "list-archive" not in fields, purpose
        assert all("=?" not in v for k, vs in fields.items() if k.startswith("list-") for v in vs)


def test_every_from_to_and_reply_to_is_one_mailbox_to_a_strict_parser(kinds):
    settings, made = kinds
    for purpose, m in made.items():
        msg = BytesParser(policy=STRICT).parsebytes(m.data)
        fields = raw_headers(m.data)
        for name in ("From", "To", "Reply-To"):
            assert len(msg[name].addresses) == 1 and not msg[name].defects, (purpose, name)
            assert len(getaddresses([one(fields, name)])) == 1
        assert msg["From"].addresses[0].addr_spec == f"circle@{settings.domain}"


def test_a_reply_references_the_root_and_its_parent_by_the_ids_readers_hold(kinds):
    _settings, made = kinds
    post = made[Purpose.POST]
    fields = raw_headers(post.data)
    root_copy = fields["references"][0].split()
    assert len(root_copy) == 1  # Bart answered Anne's first post directly
    assert one(fields, "In-Reply-To") == root_copy[0]
    assert root_copy[0].endswith("@example.com>")  # Anne's own Message-ID, not ours
    assert one(fields, "Message-ID").endswith("@example.com>")  # and Bart's on his copy


def test_post_copies_say_where_the_archive_keeps_them(kinds):
    """RFC 5064 Archived-At on each copy of a post, naming that post on its thread's
    archive page, exactly one, as the raw bytes carry it; no other mail has one."""
    _settings, made = kinds
    post = made[Purpose.POST]
    row = post.row
    at = one(raw_headers(post.data), "Archived-At")
    match = re.fullmatch(r"<https://circles\.example/c/circle/archive/t/(\d+)#post-(\d+)>", at)
    assert match, at
    assert int(match.group(2)) == row.context["post_id"]
    assert b"\r\nArchived-At: <https://circles.example/c/circle/archive/t/" in post.data
    for purpose, m in made.items():
        if purpose != Purpose.POST:
            assert "archived-at" not in raw_headers(m.data), purpose


def test_references_keep_the_root_and_the_most_recent_ancestors():
    ids = [f"<m{i}@example.com>" for i in range(30)]
    chain = references_chain(ids)
    assert len(chain) == REFERENCES_KEPT
    assert chain[0] == ids[0] and list(chain[1:]) == ids[-(REFERENCES_KEPT - 1) :]
    assert references_chain(["<a@x>", "bogus", "<a@x>", "<b@x>"]) == ("<a@x>", "<b@x>")


# -- names that try to speak for someone else (issue: From spoofing) ------------------

SPOOF = 'Bank <alerts@bank.example>, x" ' + "a" * 40
SEPARATORS = "Anne\u2028Bcc: victim@example.org\u2029Archer"


@pytest.mark.parametrize("name", [SPOOF, SEPARATORS, "=?utf-8?q?Bank?= <a@b.example>"])
def test_names_are_cleaned_when_a_member_sets_them(db, kinds, name):
    _settings, made = kinds
    member = db.get(Member, made[Purpose.WELCOME].row.member_id)
    members.update_preferences(
        uow(db, noon(date(2026, 3, 4))),
        member,
        delivery_mode=member.delivery_mode,
        display_name=name,
        paused_until=None,
    )
    stored = member.display_name
    assert not set(stored) & set('<>@"\u2028\u2029\r\n')
    assert len(stored) <= members.MAX_NAME_LENGTH


@pytest.mark.parametrize("name", [SPOOF, SEPARATORS, "\u202eknab\u202c Bank"])
def test_a_hostile_stored_name_still_makes_one_safe_from_line(db, tmp_path, name):
    """Names stored before cleaning (or taken from outsiders' mail) are cleaned again
    on the way out: the From line parses as exactly one mailbox, our own."""
    settings = load_settings(
        {}, data_dir=str(tmp_path), secret_key="k", domain="kith.example", base_url="https://c.x"
    )
    made = make_every_kind(db, settings, Signer("k"))
    post = next(m for m in made if m.purpose == Purpose.POST)
    from community.models import Post

    db.get(Post, post.row.context["post_id"]).author_name = name
    again = {m.purpose: m for m in make_every_kind_again(db, settings, post)}
    data = again[Purpose.POST].data
    fields = raw_headers(data)
    assert "\u2028" not in data.decode("utf-8") and "\u202e" not in data.decode("utf-8")
    [(_, address)] = getaddresses([one(fields, "From")])
    assert address == "circle@kith.example"
    msg = BytesParser(policy=STRICT).parsebytes(data)
    [mailbox] = msg["From"].addresses
    assert mailbox.addr_spec == "circle@kith.example" and not msg["From"].defects
    assert "alerts@bank.example" not in mailbox.display_name
    db.rollback()


def make_every_kind_again(db, settings, made_post):
    from community.models import Community
    from mail.outbound.compose import MailContext, message_bytes

    from ..mailkinds import NOW, Made

    row = made_post.row
    community = db.get(Community, row.community_id)
    member = db.get(Member, row.member_id)
    ctx = MailContext(settings, Signer("k"), community, member, row, db)
    return [Made(row.purpose, row, message_bytes(ctx, NOW))]


def test_posts_and_host_forwards_carry_the_senders_attachment(kinds):
    _settings, made = kinds
    for purpose in (Purpose.POST, Purpose.HOST_FORWARD):
        msg = BytesParser(policy=STRICT).parsebytes(made[purpose].data)
        assert msg.get_content_type() == "multipart/mixed", purpose
        [pdf] = msg.iter_attachments()
        assert pdf.get_filename() == "plan.pdf" and pdf.get_content().startswith(b"%PDF")


def test_every_kind_is_dkim_signed_relaxed_over_the_headers_receivers_check(db, tmp_path):
    import dkim

    from mail.outbound.signing import generate_key, load_key

    settings = load_settings(
        {},
        data_dir=str(tmp_path),
        secret_key="k",
        domain="kith.example",
        base_url="https://circles.example",
        dkim_key=str(tmp_path / "dkim.pem"),
    )
    generate_key(tmp_path / "dkim.pem")
    record = load_key(settings).dns_value().encode()
    asked = []

    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        asked.append(name)
        return record if name == b"kith._domainkey.kith.example." else None

    made = make_every_kind(db, settings, Signer("k"))
    assert sorted(m.purpose for m in made) == ALL_PURPOSES
    for m in made:
        assert m.data.startswith(b"DKIM-Signature: "), m.purpose
        assert dkim.verify(m.data, dnsfunc=dns), m.purpose
        sig = dkim.DKIM(m.data)
        sig.verify(dnsfunc=dns)
        tags = sig.signature_fields
        assert tags[b"c"] == b"relaxed/relaxed" and tags[b"d"] == b"kith.example"
        covered = set(tags[b"h"].split(b":"))
        required = {b"from", b"to", b"subject", b"date", b"message-id", b"list-id"}
        if m.purpose in TO_MEMBERS:
            required |= {b"list-unsubscribe", b"list-unsubscribe-post"}
        assert required <= {h.strip() for h in covered}, m.purpose
        # Tampering with a signed header breaks it.
        assert not dkim.verify(m.data.replace(b"Subject: ", b"Subject: X", 1), dnsfunc=dns)
    # The relayed post also carries an ARC set that holds what intake found.
    post = next(m for m in made if m.purpose == Purpose.POST)
    cv, _results, reason = dkim.arc_verify(post.data, dnsfunc=dns)
    assert cv == dkim.CV_Pass, reason
    aar = one(raw_headers(post.data), "ARC-Authentication-Results")
    assert aar.startswith("i=1; kith.example;") and "dkim=pass header.d=example.com" in aar
    db.rollback()


def test_our_copies_coming_back_are_still_recognised_as_loops(kinds):
    """Post copies now carry the author's Message-ID, not ours: List-Id and X-Kith-Loop
    still tell our own mail when a member's mailbox sends it back."""
    from community.incoming import MailKind
    from mail.inbound.parse import parse_message

    settings, made = kinds
    for purpose, m in made.items():
        mail = parse_message(m.data, our_domain=settings.domain)
        assert mail.kind == MailKind.LOOP, (purpose, mail.reason)
