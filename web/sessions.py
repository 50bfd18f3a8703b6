"""Flask's signed-cookie sessions, with the signer built once per app.

Flask builds an itsdangerous serializer twice per request (to open and to save the
session), and every first visit to a page with a form saves one: a quarter of the
community page's cost. Only the secret key and the app's configuration go into it, and
both are fixed once `create_app` has made the app this interface belongs to.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionCookies(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._built = False
        self._serializer: URLSafeTimedSerializer | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not self._built:
            self._serializer = super().get_signing_serializer(app)
            self._built = True
        return self._serializer
