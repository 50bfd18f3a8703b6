"""A member reads the archive in a real browser, with JavaScript turned off: the link
from a mail, a thread, a search, the trimmed text restored, an attachment saved."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from community import members
from community.db import transaction
from jobs import runtime as job_runtime

from ..conftest import run_jobs
from ..helpers import link_to, uow
from ..sink import free_port
from .test_archive import PNG, anne_post
from .test_inbound import DOMAIN, Server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def live_archive(settings, sink, make_community, sessions):
    """The real app on a real port, Kith's SMTP server, mail going to the sink."""
    from web import create_app

    port = free_port()
    live = replace(settings, base_url=f"http://127.0.0.1:{port}", smtp_url=sink.url)
    rt = job_runtime.configure(live)
    community = make_community(slug="circle")
    with transaction(sessions) as s:
        for address, name in [("anne@example.com", "Anne"), ("bart@example.org", "Bart")]:
            members.add_member(
                uow(s, datetime.now(UTC), DOMAIN), community, address, display_name=name
            )
    smtp = Server(live, rt.sessions)
    smtp.controller.start()
    site = make_server("127.0.0.1", port, create_app(live), threaded=True)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield live, smtp
    site.shutdown()
    thread.join()
    smtp.controller.stop()
    smtp.handler.close()
    rt.close()


@pytest.mark.browser
def test_sign_in_read_search_restore_and_download_without_javascript(
    live_archive, browser, sink, tmp_path
):
    live, smtp = live_archive
    smtp.send(anne_post(), [f"circle@{DOMAIN}"])
    run_jobs(live)
    copy = next(m for m in sink.to("bart@example.org") if m["Subject"] == "The timer trick")
    archived_at = copy["Archived-At"].strip("<>")

    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(
        java_script_enabled=False,
        viewport={"width": 375, "height": 800},
        color_scheme="dark",
        accept_downloads=True,
    )
    page = context.new_page()
    # The Archived-At link of Bart's copy asks him to sign in first.
    response = page.goto(archived_at)
    assert response.status == 403
    page.get_by_label("Your email address").fill("bart@example.org")
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url("**/archive/link-sent")
    assert "a link to the archive is on its way" in page.content()

    run_jobs(live)
    [mail] = [m for m in sink.to("bart@example.org") if "archive" in m["Subject"]]
    page.goto(link_to(mail, "/archive/in/"))
    # Signed in, the link leads back to the page that asked: the thread of the mail.
    expect(page.get_by_role("heading", level=1)).to_have_text("The timer trick")
    assert page.url.split("#")[0] == archived_at.split("#")[0]
    page.get_by_role("link", name="Morning Circle").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Threads")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "archive-threads-375-dark.png"), full_page=True)

    page.get_by_role("link", name="The timer trick").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The timer trick")

    page.get_by_label("Search the archive").fill('"timer for 25" from:anne')
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    marks = page.locator(".result__snippet mark").all_inner_texts()
    # FTS5 marks a phrase as one span, ts_headline word by word: the same words either way.
    assert " ".join(marks).lower().split()[:3] == ["timer", "for", "25"]
    page.screenshot(path=str(ARTIFACTS / "archive-search-375-dark.png"), full_page=True)
    page.locator(".result__subject").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The timer trick")

    trimmed = page.locator(".post__full-text").first
    expect(trimmed).to_be_hidden()  # cut by the parser, folded away
    page.get_by_text("Show trimmed text").first.click()  # <details>: no script needed
    expect(trimmed).to_be_visible()
    expect(trimmed).to_contain_text("Sent from my phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "archive-thread-375-dark.png"), full_page=True)

    with page.expect_download() as info:
        page.get_by_role("link", name="desk.png").click()
    download = info.value
    saved = tmp_path / "desk.png"
    download.save_as(saved)
    assert download.suggested_filename == "desk.png" and saved.read_bytes() == PNG
    context.close()
