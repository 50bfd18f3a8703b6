"""The signup site: `create_app(settings=None)` builds a fresh Flask app."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from community.db import engine_from, make_session_factory
from community.errors import InvalidLink
from community.settings import Settings, load_settings
from community.tokens import Signer
from community.uow import UnitFactory
from jobs.queues import enqueue_delivery

from . import db
from .limits import install_limits
from .pages import PageCache, VersionReader
from .sessions import SessionCookies

csrf = CSRFProtect()


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(
        __name__,
        template_folder=str(settings.templates_path),
        static_folder=str(Path(__file__).parent / "static"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        KITH=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        WTF_CSRF_TIME_LIMIT=None,  # the session cookie's life is the limit
        # An archive session ends that long after signing in, however often it is used:
        # and its cookie is not signed again on every page.
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.archive_session_days),
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=64 * 1024,  # our forms are small
    )
    if settings.trusted_proxies:
        # Rate limits key on the client's address, not the proxy's.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    engine = engine_from(settings)
    app.extensions["kith.engine"] = engine
    app.extensions["kith.sessions"] = make_session_factory(engine)
    app.extensions["kith.pages"] = PageCache()
    app.extensions["kith.page_versions"] = VersionReader(engine)
    app.extensions["kith.signer"] = Signer(settings.secret_key)
    app.extensions["kith.clock"] = clock = settings.clock()
    app.extensions["kith.units"] = UnitFactory(
        app.extensions["kith.sessions"],
        clock,
        settings.domain,
        lambda ids: enqueue_delivery(settings, ids),
    )

    app.session_interface = SessionCookies()
    csrf.init_app(app)
    app.teardown_appcontext(db.close_session)

    from . import archive, communities, hosts, members, outbox, rituals

    app.register_blueprint(communities.bp)
    app.register_blueprint(members.bp)
    app.register_blueprint(rituals.bp)
    # RFC 8058 one-click POSTs come from mail clients without a CSRF token; the view
    # checks the token itself for the page's own form (see members.unsubscribe_post).
    csrf.exempt(members.unsubscribe_post)
    app.register_blueprint(hosts.bp)
    app.register_blueprint(archive.bp)
    if settings.captures_mail and settings.dev_outbox_page:
        app.register_blueprint(outbox.bp)

    install_limits(app, settings)
    _register_error_pages(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")  # tokens live in URLs
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        return response

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    return app


def _register_error_pages(app: Flask) -> None:
    def page(template: str, status: int, **context):
        return render_template(template, **context), status

    app.register_error_handler(
        404,
        lambda e: page(
            "web/error.html", 404, title="Not found", message="There is nothing at this address."
        ),
    )
    app.register_error_handler(
        CSRFError,
        lambda e: page(
            "web/error.html",
            400,
            title="Please try again",
            message="The form had expired. Go back, reload the page and send it again.",
        ),
    )
    app.register_error_handler(
        InvalidLink,
        lambda e: page("web/error.html", 400, title="This link does not work", message=str(e)),
    )
    app.register_error_handler(
        429,
        lambda e: page(
            "web/error.html",
            429,
            title="Slow down",
            message="Too many attempts from your network. Please wait and try again.",
        ),
    )
