"""Per-IP rate limits (Flask-Limiter), stored in the same Redis as the queues."""

from __future__ import annotations

from typing import Any, cast

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from community.settings import Settings
from jobs.queues import redis_url

# Endpoints whose POST makes Kith send mail to an address typed into a form.
MAIL_SENDING_ENDPOINTS = ("communities.join",)


def storage_uri(settings: Settings) -> str:
    url = redis_url(settings)
    # The limits library spells unix-socket Redis as redis+unix://.
    return "redis+unix://" + url.removeprefix("unix://") if url.startswith("unix://") else url


def install_limits(app: Flask, settings: Settings) -> Limiter:
    """Attach a limiter to this app and limit the endpoints that send mail."""
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=storage_uri(settings),
        key_prefix="kith-limits",
        swallow_errors=True,  # Redis trouble must not take the signup page down
        headers_enabled=True,
    )
    # Wrap the registered view: the limiter checks inside the wrapper it returns.
    for endpoint in MAIL_SENDING_ENDPOINTS:
        limited = limiter.limit(settings.join_rate_per_ip, methods=["POST"])
        app.view_functions[endpoint] = cast(Any, limited(app.view_functions[endpoint]))
    return limiter
