"""Hostile structure costs bounded work, keeps the sender, and says why it was held."""

from __future__ import annotations

import logging

from community.incoming import MailKind
from mail.inbound import envelope
from mail.inbound import parse as parse_module
from mail.inbound.parse import parse_message

DOMAIN = "kith.example"


def nested_messages(depth: int) -> bytes:
    inner = "".join(
        f"From: p{i}@example.com\nSubject: level {i}\nContent-Type: message/rfc822\n\n"
        for i in range(depth)
    )
    return (
        "From: Top Sender <top@example.com>\nSubject: top\nMessage-ID: <top@example.com>\n"
        "Content-Type: message/rfc822\n\n" + inner + "From: z@example.com\n\nbody\n"
    ).encode()


def nested_multiparts(depth: int) -> bytes:
    opening = "".join(
        f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n' for i in range(depth)
    )
    closing = "".join(f"--b{i}--\n" for i in reversed(range(depth + 1)))
    return (
        'From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b0"\n\n'
        + opening
        + f"--b{depth}\nContent-Type: text/plain\n\ndeep\n"
        + closing
    ).encode()


def test_messages_nested_a_thousand_deep_keep_their_sender_and_are_held():
    mail = parse_message(nested_messages(1000), our_domain=DOMAIN)
    assert (mail.from_address, mail.subject) == ("top@example.com", "top")
    assert mail.kind is MailKind.POST
    assert "1001 nested MIME containers" in mail.hold_reason
    assert not any("parser failed" in defect for defect in mail.defects)


def test_multiparts_nested_five_thousand_deep_are_bounded_and_held():
    mail = parse_message(nested_multiparts(5000), our_domain=DOMAIN)
    assert mail.from_address == "a@example.com"
    assert "nested MIME containers" in mail.hold_reason


def test_a_message_of_many_parts_is_read_up_to_the_limit_and_held():
    parts = "".join(f"--b\nContent-Type: text/plain\n\npart {i}\n" for i in range(3000))
    raw = (
        'From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        + parts
        + "--b--\n"
    ).encode()
    mail = parse_message(raw, our_domain=DOMAIN)
    assert f"over {envelope.MAX_BOUNDARY_LINES} MIME parts" in mail.hold_reason
    assert mail.full_text.startswith("part 0\n\npart 1")


def test_a_structure_within_the_limits_is_not_held():
    mail = parse_message(nested_multiparts(5), our_domain=DOMAIN)
    assert mail.hold_reason == "" and mail.full_text == "deep"


def test_blank_lines_and_spaces_before_the_headers_are_skipped():
    raw = b"\r\n \r\n\t\r\n  From: Anne <anne@example.com>\r\nSubject: Hi\r\n\r\nHello.\r\n"
    mail = parse_message(raw, our_domain=DOMAIN)
    assert (mail.from_address, mail.subject, mail.reply) == ("anne@example.com", "Hi", "Hello.")


def test_a_parser_failure_logs_one_line_and_no_traceback(monkeypatch, caplog, capsys):
    def broken(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(parse_module, "message_from_bytes", broken)
    with caplog.at_level(logging.DEBUG):
        mail = parse_message(b"From: Anne <anne@example.com>\n\nHello.\n", our_domain=DOMAIN)
    assert mail.from_address == "anne@example.com"  # the headers, read on their own
    assert mail.hold_reason == "it could not be read as an email"
    assert caplog.records and all(record.exc_info is None for record in caplog.records)
    assert all("\n" not in record.getMessage() for record in caplog.records)
    assert capsys.readouterr().err == ""


def test_an_unparsable_message_without_a_sender_is_rejected(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(parse_module, "message_from_bytes", broken)
    mail = parse_message(b"Subject: no sender\n\nHello.\n", our_domain=DOMAIN)
    assert mail.kind is MailKind.REJECT
