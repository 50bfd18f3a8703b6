"""A person joins through a real browser: headless Chromium driven by Playwright."""

import threading
from dataclasses import replace
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from community.models import MemberStatus
from jobs import runtime as job_runtime

from ..conftest import run_jobs
from ..helpers import link_to, member
from ..sink import free_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def live_site(settings, sink, make_community):
    """The real app on a real port, sending mail to the SMTP sink."""
    from web import create_app

    port = free_port()
    live = replace(settings, base_url=f"http://127.0.0.1:{port}", smtp_url=sink.url)
    rt = job_runtime.configure(live)
    make_community(slug="circle", description="Five founders, one goal a week.")
    server = make_server("127.0.0.1", port, create_app(live), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield live
    server.shutdown()
    thread.join()
    rt.close()


@pytest.mark.browser
def test_join_confirm_and_become_active_in_a_browser(live_site, browser, sink, db):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(f"{live_site.base_url}/c/circle")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Morning Circle"
    page.screenshot(path=str(ARTIFACTS / "community-page-375.png"), full_page=True)

    page.get_by_label("Your name").fill("Anne")
    page.get_by_label("Email address").fill("anne@example.com")
    page.keyboard.press("Enter")  # the form works from the keyboard
    page.wait_for_url("**/check-email")
    assert "Check your email" in page.content()

    run_jobs(live_site)
    [confirmation] = sink.to("anne@example.com")
    link = link_to(confirmation, "/confirm/")
    page.goto(link)
    assert member(db, "anne@example.com").status == MemberStatus.PENDING
    page.click("#confirm-button")
    status = page.locator("#join-status")
    status.wait_for()
    assert status.get_attribute("data-status") == "active"
    page.screenshot(path=str(ARTIFACTS / "confirmed-375.png"), full_page=True)
    assert member(db, "anne@example.com").status == MemberStatus.ACTIVE

    run_jobs(live_site)
    welcome = [m for m in sink.to("anne@example.com") if "Welcome" in m["Subject"]]
    assert len(welcome) == 1


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1200])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_preferences_and_a_used_confirmation_link_in_both_schemes(
    live_site, browser, db, sessions, scheme, width
):
    """Issue 12's pages in a real browser: "Pause" without a date asks for one and keeps
    what was typed; a confirmation link opened again says "You're already in"."""
    from datetime import UTC, datetime

    from community import members
    from community.communities import get_community
    from community.db import transaction
    from community.links import confirm_url, preferences_url
    from community.tokens import LinkPurpose, Signer

    from ..helpers import uow
    from ..unit.test_email_schemes import TEXT_COLOURS, unreadable

    signer = Signer(live_site.secret_key)
    with transaction(sessions) as s:
        c = get_community(s, "circle")
        anne = members.add_member(
            uow(s, datetime.now(UTC)), c, "anne@example.com", display_name="Anne"
        )
        payload = members.link_payload(anne)
    base = live_site.base_url
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page.goto(preferences_url(base, signer.sign(LinkPurpose.PREFERENCES, payload)))
        page.get_by_label("Name shown to the group").fill("Anne Archer")
        page.get_by_label("Pause all email until").check()
        page.get_by_role("button", name="Save preferences").click()
        page.wait_for_selector("#prefs-error")
        assert "Choose the date your pause ends" in page.locator("#prefs-error").inner_text()
        assert page.get_by_label("Name shown to the group").input_value() == "Anne Archer"
        assert page.get_by_label("Pause all email until").is_checked()
        assert page.locator(".notice").count() == 0  # no "Saved" beside the error
        shot = f"preferences-error-{scheme}-{width}.png"
        page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        bad = unreadable(page.evaluate(TEXT_COLOURS))
        assert bad == [], "\n".join(bad)
        assert member(db, "anne@example.com").display_name == "Anne"

        page.goto(confirm_url(base, signer.sign(LinkPurpose.CONFIRM, payload)))
        assert page.get_by_role("heading", level=1).inner_text().strip() == "You're already in"
        page.screenshot(path=str(ARTIFACTS / f"already-in-{scheme}-{width}.png"), full_page=True)
        bad = unreadable(page.evaluate(TEXT_COLOURS))
        assert bad == [], "\n".join(bad)
    finally:
        page.close()
