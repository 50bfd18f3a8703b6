"""The hold-out reply set (tests/fixtures/holdout, written apart from the extraction code):
every case yields exactly the new text, or its kind; known-failing cases still fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from community.incoming import MailKind
from mail.inbound.parse import parse_message

HOLDOUT = Path(__file__).resolve().parent.parent / "fixtures" / "holdout"
KINDS = {"automated": MailKind.AUTO_REPLY, "unusable": MailKind.REJECT, "bounces": MailKind.BOUNCE}
KNOWN_FAILING = "known-failing"
CASES = sorted(HOLDOUT.glob("*/*.eml"))
PASSING = [path for path in CASES if path.parent.name != KNOWN_FAILING]
FAILING = [path for path in CASES if path.parent.name == KNOWN_FAILING]


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def normalise(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def expected(path: Path) -> tuple[MailKind, str | None]:
    folder = path.parent.name
    if folder == KNOWN_FAILING:
        # A known-failing case without expected text is named FOLDER__NAME.
        folder = path.stem.split("__", 1)[0]
    text_path = path.with_name(path.stem + ".expected.txt")
    if text_path.is_file():
        return MailKind.POST, normalise(text_path.read_text(encoding="utf-8"))
    return KINDS[folder], None


def outcome(path: Path) -> tuple[MailKind, str]:
    mail = parse_message(path.read_bytes(), our_domain="kith.example")
    return mail.kind, normalise(mail.reply)


@pytest.mark.parametrize("path", PASSING, ids=case_id)
def test_holdout_case_yields_exactly_the_new_text(path):
    kind, text = outcome(path)
    want_kind, want_text = expected(path)
    assert kind is want_kind
    if want_text is not None:
        assert text == want_text


@pytest.mark.parametrize("path", FAILING, ids=case_id)
def test_known_failing_holdout_case_still_fails(path):
    # When one passes, move it into its family's folder.
    kind, text = outcome(path)
    want_kind, want_text = expected(path)
    assert kind is not want_kind or (want_text is not None and text != want_text)


def test_holdout_set_is_large_and_covers_posts_and_machine_mail():
    families = {path.parent.name for path in PASSING}
    assert len(CASES) >= 80
    assert families >= {"gmail", "outlook", "apple", "mobile", "plain", "kith", *KINDS}
    for path in PASSING:
        if path.parent.name not in KINDS:
            assert path.with_name(path.stem + ".expected.txt").is_file(), path
