"""Public URLs of the signup site; the web routes and the mail templates both use these."""

from __future__ import annotations


def _join(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def community_url(base_url: str, slug: str) -> str:
    return _join(base_url, f"/c/{slug}")


def confirm_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/confirm/{token}")


def preferences_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/preferences/{token}")


def unsubscribe_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/unsubscribe/{token}")


def host_decision_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/host/decide/{token}")


def held_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/host/held/{token}")


def checkin_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/checkin/{token}")


def carry_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/carry/{token}")


def talked_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/buddies/talked/{token}")


def reenrol_url(base_url: str, token: str) -> str:
    return _join(base_url, f"/season/enrol/{token}")
