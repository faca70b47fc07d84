"""``GET /api/v1/referrals/{id}/fhir``: a referral as an HL7 FHIR R4 Bundle.

Seen by whoever may see the referral (``GET /referrals/{id}``: 401, 404 for outsiders).
Client data only on request (``include_client=true``) and only for an administrator within
a break-glass window (a stated purpose, ``POST /referrals/{id}/break-glass``) while the
client's consent stands and the data is not purged; asking otherwise is a 403 naming
the reason. Every export is recorded as an access to the referral (purpose
``fhir_export``), with whether client data went out, so that a subject access request
shows it. Unlike opening the referral, an export does not mark it received.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from directory.api.auth import api_user
from directory.api.blueprint import bp
from directory.api.openapi import describe, json_response, ref
from directory.api.referrals import visible_referral
from directory.database import utcnow
from directory.errors import ApiError
from directory.extensions import db
from directory.interop import fhir
from directory.querystring import QueryReader
from directory.referrals import break_glass, operations
from directory.request_transactions import writes_on_get

# ReferralView.purpose of an export.
FHIR_EXPORT = "fhir_export"
INCLUDE_CLIENT = "include_client"


def _refusal_message(reason: str) -> str:
    messages = {
        fhir.NOT_ADMIN: _("Data klien hanya dapat diekspor oleh administrator."),
        fhir.CLIENT_DATA_PURGED: _(
            "Data klien rujukan ini sudah dihapus setelah masa retensi; tidak ada yang dapat "
            "diekspor."
        ),
        fhir.CONSENT_WITHDRAWN: _(
            "Klien telah mencabut persetujuannya; data klien tidak dapat diekspor."
        ),
        fhir.NO_PURPOSE: _(
            "Nyatakan dahulu tujuan membuka data klien (akses darurat: "
            "POST /api/v1/referrals/{id}/break-glass)."
        ),
        fhir.NO_CONSENT: _(
            "Persetujuan klien (dan wali untuk anak) tidak tercatat; data klien tidak dapat "
            "diekspor."
        ),
    }
    return messages[reason]


@bp.get("/referrals/<referral_id>/fhir")
@writes_on_get
def referral_fhir(referral_id: str) -> ResponseReturnValue:
    user = api_user()
    reader = QueryReader(request.args)
    include_client = bool(reader.boolean(INCLUDE_CLIENT))
    reader.raise_if_invalid()
    referral = visible_referral(referral_id, user)
    now = utcnow()
    if include_client:
        refusal = fhir.client_export_refusal(
            referral, user, purpose_stated=break_glass.active_grant(referral, user, now) is not None
        )
        if refusal is not None:
            message = _refusal_message(refusal)
            raise ApiError(message, status=403, code="forbidden", fields={INCLUDE_CLIENT: message})
    access = operations.record_access(referral, user, operations.API, FHIR_EXPORT, now)
    access.client_data_shown = include_client
    bundle = fhir.referral_bundle(referral, now, include_client=include_client)
    db.session.commit()
    response = current_app.json.response(bundle)
    response.mimetype = fhir.MEDIA_TYPE
    return response


FHIR_BUNDLE: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType", "type", "entry"],
    "properties": {
        "resourceType": {"const": "Bundle"},
        "type": {"const": "collection"},
        "entry": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["fullUrl", "resource"],
                "properties": {
                    "fullUrl": {"type": "string"},
                    "resource": {
                        "type": "object",
                        "required": ["resourceType", "id"],
                        "properties": {
                            "resourceType": {"enum": ["ServiceRequest", "Task", "Patient"]}
                        },
                    },
                },
            },
        },
    },
}


def _error(description: str) -> dict[str, Any]:
    return json_response(description, ref("schemas", "Error"))


describe(
    {
        "GET /referrals/{referral_id}/fhir": {
            "summary": "The referral as an HL7 FHIR R4 Bundle (`collection`): its "
            "`ServiceRequest` and the `Task` tracking it. Task.status: sent -> requested, "
            "received -> received, accepted -> accepted, declined -> rejected, in_progress "
            "-> in-progress, on_hold -> on-hold, closed -> completed (successful outcome) or "
            "failed, withdrawn -> cancelled. No client data: `ServiceRequest.subject` is masked "
            "(data-absent-reason), reasons travel as codes only. Every export is recorded.",
            "tags": ["referrals"],
            "parameters": [
                {
                    "name": INCLUDE_CLIENT,
                    "in": "query",
                    "required": False,
                    "description": "true: add the client as a `Patient` and the reason as a "
                    "note. Administrators only, within a break-glass window "
                    "(`POST /referrals/{id}/break-glass`), while the client's consent "
                    "stands and the data is not purged; otherwise 403.",
                    "schema": {"type": "boolean"},
                }
            ],
            "responses": {
                "200": {
                    "description": "A FHIR R4 Bundle.",
                    "content": {fhir.MEDIA_TYPE: {"schema": FHIR_BUNDLE}},
                },
                "400": _error("A malformed id or `include_client` value."),
                "401": _error("No or bad credentials."),
                "403": _error("Client data asked for but not allowed (`error.message` says why)."),
                "404": _error("No such referral, or not yours to see."),
            },
        }
    }
)
