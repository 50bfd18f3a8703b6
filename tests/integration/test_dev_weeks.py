"""`kith dev` left running while its clock moves through two weeks: the whole loop runs.

The clock jumps straight to each moment something is due (prompt, reminder, check-in,
digest) and the test waits for what must happen then (the mails it expects, the
answers recorded), never for a stretch of silence.
"""

import os
import signal
import smtplib
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError

from cli import main
from community.clock import Clock
from community.models import Community, InboundMessage, InboundStatus, OutboundMessage, Round

from ..sink import free_port
from .test_dev import wait_for

MEMBERS = {"anne@example.com": "Anne", "bart@example.org": "Bart"}
PEOPLE = {*MEMBERS, "host@example.com"}


class Outbox:
    """The mail `kith dev` captured, read as a member's client would."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._parsed: dict[str, object] = {}

    def mails(self) -> dict[str, object]:
        parser = BytesParser(policy=policy.default)
        if self.folder.exists():
            for path in sorted(self.folder.glob("*.eml")):
                if path.name not in self._parsed:
                    self._parsed[path.name] = parser.parsebytes(path.read_bytes())
        return dict(self._parsed)

    def about(self, words: str) -> list:
        return [m for m in self.mails().values() if words in str(m["Subject"])]

    def wait(self, words: str, count: int) -> list:
        """Until exactly `count` mails about `words` have arrived (more is a failure)."""
        wait_for(lambda: len(self.about(words)) >= count, what=f"{count} mails about {words!r}")
        found = self.about(words)
        assert len(found) == count, [str(m["To"]) for m in found]
        return found


class DevClock:
    """Moves `kith dev`'s clock to an absolute moment, as `kith clock advance` does
    (the same offset file, written the same way)."""

    def __init__(self, data: Path) -> None:
        self.clock = Clock(data / "clock-offset")

    def jump(self, moment: datetime) -> None:
        step = moment - self.clock.now() + timedelta(seconds=1)
        self.clock.set_offset(self.clock.offset() + step)


def demo_exists(engine) -> bool:
    try:
        with engine.connect() as conn:
            return conn.execute(select(Community.id).where(Community.slug == "demo")).first()
    except OperationalError:  # the database is not created yet
        return False


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
        [sys.executable, "-m", "cli", "dev"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def kith(*args):
        """A host command next to the running `kith dev` (in this process: no start-up)."""
        # Like kith dev itself, on the embedded defaults even when the suite runs on servers.
        unset = {"DATABASE_URL": None, "REDIS_URL": None}
        done = CliRunner().invoke(main, list(args), env={**env, **unset}, catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return done.stdout

    outbox, clock = Outbox(data / "outbox"), DevClock(data)
    engine = create_engine(f"sqlite:///{data / 'kith.db'}")
    answered: set[str] = set()

    def processed() -> int:
        with engine.connect() as conn:
            query = select(func.count(InboundMessage.id)).where(
                InboundMessage.status == InboundStatus.PROCESSED
            )
            return conn.execute(query).scalar_one()

    def reminders_ran() -> list:
        """Rounds whose check-in reminder step has run (it records when)."""
        with engine.connect() as conn:
            query = select(Round.checkin_reminder_sent_at)
            return [r for r in conn.execute(query).scalars() if r is not None]

    def answer(words: str, body_for) -> None:
        """Members reply to every mail about `words` they have not answered yet."""
        before = processed()
        sent = 0
        for name, msg in outbox.mails().items():
            to, subject = str(msg["To"]), str(msg["Subject"])
            if name in answered or to not in MEMBERS or words not in subject:
                continue
            answered.add(name)
            reply_to = msg["Reply-To"].addresses[0].addr_spec
            with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
                client.sendmail(
                    to,
                    [reply_to],
                    f"From: {to}\r\nTo: {reply_to}\r\nSubject: Re: {subject}\r\n"
                    f"Message-ID: <{name}@{to.split('@')[1]}>\r\n\r\n{body_for(to)}\r\n".encode(),
                )
            sent += 1
        wait_for(lambda: processed() >= before + sent, what=f"{sent} answers to be filed")

    try:
        wait_for(lambda: demo_exists(engine), what="kith dev to start")
        for address, name in MEMBERS.items():
            kith("member", "add", "demo", address, "--name", name)
        kith("configure", "demo", "--preview-hours", "0", "--host-takes-part")
        # The demo community lives in UTC: prompt Monday 08:00, reminder a day later,
        # check-in Friday 16:00 and its reminder a day later, digest Sunday 17:00.
        # Jumping to next Monday 06:00 lands 13 hours after last Sunday's digest,
        # which is therefore still due.
        today = datetime.now(UTC)
        monday = (today + timedelta(days=7 - today.weekday())).replace(
            hour=6, minute=0, second=0, microsecond=0
        )
        clock.jump(monday)
        outbox.wait("weekly", 3)
        for week in (1, 2):
            start = monday + timedelta(weeks=week - 1)
            clock.jump(start.replace(hour=8))
            outbox.wait("commitment for this week", 3 * week)
            answer("commitment for this week", lambda to: f"Ship one small thing ({to[:4]})")
            clock.jump(start + timedelta(days=1, hours=2))  # Tuesday 08:00
            outbox.wait("your commitment?", week)  # only the host did not answer
            clock.jump(start + timedelta(days=4, hours=10))  # Friday 16:00
            outbox.wait("Did you do it?", 2 * week)  # to those who committed
            answer(
                "Did you do it?",
                lambda to: "Yes, done!" if to.startswith("anne") else "Partly, half of it.",
            )
            clock.jump(start + timedelta(days=5, hours=10))  # Saturday 16:00
            wait_for(lambda w=week: len(reminders_ran()) == w, what="the check-in reminder")
            clock.jump(start + timedelta(days=6, hours=11))  # Sunday 17:00
            outbox.wait("weekly", 3 * (week + 1))

        digests = outbox.about("weekly")
        # One digest a week: the week the clock jumped into, and the two walked through.
        assert Counter(str(m["To"]) for m in digests) == dict.fromkeys(PEOPLE, 3)
        last = [m for m in digests if str(m["To"]) == "anne@example.com"][-1]
        text = last.get_body(("plain",)).get_content()
        assert "Ship one small thing (anne)" in text and "Ship one small thing (bart)" in text
        year, week_number, _ = (monday + timedelta(days=7)).isocalendar()
        status = kith("round", "status", "demo", "--week", f"{year}-W{week_number:02d}")
        assert "Done" in status and "Partly" in status
        prompts = outbox.about("commitment for this week")
        assert Counter(str(m["To"]) for m in prompts) == dict.fromkeys(PEOPLE, 2)

        # Both answered their check-ins: once the reminder step has run in both weeks,
        # nobody was nudged for one.
        def reminders_ran() -> bool:
            with engine.connect() as conn:
                query = select(Round.checkin_reminder_sent_at).where(Round.week.in_(weeks))
                return [r for r in conn.execute(query).scalars() if r is not None]

        weeks = [
            f"{y}-W{w:02d}"
            for y, w, _ in ((monday + timedelta(weeks=n)).isocalendar() for n in (0, 1))
        ]
        wait_for(lambda: len(reminders_ran()) == 2, what="the check-in reminder step")
        with engine.connect() as conn:
            nudges = conn.execute(
                select(func.count(OutboundMessage.id)).where(
                    OutboundMessage.purpose == "checkin_reminder"
                )
            ).scalar_one()
        assert nudges == 0
    finally:
        engine.dispose()
        dev.send_signal(signal.SIGINT)
        try:
            dev.wait(timeout=30)
        except subprocess.TimeoutExpired:
            dev.kill()
