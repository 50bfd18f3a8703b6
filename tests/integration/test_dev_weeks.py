"""`kith dev` left running while its clock moves through two weeks: the whole loop runs."""

import os
import signal
import smtplib
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser

from ..sink import free_port
from .test_dev import wait_for


def read_outbox(folder):
    parser = BytesParser(policy=policy.default)
    return {p.name: parser.parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))}


def settle(folder, quiet=1.5, limit=20.0):
    """Wait for a scheduler tick and its work: until no new mail for `quiet` seconds."""
    deadline = time.monotonic() + limit
    time.sleep(1.2)  # at least one tick of the one-second scheduler
    count, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now_count = len(list(folder.glob("*.eml"))) if folder.exists() else 0
        if now_count != count:
            count, since = now_count, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.2)


def test_two_weeks_on_kith_dev(tmp_path):
    web, smtp = free_port(), free_port()
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        KITH_DATA_DIR=str(data),
        KITH_BASE_URL=f"http://127.0.0.1:{web}",
        KITH_INBOUND_PORT=str(smtp),
        KITH_SCHEDULER_TICK_SECONDS="1",
    )
    dev = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "dev"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def kith(*args):
        done = subprocess.run(
            [sys.executable, "-m", "web.cli", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    try:
        wait_for(
            lambda: (data / "kith.db").exists() and "demo" in kith("community", "list"),
            what="kith dev to start",
        )
        for address, name in [("anne@example.com", "Anne"), ("bart@example.org", "Bart")]:
            kith("member", "add", "demo", address, "--name", name)
        kith("configure", "demo", "--preview-hours", "0")
        # Jump to the next Monday 06:00 UTC (the demo community's timezone), then walk
        # through two weeks in twelve-hour steps, answering like members would. The
        # jump lands 13 hours after last Sunday's digest, so that one is still due.
        today = datetime.now(UTC)
        monday = (today + timedelta(days=7 - today.weekday())).replace(
            hour=6, minute=0, second=0, microsecond=0
        )
        kith("clock", "advance", f"{int((monday - today).total_seconds())}s")
        settle(data / "outbox")  # the scheduler sees the jump before the walk starts
        answered: set[str] = set()
        for _step in range(2 * 14):
            kith("clock", "advance", "12h")
            settle(data / "outbox")
            for name, msg in read_outbox(data / "outbox").items():
                to, subject = str(msg["To"]), str(msg["Subject"])
                if name in answered or to not in ("anne@example.com", "bart@example.org"):
                    continue
                reply_to = msg["Reply-To"].addresses[0].addr_spec if msg["Reply-To"] else ""
                if "commitment for this week" in subject:
                    body = f"Ship one small thing ({to.split('@')[0]})"
                elif "Did you do it?" in subject:
                    body = "Yes, done!" if to.startswith("anne") else "Partly, half of it."
                else:
                    continue
                answered.add(name)
                with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
                    client.sendmail(
                        to,
                        [reply_to],
                        f"From: {to}\r\nTo: {reply_to}\r\nSubject: Re: {subject}\r\n"
                        f"Message-ID: <{name}@{to.split('@')[1]}>\r\n\r\n{body}\r\n".encode(),
                    )
        settle(data / "outbox")
        mails = read_outbox(data / "outbox").values()
        kinds = Counter(
            (str(m["To"]), str(m["Subject"]).split(":")[-1].strip()[:24]) for m in mails
        )
        digests = [m for m in mails if "weekly" in str(m["Subject"]).lower()]
        per_member = Counter(str(m["To"]) for m in digests)
        # One digest a week: the week the clock jumped into, and the two walked through.
        assert per_member == {
            "anne@example.com": 3,
            "bart@example.org": 3,
            "host@example.com": 3,
        }, kinds
        last = [m for m in digests if str(m["To"]) == "anne@example.com"][-1]
        text = last.get_body(("plain",)).get_content()
        assert "Ship one small thing (anne)" in text and "Ship one small thing (bart)" in text
        year, week, _ = (monday + timedelta(days=7)).isocalendar()
        status = kith("round", "status", "demo", "--week", f"{year}-W{week:02d}")
        assert "done" in status and "partly" in status
        prompts = [m for m in mails if "commitment for this week" in str(m["Subject"])]
        assert Counter(str(m["To"]) for m in prompts) == {
            "anne@example.com": 2,
            "bart@example.org": 2,
            "host@example.com": 2,
        }
    finally:
        dev.send_signal(signal.SIGINT)
        try:
            dev.wait(timeout=30)
        except subprocess.TimeoutExpired:
            dev.kill()
