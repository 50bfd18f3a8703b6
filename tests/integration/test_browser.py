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
