"""Pages under load, as ratios to a hello-world Flask route served the same way.

    python -m benchmarks.web [--seconds 8] [--connections 4] [--database-url URL]
                             [--redis-url URL] [--smtp-rate 20]

Starts the real web process (gunicorn, 2 workers, `web:create_app()`) and a hello-world
Flask app under the same gunicorn settings, drives both with the same load generator
(wrk when installed, else a Python client) on the community page, the join POST and a
preferences page, then does it all again while `kith smtp` and a worker take in mail
at a steady rate. Prints requests/s as a ratio to hello-world's, p50/p99 latency as
ratios to hello-world's (medians of three alternating runs), and peak memory of the web
processes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil

from community import links
from community.communities import create_community
from community.db import engine_from, make_session_factory, transaction
from community.members import add_member, link_payload
from community.schema import upgrade
from community.settings import load_settings
from community.tokens import LinkPurpose, Signer
from jobs.queues import redis_url
from tests.helpers import kill_process_tree, uow
from tests.sink import free_port

from ._common import report, scratch_dir

DOMAIN = "kith.example"
# wrk: POST the join form with the page's CSRF token and cookie, a new address each time.
JOIN_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local body = "csrf_token={token}&name=Load&email=load" .. counter .. "-" .. math.random(1e9)
    .. "%40example.com"
  return wrk.format("POST", "/c/demo/join", {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "{cookie}",
  }}, body)
end
"""


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def wrk(url: str, seconds: int, connections: int, script: str | None = None) -> Load:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        if script:
            fh.write(script)
            command += ["-s", fh.name]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    os.unlink(fh.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def latency(pct: str) -> float:
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    count = int(bad.group(1)) if bad else 0
    count += sum(int(n) for n in errors.groups()) if errors else 0
    return Load(rps, latency("50"), latency("99"), count)


def python_load(
    url: str, seconds: int, connections: int, form: bytes | None = None, headers: dict | None = None
) -> Load:
    """A plain threaded client, when wrk is not installed (slower: it shares the CPU)."""
    times: list[float] = []
    errors = [0]
    stop = time.monotonic() + seconds

    def run() -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                req = urllib.request.Request(url, data=form, headers=headers or {})
                with urllib.request.urlopen(req, timeout=10) as resp:
                    resp.read()
            except Exception:
                errors[0] += 1
                continue
            times.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=run) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] if times else 0.0  # noqa: E731
    return Load(len(times) / seconds, pick(0.5), pick(0.99), errors[0])


class Gunicorn:
    def __init__(self, app: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                app,
            ],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=1).read()
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn for {app} did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def rss_mb(self) -> float:
        try:
            parent = psutil.Process(self.proc.pid)
            procs = [parent, *parent.children(recursive=True)]
            return sum(p.memory_info().rss for p in procs) / 2**20
        except psutil.NoSuchProcess:
            return 0.0

    def stop(self) -> None:
        kill_process_tree(self.proc.pid)
        self.proc.wait()


def csrf_and_cookie(url: str) -> tuple[str, str]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        html = resp.read().decode()
        cookie = resp.headers.get("Set-Cookie", "").split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    return token, cookie


class Intake:
    """`kith smtp` and a worker taking in mail at a steady rate, in their own processes."""

    def __init__(self, env: dict[str, str], rate: float) -> None:
        self.port = int(env["KITH_INBOUND_PORT"])
        self.procs = [
            subprocess.Popen(
                [sys.executable, "-m", "cli", name],
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name in ("smtp", "worker")
        ]
        self.rate, self.sent, self._stop = rate, 0, threading.Event()
        self._thread = threading.Thread(target=self._send, daemon=True)

    def start(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                smtplib.SMTP("127.0.0.1", self.port, timeout=2).quit()
                break
            except OSError:
                time.sleep(0.1)
        self._thread.start()

    def _send(self) -> None:
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as smtp:
            while not self._stop.wait(1 / self.rate):
                n = self.sent
                message = (
                    f"From: anne@example.com\r\nTo: demo@{DOMAIN}\r\nSubject: Note {n}\r\n"
                    f"Message-ID: <web-bench-{n}@example.com>\r\n\r\nA note, number {n}.\r\n"
                )
                smtp.sendmail("anne@example.com", [f"demo@{DOMAIN}"], message.encode())
                self.sent += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for proc in self.procs:
            kill_process_tree(proc.pid)
            proc.wait()


def prepare(settings) -> str:
    """The demo community, a member; returns that member's preferences path."""
    engine = engine_from(settings)
    upgrade(engine)
    now = datetime.now(UTC)
    with transaction(make_session_factory(engine)) as s:
        c = create_community(
            uow(s, now),
            slug="demo",
            name="Demo Circle",
            host_address="host@example.com",
            capacity=500,
        )
        anne = add_member(uow(s, now, DOMAIN), c, "anne@example.com", display_name="Anne")
        token = Signer(settings.secret_key).sign(LinkPurpose.PREFERENCES, link_payload(anne))
    engine.dispose()
    return links.preferences_url("", token)


def measure(
    kith: Gunicorn,
    hello: Gunicorn,
    prefs: str,
    seconds: int,
    connections: int,
    peak: list[float],
    rounds: int = 3,
) -> dict[str, tuple[Load, Load]]:
    use_wrk = shutil.which("wrk") is not None
    results: dict[str, tuple[Load, Load]] = {}
    token, cookie = csrf_and_cookie(kith.url("/c/demo"))
    join_script = JOIN_SCRIPT.format(token=token, cookie=cookie)
    join_form = f"csrf_token={token}&name=Load&email=load%40example.com".encode()

    def run(url: str, join: bool) -> Load:
        if use_wrk:
            return wrk(url, seconds, connections, join_script if join else None)
        if join:
            return python_load(url, seconds, connections, join_form, {"Cookie": cookie})
        return python_load(url, seconds, connections)

    for name, path in (
        ("community page", "/c/demo"),
        ("join POST", "/c/demo/join"),
        ("preferences page", prefs),
    ):
        # Alternate the two servers a few times and keep the median of each figure: on a
        # shared machine one run says more about the neighbours than about the code.
        bases, ours = [], []
        for _ in range(rounds):
            bases.append((wrk if use_wrk else python_load)(hello.url("/"), seconds, connections))
            ours.append(run(kith.url(path), join=name == "join POST"))
            peak.append(kith.rss_mb())
        results[name] = (median_load(bases), median_load(ours))
    return results


def median_load(runs: list[Load]) -> Load:
    def mid(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    return Load(
        mid([r.rps for r in runs]),
        mid([r.p50_ms for r in runs]),
        mid([r.p99_ms for r in runs]),
        sum(r.errors for r in runs),
    )


def rows_for(label: str, results: dict[str, tuple[Load, Load]]) -> list[tuple[str, str]]:
    rows = []
    for name, (base, ours) in results.items():
        rows.append(
            (
                f"{label}: {name}",
                f"{ours.rps:,.0f} req/s = {ours.rps / base.rps:.2f}x hello ({base.rps:,.0f}); "
                f"p50 {ours.p50_ms:.2f} ms = {ours.p50_ms / base.p50_ms:.1f}x, "
                f"p99 {ours.p99_ms:.2f} ms = {ours.p99_ms / base.p99_ms:.1f}x"
                + (f"; {ours.errors} errors" if ours.errors else ""),
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=5, help="per run (3 runs per figure)")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--smtp-rate", type=float, default=20.0, help="messages per second")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    args = parser.parse_args()

    data = scratch_dir()
    values = {
        "KITH_DATA_DIR": str(data),
        "KITH_DOMAIN": DOMAIN,
        "SECRET_KEY": "web-benchmark-secret",
        "KITH_BASE_URL": "http://127.0.0.1",
        "KITH_JOIN_RATE_PER_IP": "100000000 per hour",
        "KITH_INBOUND_PORT": str(free_port()),
    }
    if args.database_url:
        values["DATABASE_URL"] = args.database_url
    if args.redis_url:
        values["REDIS_URL"] = args.redis_url
    settings = load_settings(values)
    prefs = prepare(settings)
    env = {
        **os.environ,
        **values,
        "REDIS_URL": redis_url(settings),
        "DATABASE_URL": settings.effective_database_url,
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    kith, hello = Gunicorn("web:create_app()", env), Gunicorn("benchmarks.hello_app:app", env)
    peak: list[float] = []
    try:
        quiet = measure(kith, hello, prefs, args.seconds, args.connections, peak)
        intake = Intake(env, args.smtp_rate)
        intake.start()
        try:
            busy = measure(kith, hello, prefs, args.seconds, args.connections, peak)
        finally:
            intake.stop()
    finally:
        kith.stop()
        hello.stop()
    generator = f"wrk -t1 -c{args.connections}" if shutil.which("wrk") else "Python client"
    report(
        f"web ({settings.effective_database_url.split(':')[0]}, gunicorn -w 2, {generator})",
        [
            *rows_for("quiet", quiet),
            *rows_for(f"while receiving {args.smtp_rate:.0f} msg/s", busy),
            ("mail received during the second pass", f"{intake.sent} messages"),
            ("peak memory: Kith web processes (MB)", f"{max(peak):.0f}"),
        ],
    )


if __name__ == "__main__":
    main()
