"""Kith's own mail pasted under a reply without quote marks: its template opening and the
layout's footer mark the copy, rendered from the real templates."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from mail.inbound.house import own_copy_start
from mail.inbound.replies import extract_reply
from mail.outbound.render import render_text

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
COMMON = {
    "community": SimpleNamespace(name="Morning Circle"),
    "community_url": "https://kith.example/c/morning-circle",
    "host_address": "host@example.com",
    "preferences_url": "https://kith.example/p/abc",
    "unsubscribe_url": "https://kith.example/u/abc",
}


def post(is_reply: bool = True) -> str:
    return render_text(
        TEMPLATES,
        "post",
        {
            **COMMON,
            "post": SimpleNamespace(author_name="Anne Example", body="Shall we meet at 7pm?"),
            "thread": SimpleNamespace(subject="Thursday call"),
            "is_reply": is_reply,
            "list_address": "circle@kith.example",
            "omitted": None,
        },
    )


def prompt() -> str:
    return render_text(
        TEMPLATES,
        "commitment_prompt",
        {
            **COMMON,
            "round": SimpleNamespace(commitment_question="What will you finish this week?"),
            "member": SimpleNamespace(display_name="Bart"),
            "previous": "",
            "checkin_when": "Friday at 17:00",
        },
    )


@pytest.mark.parametrize(
    "sent", [post(True), post(False), prompt()], ids=["reply", "post", "prompt"]
)
def test_our_mail_pasted_without_marks_is_cut(sent):
    reply = "Works for me.\n\nBart"
    assert extract_reply(f"{reply}\n\n{sent}") == reply


def test_the_copy_starts_at_the_template_opening():
    lines = f"Works for me.\n\n{post()}".split("\n")
    start = own_copy_start(lines)
    assert start is not None
    assert lines[start] == 'Anne Example replied in "Thursday call":'


def test_an_opening_without_our_footer_below_is_the_members_text():
    text = 'Quick summary:\n\nBob started "Budget 2027":\n\nWe agreed on the venue.\n\nCleo'
    assert own_copy_start(text.split("\n")) is None
    assert extract_reply(text) == text


def test_a_quoted_copy_is_left_to_the_quote_rules():
    quoted = "\n".join(f"> {line}".rstrip() for line in post().split("\n"))
    text = f'Bob started "Budget":\n\n{quoted}'
    assert own_copy_start(text.split("\n")) is None
