"""Every kind of mail Kith sends, scored by SpamAssassin (local rules, no network tests)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from community.settings import load_settings
from community.tokens import Signer
from mail.outbound.signing import generate_key

from ..mailkinds import ALL_PURPOSES, make_every_kind

SCRIPT = Path(__file__).resolve().parents[1] / "spamscore.pl"
LIMIT = 0.5


def spamassassin_available() -> None:
    found = shutil.which("perl") and subprocess.run(
        ["perl", "-MMail::SpamAssassin", "-e", "1"], capture_output=True
    )
    if not found or found.returncode != 0:
        pytest.fail("SpamAssassin not found: run the README's test command (./dev test)")


def score(folder: Path, files: list[Path]) -> dict[str, tuple[float, dict[str, float]]]:
    out = subprocess.run(
        ["perl", str(SCRIPT), str(folder), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    scores = {}
    for line in out.stdout.splitlines():
        name, total, rules = line.split("\t")
        hits = dict((r.split("=")[0], float(r.split("=")[1])) for r in rules.split(",") if r)
        scores[Path(name).stem] = (float(total), hits)
    return scores


def test_every_kind_of_mail_scores_at_most_half_a_point(db, tmp_path):
    spamassassin_available()
    generate_key(tmp_path / "dkim.pem")
    settings = load_settings(
        {},
        data_dir=str(tmp_path),
        secret_key="k",
        domain="kith.example",
        base_url="https://circles.example",
        dkim_key=str(tmp_path / "dkim.pem"),
    )
    made = make_every_kind(db, settings, Signer("k"))
    db.rollback()
    files = []
    for m in made:
        files.append(tmp_path / f"{m.purpose}.eml")
        files[-1].write_bytes(m.data)
    (tmp_path / "sa").mkdir()
    scores = score(tmp_path / "sa", files)
    assert sorted(scores) == ALL_PURPOSES
    report = {p: s for p, s in scores.items() if s[0] > LIMIT}
    assert not report, f"over {LIMIT}: {report}"
    # A rule in our favour (MAILING_LIST_MULTI) must not hide one against us.
    against = {p: {r: v for r, v in h.items() if v > 0} for p, (_, h) in scores.items()}
    assert all(sum(rules.values()) <= LIMIT for rules in against.values()), against
