"""Signed, optionally expiring tokens for the links Kith puts in emails."""

from __future__ import annotations

import enum
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .errors import ExpiredLink, InvalidLink


class LinkPurpose(enum.StrEnum):
    CONFIRM = "confirm"
    PREFERENCES = "preferences"
    UNSUBSCRIBE = "unsubscribe"
    HOST_DECISION = "host-decision"
    MODERATE = "moderate"  # approve or discard a held message
    CHECKIN = "checkin"  # one-click "done / partly / not yet"
    ARCHIVE = "archive"  # signs a member in to their community's archive
    CARRY_OVER = "carry-over"  # one click: last time's unfinished commitment again
    BUDDIES_TALKED = "buddies-talked"  # one click: "yes, we two talked this week"
    REENROL = "reenrol"  # one click: an alumna takes part in the next season


class Signer:
    """Signs small JSON payloads; each purpose has its own salt so tokens don't cross."""

    def __init__(self, secret_key: str) -> None:
        self._secret = secret_key

    def _serializer(self, purpose: LinkPurpose) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=f"kith.{purpose.value}")

    def sign(self, purpose: LinkPurpose, payload: dict[str, Any]) -> str:
        return self._serializer(purpose).dumps(payload)

    def load(
        self, purpose: LinkPurpose, token: str, max_age_seconds: int | None = None
    ) -> dict[str, Any]:
        """Return the payload, or raise ExpiredLink / InvalidLink."""
        try:
            payload = self._serializer(purpose).loads(token, max_age=max_age_seconds)
        except SignatureExpired as exc:
            raise ExpiredLink("This link has expired.") from exc
        except BadSignature as exc:
            raise InvalidLink("This link is not valid.") from exc
        if not isinstance(payload, dict):
            raise InvalidLink("This link is not valid.")
        return payload
