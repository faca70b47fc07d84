"""``POST /api/v1/auth/token``: a bearer token for an e-mail address and password.

CSRF: a request signed in by the session cookie (a browser) must carry the CSRF token in
the ``X-CSRFToken`` header when it changes anything; bearer-token requests cannot be
forged across sites and need none.
"""

from __future__ import annotations

from typing import Any

from flask import Response, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from directory.api.blueprint import bp
from directory.api.jsonbody import check, json_object
from directory.api.openapi import describe, json_response, ref
from directory.auth.models import User
from directory.auth.operations import (
    AuthenticationFailed,
    TooSoon,
    authenticate,
    issue_api_token,
    revoke_api_token,
)
from directory.auth.passwords import MAX_LENGTH
from directory.auth.sessions import bearer_token
from directory.errors import ApiError
from directory.extensions import csrf, db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Endpoints that authenticate by what the body holds, not by a cookie.
CREDENTIAL_ENDPOINTS = frozenset({"api.issue_token"})

# The blueprint's CSRF check is the one below, not CSRFProtect's (which knows no bearer).
csrf.exempt(bp)


@bp.before_request
def protect_cookie_sessions() -> None:
    if request.method in SAFE_METHODS or request.endpoint in CREDENTIAL_ENDPOINTS:
        return
    if bearer_token() is not None:
        return
    if current_user.is_authenticated:
        csrf.protect()


def api_user() -> User:
    """The signed-in user (bearer token or session).

    :raises ApiError: 401 without valid credentials.
    """
    if not current_user.is_authenticated:
        raise ApiError(
            _("Perlu masuk: sertakan token yang sah (Authorization: Bearer ...)."),
            status=401,
            code="unauthorized",
        )
    return current_user._get_current_object()


def api_report_reader() -> User:
    """The signed-in administrator asking for a report.

    :raises ApiError: 401 without valid credentials, 403 for anyone but an admin.
    """
    user = api_user()
    if not user.is_admin:
        raise ApiError(
            _("Hanya administrator jejaring yang dapat melihat laporan."),
            status=403,
            code="forbidden",
        )
    return user


@bp.after_request
def announce_bearer(response: Response) -> Response:
    """A 401 says how to authenticate (RFC 6750)."""
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="jejaring-rujukan"'
    return response


TOKEN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["email", "password"],
    "properties": {
        "email": {"type": "string", "minLength": 1, "maxLength": 254},
        "password": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH},
    },
}


@bp.post("/auth/token")
def issue_token() -> ResponseReturnValue:
    body = json_object()
    check(TOKEN_SCHEMA, body)
    try:
        user = authenticate(body["email"], body["password"], request.remote_addr or "unknown")
    except TooSoon as early:
        db.session.commit()
        raise ApiError(
            _("Terlalu banyak percobaan yang gagal. Coba lagi nanti."),
            status=429,
            code="too_many_requests",
            headers={"Retry-After": str(early.retry_after)},
        ) from None
    except AuthenticationFailed:
        db.session.commit()
        raise ApiError(
            _("Alamat email atau kata sandi salah."), status=401, code="unauthorized"
        ) from None
    raw, token = issue_api_token(user)
    db.session.commit()
    return jsonify(token=raw, expires_at=token.expires_at.isoformat())


@bp.delete("/auth/token")
def revoke_token() -> ResponseReturnValue:
    api_user()
    token = g.get("api_token")
    if token is None:
        raise ApiError(
            _("Hanya token yang dipakai pada permintaan ini yang dapat dicabut."),
            status=400,
            code="bad_request",
            fields={"Authorization": _("Sertakan token yang hendak dicabut.")},
        )
    revoke_api_token(token)
    db.session.commit()
    return "", 204


CREDENTIALS = "credentials"

describe(
    {
        "POST /auth/token": {
            "summary": "A bearer token for an account: send `email` and `password`; use the "
            "answer as `Authorization: Bearer TOKEN`. Tokens expire (`expires_at`) and end "
            "when the password changes. Repeated failures lock the account and the address "
            "out for a while (429).",
            "tags": [CREDENTIALS],
            "security": [],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": TOKEN_SCHEMA}},
            },
            "responses": {
                "200": json_response(
                    "The token, shown once.",
                    {
                        "type": "object",
                        "properties": {
                            "token": {"type": "string"},
                            "expires_at": {"type": "string", "format": "date-time"},
                        },
                    },
                ),
                "400": ref("responses", "BadRequest"),
                "401": json_response("Wrong e-mail address or password.", ref("schemas", "Error")),
                "415": json_response("The body is not JSON.", ref("schemas", "Error")),
                "429": json_response("Locked out for a while.", ref("schemas", "Error")),
            },
        },
        "DELETE /auth/token": {
            "summary": "Revoke the bearer token this request carries.",
            "tags": [CREDENTIALS],
            "responses": {
                "204": {"description": "Revoked."},
                "401": json_response("No valid token.", ref("schemas", "Error")),
            },
        },
    }
)
