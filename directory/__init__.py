"""Jejaring Rujukan: a referral network and resource directory for Indonesia's LK3."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from directory.config import DEFAULTS
from directory.crypto import init_client_data
from directory.demonstration import check_demo_data
from directory.extensions import babel, csrf, db, migrate
from directory.resources import PROJECT_ROOT, default_instance_path, resource_dir
from directory.security import check_deployment, init_proxies, init_security, is_production

__all__ = ["PROJECT_ROOT", "create_app"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application.

    Configuration is layered: built-in defaults, then ``instance/config.py``, then
    ``FLASK_*`` environment variables (and ``DATABASE_URL``, ``CLIENT_DATA_KEYS``), then
    ``test_config``. In production mode (see :func:`directory.security.is_production`) an
    unsafe configuration refuses to start, and so does a server on a database holding
    demonstration data (:mod:`directory.demonstration`).
    """
    instance_path = os.environ.get("DIRECTORY_INSTANCE_PATH") or default_instance_path()
    if test_config and test_config.get("INSTANCE_PATH"):
        instance_path = str(test_config["INSTANCE_PATH"])
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    configure(app, test_config)
    init_proxies(app)
    register_extensions(app)
    register_input_guard(app)
    register_blueprints(app)
    register_rate_limits(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    if is_production(app.config):
        check_demo_data(app)
    return app


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("CLIENT_DATA_KEYS"):
        app.config["CLIENT_DATA_KEYS"] = os.environ["CLIENT_DATA_KEYS"]
    if os.environ.get("DIRECTORY_DEMO") is not None:
        app.config["DEMO_MODE"] = os.environ["DIRECTORY_DEMO"].lower() not in ("0", "false", "no")
    if test_config:
        app.config.from_mapping(test_config)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        database = Path(app.instance_path) / "directory.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    production = is_production(app.config)
    # Production brings its own secret key; the deploy checks refuse to start without one.
    if not app.config.get("SECRET_KEY") and not production:
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    init_client_data(app, production=production)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(resource_dir("translations")))


def _instance_secret_key(instance: Path) -> str:
    """A random key kept in the instance folder, so sessions survive a restart."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def register_extensions(app: Flask) -> None:
    from directory.auth.sessions import init_login
    from directory.database import configure_engine_events
    from directory.i18n import select_locale
    from directory.notifications import receivers as notification_receivers
    from directory.referrals.guards import install_sqlite_event_guard
    from directory.request_transactions import init_request_transactions
    from directory.search.changelog import register_change_log
    from directory.search.whoosh_pin import check_whoosh
    from directory.writer_queue import install_writer_queue

    db.init_app(app)
    with app.app_context():
        engine = db.engine
    # First of the before_request hooks, so every query of a request knows its intent.
    init_request_transactions(app, engine)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")), render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    init_login(app)
    # After init_login: the session cookie settings are final, and are checked here.
    check_deployment(app)
    init_security(app)
    configure_engine_events(engine)
    install_sqlite_event_guard(engine)
    # None when off (or for an in-memory SQLite database): kept for inspection.
    app.extensions["writer_queue"] = (
        install_writer_queue(engine) if app.config["WRITER_QUEUE"] else None
    )
    register_change_log(db.session)
    # Referral events reach notifications through signals (directory/referrals/signals.py).
    notification_receivers.connect()
    # The search index reads and writes Whoosh's private block format: refuse to start
    # on any other release than the pinned one.
    check_whoosh()


def register_input_guard(app: Flask) -> None:
    from directory import input_guard

    input_guard.register(app)


def register_blueprints(app: Flask) -> None:
    from directory.admin.views import bp as admin_bp
    from directory.api.views import bp as api_bp
    from directory.auth.views import bp as auth_bp
    from directory.dashboard.views import bp as dashboard_bp
    from directory.finder.views import bp as finder_bp
    from directory.gaps.views import bp as gaps_bp
    from directory.i18n import bp as i18n_bp
    from directory.listings.views import bp as listings_bp
    from directory.map.views import bp as map_bp
    from directory.notifications.views import bp as notifications_bp
    from directory.partner_links.views import bp as partner_links_bp
    from directory.privacy.views import bp as privacy_bp
    from directory.public.views import bp as public_bp
    from directory.referrals.views import bp as referrals_bp
    from directory.reports.views import bp as reports_bp
    from directory.sheets.views import bp as sheets_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(i18n_bp)
    app.register_blueprint(map_bp)
    app.register_blueprint(finder_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(referrals_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(partner_links_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(listings_bp)
    app.register_blueprint(gaps_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(sheets_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def register_rate_limits(app: Flask) -> None:
    from directory.ratelimits import init_rate_limits

    init_rate_limits(app)


def register_errorhandlers(app: Flask) -> None:
    from directory.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from directory.commands import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from directory.i18n import inject_language

    app.context_processor(inject_language)
