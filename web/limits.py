"""Per-IP rate limits on the endpoints that send mail, kept in the queues' Redis.

Only those endpoints are checked, from a wrapper around each: page views never pay for a
limit lookup and never talk to Redis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from community.settings import Settings
from jobs.queues import redis_url

log = logging.getLogger(__name__)
# Endpoints whose POST makes Kith send mail to an address typed into a form.
MAIL_SENDING_ENDPOINTS = ("communities.join", "archive.send_link")


def storage_uri(settings: Settings) -> str:
    url = redis_url(settings)
    # The limits library spells unix-socket Redis as redis+unix://.
    return "redis+unix://" + url.removeprefix("unix://") if url.startswith("unix://") else url


def install_limits(app: Flask, settings: Settings) -> None:
    """Limit each mail-sending endpoint's POSTs per client address (KITH_JOIN_RATE_PER_IP).

    Redis trouble lets the request through: the per-address mail cap in the ledger
    still bounds what one address can receive.
    """
    limit = parse(settings.join_rate_per_ip)
    state: dict[str, FixedWindowRateLimiter] = {}

    def allowed(endpoint: str) -> bool:
        try:
            if "limiter" not in state:  # connect on first use, not at start-up
                state["limiter"] = FixedWindowRateLimiter(
                    storage_from_string(storage_uri(settings))
                )
            return state["limiter"].hit(limit, "kith-limits", endpoint, request.remote_addr or "")
        except Exception as exc:
            log.warning("rate limit unavailable (%s); letting the request through", exc)
            return True

    def limited(endpoint: str, view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.method == "POST" and not allowed(endpoint):
                abort(429)
            return view(*args, **kwargs)

        return wrapper

    for endpoint in MAIL_SENDING_ENDPOINTS:
        app.view_functions[endpoint] = limited(endpoint, app.view_functions[endpoint])
