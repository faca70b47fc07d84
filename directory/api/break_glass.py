"""Break-glass over the API (see :mod:`directory.referrals.break_glass`).

``POST /api/v1/referrals/{id}/break-glass`` ``{"purpose": "..."}``: an administrator states
why they must read this referral's client data; 201 opens a window (``expires_at``) in
which ``GET /referrals/{id}`` and ``GET /referrals/{id}/fhir?include_client=true`` carry
it. 403 for anyone but an administrator outside both organizations; 429 past the hourly
limit (recorded and flagged). ``GET /api/v1/reports/break-glass``: every grant and refusal.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from directory.api.auth import api_report_reader, api_user
from directory.api.blueprint import bp
from directory.api.jsonbody import check, json_object
from directory.api.openapi import describe, json_response, page_of, ref
from directory.api.paging import paginated
from directory.api.referrals import visible_referral
from directory.database import utcnow
from directory.errors import ApiError
from directory.extensions import db
from directory.querystring import QueryReader, read_paging
from directory.referrals import break_glass, operations
from directory.referrals.serialize import break_glass_to_json

PURPOSE = "purpose"
BREAK_GLASS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [PURPOSE],
    "properties": {
        PURPOSE: {
            "type": "string",
            "minLength": break_glass.MIN_PURPOSE,
            "maxLength": break_glass.MAX_PURPOSE,
            "description": "Why the client's identity must be read (a court's letter, a "
            "subject access request): shown to both organizations.",
        }
    },
}


def limits() -> break_glass.Limits:
    return break_glass.Limits.from_config(current_app.config)


def too_many_message(limit: int) -> str:
    return _(
        "Batas akses darurat tercapai: paling banyak %(n)s dalam satu jam. Permintaan ini "
        "ditolak, dicatat dan dilaporkan kepada administrator lain.",
        n=limit,
    )


@bp.post("/referrals/<referral_id>/break-glass")
def open_break_glass(referral_id: str) -> ResponseReturnValue:
    user = api_user()
    referral = visible_referral(referral_id, user)
    body = json_object()
    if not user.is_admin:
        raise ApiError(
            _("Hanya administrator jejaring yang membuka data klien dengan akses darurat."),
            status=403,
            code="forbidden",
        )
    check(BREAK_GLASS_SCHEMA, body)
    now = utcnow()
    try:
        grant = break_glass.break_glass(
            referral, user, body[PURPOSE], operations.API, now, limits()
        )
    except break_glass.BreakGlassNotAllowed:
        db.session.rollback()
        raise ApiError(
            _("Lembaga Anda sudah melihat data klien rujukan ini; akses darurat tidak perlu."),
            status=403,
            code="forbidden",
        ) from None
    except break_glass.PurposeInvalid as error:
        db.session.rollback()
        message = str(error.message)
        raise ApiError(message, code="invalid_body", fields={PURPOSE: message}) from None
    except break_glass.TooMany as error:
        db.session.commit()
        response = jsonify(
            {"error": {"code": "too_many_requests", "message": too_many_message(error.limit)}}
        )
        response.status_code = 429
        response.headers["Retry-After"] = "3600"
        return response
    response = jsonify(break_glass_to_json(grant))
    response.status_code = 201
    db.session.commit()
    return response


@bp.get("/reports/break-glass")
def break_glass_report() -> ResponseReturnValue:
    api_report_reader()
    reader = QueryReader(request.args)
    paging = read_paging(reader, default_per_page=20, max_per_page=100)
    reader.raise_if_invalid()
    return jsonify(paginated(break_glass.report(), paging, break_glass_to_json))


NULLABLE_TIME = {"type": ["string", "null"]}
BREAK_GLASS_RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "referral_id", "user", "purpose", "requested_at", "refused"],
    "properties": {
        "id": {"type": "integer"},
        "referral_id": {"type": "string", "format": "uuid"},
        "reference_number": {"type": "string"},
        "user": {"type": "object"},
        "purpose": {"type": ["string", "null"]},
        "requested_at": {"type": "string"},
        "expires_at": NULLABLE_TIME,
        "refused": {"type": "boolean"},
    },
}


def _error(description: str) -> dict[str, Any]:
    return json_response(description, ref("schemas", "Error"))


describe(
    {
        "POST /referrals/{referral_id}/break-glass": {
            "summary": "An administrator (outside both organizations) states the purpose for "
            "reading this referral's client data. The grant is recorded, shown to both "
            "organizations and listed in `GET /reports/break-glass`; until `expires_at` "
            "`GET /referrals/{id}` and `GET /referrals/{id}/fhir?include_client=true` carry "
            "the client data for this administrator. Past the hourly limit: 429, recorded "
            "and flagged to the other administrators.",
            "tags": ["referrals"],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": BREAK_GLASS_SCHEMA}},
            },
            "responses": {
                "201": json_response("The grant.", BREAK_GLASS_RESULT),
                "400": _error("No purpose, or too short or too long."),
                "401": _error("No or bad credentials."),
                "403": _error("Not an administrator, or one of the referral's organizations."),
                "404": _error("No such referral, or not yours to see."),
                "413": _error("The body is too large."),
                "415": _error("The body is not JSON."),
                "429": _error("Too many break-glass reads in the last hour."),
            },
        },
        "GET /reports/break-glass": {
            "summary": "Every break-glass grant and refusal, newest first (administrators).",
            "tags": ["reports"],
            "parameters": [ref("parameters", "page"), ref("parameters", "per_page")],
            "responses": {
                "200": json_response("One page.", page_of(BREAK_GLASS_RESULT)),
                "400": _error("A bad page or per_page."),
                "401": _error("No or bad credentials."),
                "403": _error("Not an administrator."),
            },
        },
    }
)
