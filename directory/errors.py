"""Error handlers: JSON for the API and for clients that prefer it, HTML pages otherwise."""

from __future__ import annotations

import logging
import traceback
import uuid
from contextlib import suppress
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A client error with the contract's JSON body: code, message and per-field reasons."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        code: str = "bad_request",
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.fields = fields or {}


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


CODE_NAMES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        return jsonify(error_body(error.code, error.message, error.fields)), error.status

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        if isinstance(error, InternalServerError):
            return handle_unexpected(error)
        if wants_json():
            code = CODE_NAMES.get(status, "error")
            response = jsonify(error_body(code, error.description or error.name))
            return response, status
        return render_template("errors/http.html", error=error, status=status), status

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PendingRollbackError)
    def handle_database_unavailable(error: Exception):
        """The database is down, restarting or locked: say so and invite a retry. (A
        pending rollback is a connection lost earlier in the same request.)"""
        from directory.extensions import db

        # close(), not rollback(): rollback expires the loaded objects, and the signed-in
        # user is read again after this handler (response hooks), from the missing database.
        with suppress(OperationalError, InterfaceError):
            db.session.close()
        log.warning("database unavailable: %s", type(error).__name__)
        message = _("Basis data sedang tidak dapat dihubungi. Silakan coba lagi sebentar lagi.")
        if wants_json():
            response = jsonify(error_body("service_unavailable", message))
        else:
            response = app.make_response(
                (render_template("errors/http.html", status=503, message=message), 503)
            )
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        incident = uuid.uuid4().hex[:12]
        # Only the exception's type and where it happened: its message (SQL parameters, say)
        # may hold client data, which never reaches a log.
        where = "".join(traceback.format_tb(error.__traceback__))
        log.error("incident %s: unhandled %s\n%s", incident, type(error).__name__, where)
        message = _("Terjadi kesalahan pada server. Nomor insiden: %(incident)s", incident=incident)
        if wants_json():
            return jsonify(error_body("internal_error", message)), 500
        return render_template("errors/http.html", status=500, incident=incident), 500
