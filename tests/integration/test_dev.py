"""`kith dev` end to end: a newcomer joins the demo community and gets the welcome mail."""

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest

from ..helpers import csrf_from
from ..sink import free_port


class Browser:
    """Just enough of a browser: cookies, GET and form POST."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as resp:
            return resp.read().decode()

    def post(self, path: str, data: dict) -> str:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, data=body, timeout=10) as resp:
            return resp.read().decode()


def wait_for(predicate, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except OSError:
            result = None
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def dev_process(tmp_path):
    port, smtp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        KITH_DATA_DIR=str(tmp_path / "data"),
        KITH_BASE_URL=f"http://127.0.0.1:{port}",
        KITH_INBOUND_PORT=str(smtp_port),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "dev"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    yield proc, f"http://127.0.0.1:{port}"
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_newcomer_joins_the_demo_and_ctrl_c_stops_everything(dev_process):
    proc, base = dev_process
    browser = Browser(base)
    wait_for(lambda: "ok" in browser.get("/healthz"), what="the web process")

    page = browser.get("/c/demo")
    assert "Demo Circle" in page
    browser.post(
        "/c/demo/join", {"email": "anne@example.com", "name": "Anne", "csrf_token": csrf_from(page)}
    )

    def mail_named(subject_word):
        """The outbox page's view of a captured mail whose subject has this word."""
        names = set(re.findall(r"/_outbox/([0-9]+-[0-9a-f]{8}\.eml)", browser.get("/_outbox/")))
        shown = [browser.get(f"/_outbox/{n}") for n in sorted(names)]
        hits = [page for page in shown if re.search(rf"<h1[^>]*>[^<]*{subject_word}", page)]
        return hits[0] if hits else None

    shown = wait_for(lambda: mail_named("Confirm"), what="the confirmation mail")
    link = re.search(r"http://127\.0\.0\.1:\d+/confirm/[A-Za-z0-9._-]+", shown).group(0)
    path = urllib.parse.urlsplit(link).path
    confirm_page = browser.get(path)
    done = browser.post(path, {"csrf_token": csrf_from(confirm_page)})
    assert 'data-status="active"' in done
    wait_for(lambda: mail_named("Welcome"), what="the welcome mail")

    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    text = out.decode(errors="replace")
    assert proc.returncode == 0, text[-3000:]
    assert "Stopped." in text and "/c/demo" in text
