"""Development-only mail viewer for the local outbox (registered only when capturing)."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from flask import Blueprint, abort, render_template

from . import db

bp = Blueprint("outbox", __name__, url_prefix="/_outbox")
NAME_RE = re.compile(r"^[0-9]+-[0-9a-f]{8}\.eml$")
LIST_LIMIT = 200
MAIL_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _folder() -> Path:
    return db.settings().outbox_path


def _load(name: str) -> EmailMessage:
    if not NAME_RE.match(name):
        abort(404)
    path = _folder() / name
    if not path.is_file():
        abort(404)
    with open(path, "rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)


@bp.get("/")
def index():
    folder = _folder()
    names = sorted((p.name for p in folder.glob("*.eml")), reverse=True) if folder.is_dir() else []
    parser = BytesParser(policy=policy.default)
    rows = []
    for name in names[:LIST_LIMIT]:
        with open(folder / name, "rb") as fh:
            headers = parser.parse(fh, headersonly=True)
        rows.append(
            {
                "name": name,
                "subject": headers["Subject"],
                "to": headers["To"],
                "date": headers["Date"],
                "from": headers["From"],
            }
        )
    return render_template("web/outbox/index.html", rows=rows, total=len(names))


@bp.get("/<name>")
def show(name: str):
    msg = _load(name)
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    return render_template(
        "web/outbox/show.html",
        name=name,
        headers=list(msg.items()),
        text=text.get_content() if text else "",
        has_html=html is not None,
    )


@bp.get("/<name>/html")
def show_html(name: str):
    html = _load(name).get_body(("html",))
    if html is None:
        abort(404)
    # The mail's HTML is untrusted: CSP sandbox gives it an opaque origin, no scripts.
    return (
        html.get_content(),
        200,
        {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": MAIL_CSP,
            "X-Frame-Options": "SAMEORIGIN",
        },
    )


@bp.get("/<name>/raw")
def show_raw(name: str):
    _load(name)
    return (_folder() / name).read_bytes(), 200, {"Content-Type": "text/plain; charset=utf-8"}
