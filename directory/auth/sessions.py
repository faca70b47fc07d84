"""How a request finds its user, and what signed-in responses must carry.

A session cookie holds ``<user id>:<session token>`` and the time of signing in. It is
honoured while the token matches the account's (so logging out or changing the password
ends every session), the account is active, and it is younger than ``SESSION_MAX_HOURS``;
Flask itself ends it after ``PERMANENT_SESSION_LIFETIME`` without a request. There is no
remember-me cookie. API requests authenticate with ``Authorization: Bearer <token>`` only.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from directory.auth.models import User
from directory.auth.operations import find_api_token
from directory.errors import ApiError, wants_json
from directory.extensions import db, login_manager

SIGNED_IN_AT = "signed_in_at"


def configure_sessions(app: Flask) -> None:
    """Secure cookies unless told otherwise, or unless debugging, testing or demonstrating."""
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        relaxed = app.debug or app.testing or app.config.get("DEMO_MODE")
        app.config["SESSION_COOKIE_SECURE"] = not relaxed
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True


def init_login(app: Flask) -> None:
    configure_sessions(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)
    login_manager.request_loader(load_bearer_user)
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(forget_earlier_user)
    app.after_request(no_store_when_signed_in)


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def load_session_user(session_id: str) -> User | None:
    if "Authorization" in request.headers:
        return None
    user_id, _, token = session_id.partition(":")
    signed_in_at = session.get(SIGNED_IN_AT)
    if not token or not isinstance(signed_in_at, int | float):
        return None
    if time.time() - signed_in_at > float(current_app.config["SESSION_MAX_HOURS"]) * 3600:
        return None
    try:
        uuid.UUID(user_id)
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    if not secrets.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


def load_bearer_user(_request: Any) -> User | None:
    if request.blueprint != "api":
        return None
    raw = bearer_token()
    if raw is None:
        return None
    token = find_api_token(raw)
    if token is None:
        return None
    g.api_token = token
    return token.user


def unauthorized() -> Any:
    if wants_json():
        raise ApiError(
            str(_l("Perlu masuk: sertakan token (Authorization: Bearer ...).")),
            status=401,
            code="unauthorized",
        )
    flash(str(login_manager.login_message), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def admins_only() -> ResponseReturnValue | None:
    """``before_request`` of the administrators' blueprints: the signed-out are sent to
    sign in (:func:`unauthorized`), the signed-in who are not administrators get a 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    return None


def forget_earlier_user() -> None:
    """Load the user and the CSRF token afresh for every request.

    Flask-Login and Flask-WTF cache them on ``g``, which belongs to the app context; a
    request that shares its app context with an earlier one (Flask's test client inside a
    pushed context does) must not inherit another request's user or token.
    """
    g.pop("_login_user", None)
    g.pop("api_token", None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def no_store_when_signed_in(response: Response) -> Response:
    """Pages seen by a signed-in user may hold client data: no cache may keep them."""
    # A 503 (database unreachable) holds no page, and loading the user would fail again.
    if request.endpoint == "static" or response.status_code == 503:
        return response
    # Not ``is_authenticated``: it reads ``User.active``, which a commit has expired, and
    # reading it again would open a transaction just for this. The loaders return only
    # active users, so any user here is a signed-in one.
    if not current_user.is_anonymous:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response
