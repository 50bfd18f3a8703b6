"""The multi-client reply corpus: every case yields exactly the new text, or its kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from community.incoming import MailKind
from mail.inbound.parse import parse_message

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
KINDS = {"automated": MailKind.AUTO_REPLY, "unusable": MailKind.REJECT}
KNOWN_FAILING = "known-failing"
CASES = sorted(CORPUS.glob("*/*.eml"))
PASSING = [path for path in CASES if path.parent.name != KNOWN_FAILING]
FAILING = [path for path in CASES if path.parent.name == KNOWN_FAILING]
FAMILIES = {
    "gmail",
    "outlook",
    "apple",
    "thunderbird",
    "yahoo",
    "proton",
    "zoho",
    "gmx_webde",
    "zimbra",
    "fastmail",
    "mobile",
    "webmail",
    "plain",
}


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def normalise(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def outcome(path: Path) -> tuple[MailKind, str]:
    mail = parse_message(path.read_bytes(), our_domain="kith.example")
    return mail.kind, normalise(mail.reply)


def expected(path: Path) -> tuple[MailKind, str | None]:
    if path.parent.name in KINDS:
        return KINDS[path.parent.name], None
    text = path.with_name(path.stem + ".expected.txt").read_text(encoding="utf-8")
    return MailKind.POST, normalise(text)


def matches(path: Path) -> bool:
    kind, text = outcome(path)
    want_kind, want_text = expected(path)
    return kind is want_kind and (want_text is None or text == want_text)


@pytest.mark.parametrize("path", PASSING, ids=case_id)
def test_corpus_case_yields_exactly_the_new_text(path):
    kind, text = outcome(path)
    want_kind, want_text = expected(path)
    assert kind is want_kind
    if want_text is not None:
        assert text == want_text


@pytest.mark.parametrize("path", FAILING, ids=case_id)
def test_known_failing_case_still_fails(path):
    # When one passes, move it into its family's folder.
    assert not matches(path)


def test_corpus_covers_every_client_family():
    present = {path.parent.name for path in PASSING}
    assert present >= FAMILIES | set(KINDS)
    for family in FAMILIES:
        assert len([p for p in PASSING if p.parent.name == family]) >= 2, family


def test_corpus_covers_fifteen_languages_for_attributions_and_header_blocks():
    def languages(prefix: str) -> set[str]:
        return {
            path.stem.removeprefix(prefix).split("_")[0]
            for path in PASSING
            if path.stem.startswith(prefix)
        }

    assert len(languages("gmail_")) >= 15  # "On ... wrote:" lines
    assert len(languages("outlook_desktop_")) >= 15  # From/Sent/To/Subject blocks
