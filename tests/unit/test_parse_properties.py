"""parse_message never raises: arbitrary bytes, damaged fixtures, mutated and huge headers."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community.incoming import Attachment, IncomingMail, MailKind
from mail.inbound.parse import parse_message
from tests.fixtures import EMAILS

OUR_DOMAIN = "kith.example"
FIXTURES = {path.stem: path.read_bytes() for path in sorted(EMAILS.glob("*.eml"))}
FIXTURE_NAMES = sorted(FIXTURES)

# No example database: a failure is reported with its shrunk example, not replayed from disk.
# A few hundred examples a property here; `python -m benchmarks.fuzz` runs 20,000 hostile
# messages through the same parser when speed is no object.
robust = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HEADER_NAMES = st.sampled_from(
    [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "List-Id",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "MIME-Version",
        "Auto-Submitted",
        "Precedence",
        "Return-Path",
        "X-Loop",
        "X-Failed-Recipients",
    ]
)
# Values built from the pieces that trip parsers: brackets, quotes, encoded-word markers,
# parameters, folding, 8-bit and control bytes.
NASTY_PIECES = st.sampled_from(
    [
        b"<",
        b">",
        b'"',
        b"\\",
        b"(",
        b")",
        b",",
        b";",
        b":",
        b"@",
        b"=?",
        b"?=",
        b"?B?",
        b"?Q?",
        b"utf-8",
        b"x-unknown",
        b"boundary=",
        b"charset=",
        b"filename*=",
        b"''",
        b"%",
        b"\r\n ",
        b"\n\t",
        b"\n",
        b"\xff",
        b"\xc3\xa9",
        b"\x00",
        b"multipart/mixed",
        b"message/rfc822",
        b"base64",
        b"anne@example.com",
        b" ",
    ]
)
HEADER_VALUES = st.one_of(
    st.binary(max_size=300),
    st.lists(NASTY_PIECES, max_size=40).map(b"".join),
    st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")),
)


def assert_well_formed(mail: IncomingMail) -> None:
    assert isinstance(mail, IncomingMail)
    assert isinstance(mail.kind, MailKind)
    assert isinstance(mail.full_text, str) and isinstance(mail.reply, str)
    assert isinstance(mail.subject, str) and isinstance(mail.from_address, str)
    assert mail.message_id is None or isinstance(mail.message_id, str)
    assert all(isinstance(ref, str) for ref in mail.references)
    assert all(isinstance(att, Attachment) and att.size >= 0 for att in mail.attachments)
    assert mail.date is None or mail.date.tzinfo is not None
    assert all(isinstance(defect, str) for defect in mail.defects)
    # Damage is absorbed where it happens, never by the last-resort handler.
    assert not any(defect.startswith("parser failed") for defect in mail.defects)


@robust
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(raw):
    assert_well_formed(parse_message(raw, our_domain=OUR_DOMAIN))


@robust
@given(
    st.lists(
        st.sampled_from(
            [
                b"From: a@b\n",
                b"Content-Type: multipart/mixed; boundary=x\n",
                b"\n",
                b"--x\n",
                b"--x--\n",
                b"Content-Type: message/rfc822\n",
                b"Content-Transfer-Encoding: base64\n",
                b"=?utf-8?b?",
                b"\xff\xfe",
                b"text\n",
            ]
        ),
        max_size=60,
    ).map(b"".join)
)
def test_mime_shaped_garbage(raw):
    assert_well_formed(parse_message(raw, our_domain=OUR_DOMAIN))


@robust
@given(st.sampled_from(FIXTURE_NAMES), st.data())
def test_bytes_inserted_into_a_fixture(name, data):
    raw = FIXTURES[name]
    where = data.draw(st.integers(0, len(raw)), label="position")
    extra = data.draw(st.one_of(st.binary(max_size=200), NASTY_PIECES), label="inserted")
    assert_well_formed(parse_message(raw[:where] + extra + raw[where:], our_domain=OUR_DOMAIN))


@robust
@given(st.sampled_from(FIXTURE_NAMES), st.binary(max_size=500))
def test_bytes_appended_to_a_fixture(name, tail):
    assert_well_formed(parse_message(FIXTURES[name] + tail, our_domain=OUR_DOMAIN))


@robust
@given(st.sampled_from(FIXTURE_NAMES), st.data())
def test_fixture_cut_short(name, data):
    raw = FIXTURES[name]
    cut = data.draw(st.integers(0, len(raw)), label="cut")
    assert_well_formed(parse_message(raw[:cut], our_domain=OUR_DOMAIN))


@robust
@given(st.sampled_from(FIXTURE_NAMES), HEADER_NAMES, HEADER_VALUES, st.booleans())
def test_header_replaced_or_added(name, header, value, prepend):
    raw = FIXTURES[name]
    head, separator, body = raw.partition(b"\n\n")
    prefix = header.lower().encode() + b":"
    kept = [line for line in head.split(b"\n") if not line.lower().startswith(prefix)]
    new_line = header.encode() + b": " + value
    lines = [new_line, *kept] if prepend else [*kept, new_line]
    mutated = b"\n".join(lines) + separator + body
    assert_well_formed(parse_message(mutated, our_domain=OUR_DOMAIN))


@settings(max_examples=10, deadline=None, database=None)
@given(HEADER_NAMES, st.sampled_from([b"x", b"<a@b> ", b"=?utf-8?q?a?= ", b"(", b'"', b"\xff"]))
def test_huge_header_lines_parse_quickly(header, unit):
    raw = (
        b"From: anne@example.com\n"
        + header.encode()
        + b": "
        + unit * (200_000 // len(unit))
        + b"\n\nBody.\n"
    )
    started = time.perf_counter()
    mail = parse_message(raw, our_domain=OUR_DOMAIN)
    assert_well_formed(mail)
    assert time.perf_counter() - started < 2.0
