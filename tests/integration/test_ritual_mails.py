"""The rituals' mails as a reader sees them: each rendered in headless Chromium at a
phone's width, in light and dark mode (screenshots kept in test-artifacts/), with no
sideways scrolling, every text readable, no light box left in the dark scheme, and
nothing a member wrote turned into markup."""

from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from community.outbox import Purpose
from community.settings import load_settings
from community.tokens import Signer

from ..mailkinds import make_every_kind
from ..unit.test_email_schemes import TEXT_COLOURS, light_surfaces, unreadable

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
RITUALS = (
    Purpose.SESSION_INVITATION,
    Purpose.SESSION_CANCELLATION,
    Purpose.BUDDY_INTRO,
    Purpose.BUDDY_NOTE,
    Purpose.HOT_SEAT_FOCUS,
    Purpose.SEASON_UPCOMING,
    Purpose.SEASON_CLOSING,
    Purpose.COMMITMENT_PROMPT,  # with buddies and carry-over blocks when they apply
    Purpose.DIGEST_PREVIEW,  # with the host's health section
)


@pytest.fixture
def made(db, tmp_path):
    settings = load_settings(
        {},
        data_dir=str(tmp_path),
        secret_key="k",
        domain="kith.example",
        base_url="https://circles.example",
    )
    kinds = {m.purpose: m for m in make_every_kind(db, settings, Signer("k"))}
    yield kinds
    db.rollback()


@pytest.mark.browser
def test_ritual_mails_read_well_on_a_phone_in_light_and_dark_mode(made, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    for purpose in RITUALS:
        msg = BytesParser(policy=policy.default).parsebytes(made[purpose].data)
        html = msg.get_body(("html",)).get_content()
        text = msg.get_body(("plain",)).get_content()
        assert text.strip() and "<script" not in html
        for scheme in ("light", "dark"):
            page = browser.new_page(viewport={"width": 375, "height": 800}, color_scheme=scheme)
            try:
                page.set_content(html)
                page.screenshot(path=str(ARTIFACTS / f"{purpose}-{scheme}-375.png"), full_page=True)
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 376, f"{purpose} overflows in {scheme} mode: {width}px"
                shown = page.evaluate("document.body.innerText")
                assert msg["Subject"] and len(shown) > 100, purpose
                texts = page.evaluate(TEXT_COLOURS)
                bad = unreadable(texts) + (light_surfaces(texts) if scheme == "dark" else [])
                assert bad == [], f"{purpose} in {scheme} mode:\n" + "\n".join(bad)
            finally:
                page.close()
