"""The conversation around a referral over the API: notes between the two organizations,
and the partner links by which a receiver without an account answers.

Statuses as in :mod:`directory.api.referrals`: 401 no credentials, 403 may see but may not
do, 404 may not see, 409 not possible now, 400 bad body (nothing stored).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from directory.api.auth import api_user
from directory.api.blueprint import bp
from directory.api.jsonbody import check, json_object
from directory.api.openapi import describe, json_response
from directory.api.referrals import (
    IDEMPOTENCY_KEY,
    _conflict,
    _errors,
    _forbidden,
    visible_referral,
)
from directory.database import utcnow
from directory.errors import ApiError
from directory.extensions import db
from directory.idempotency.web import idempotent_api, remember
from directory.referrals import break_glass, operations, vocabulary
from directory.referrals.link_sharing import link_url
from directory.referrals.serialize import note_to_json

NOTE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["text"],
    "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": vocabulary.MAX_NOTE_TEXT}
    },
}


# POST /links takes no body; a JSON one may only be empty.
EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "additionalProperties": False}


@bp.post("/referrals/<referral_id>/notes")
@idempotent_api
def add_note(referral_id: str) -> ResponseReturnValue:
    user = api_user()
    referral = visible_referral(referral_id, user)
    body = json_object()
    check(NOTE_SCHEMA, body)
    try:
        note = operations.add_note(referral, user, body["text"])
    except operations.NotAllowed:
        db.session.rollback()
        raise _forbidden(
            _("Hanya staf lembaga pengirim atau penerima yang dapat menulis catatan.")
        ) from None
    except operations.NotesClosed:
        db.session.rollback()
        raise _conflict(
            _("Data klien rujukan ini sudah dihapus: tidak ada catatan baru.")
        ) from None
    except operations.ReferralInvalid as error:
        db.session.rollback()
        raise ApiError(
            _("Badan permintaan tidak sah."), code="invalid_body", fields=error.messages()
        ) from None
    detailed = break_glass.client_visible(referral, user, utcnow())
    response = jsonify(note_to_json(note, detailed=detailed))
    response.status_code = 201
    remember(response)
    db.session.commit()
    return response


@bp.post("/referrals/<referral_id>/links")
@idempotent_api
def create_link(referral_id: str) -> ResponseReturnValue:
    user = api_user()
    referral = visible_referral(referral_id, user)
    if request.is_json:
        check(EMPTY_SCHEMA, json_object())
    try:
        raw, link = operations.create_link(referral, user)
    except operations.NotAllowed:
        db.session.rollback()
        raise _forbidden(_("Hanya lembaga pengirim yang dapat membuat tautan.")) from None
    except operations.LinkNotOpen:
        db.session.rollback()
        raise _conflict(
            _("Tautan hanya untuk rujukan yang masih menunggu jawaban (terkirim atau dibuka).")
        ) from None
    response = jsonify(url=link_url(raw), expires_at=link.expires_at.isoformat())
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    remember(response)
    db.session.commit()
    return response


@bp.delete("/referrals/<referral_id>/links")
def revoke_links(referral_id: str) -> ResponseReturnValue:
    user = api_user()
    referral = visible_referral(referral_id, user)
    try:
        operations.revoke_links(referral, user)
    except operations.NotAllowed:
        db.session.rollback()
        raise _forbidden(_("Hanya lembaga pengirim yang dapat mencabut tautan.")) from None
    db.session.commit()
    return "", 204


NOTE_RESULT = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "author": {"type": "object", "description": "`{id, name}` of the account."},
        "organization_id": {"type": "string", "format": "uuid"},
        "at": {"type": "string", "format": "date-time"},
        "text": {"type": ["string", "null"]},
    },
}
LINK_RESULT = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "format": "uri"},
        "expires_at": {"type": "string", "format": "date-time"},
    },
}

describe(
    {
        "POST /referrals/{referral_id}/notes": {
            "summary": "A note from one organization to the other (staff of the sending or "
            "receiving organization). The other side is notified that a note was added, "
            "never with its text. Notes are client data: encrypted, purged with it.",
            "tags": ["referrals"],
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": NOTE_SCHEMA}},
            },
            "responses": {
                "201": json_response("The note.", NOTE_RESULT),
                **_errors("400", "401", "403", "404", "409", "413", "415", "422"),
            },
        },
        "POST /referrals/{referral_id}/links": {
            "summary": "A link for the receiving organization to answer without an account "
            "(to paste into WhatsApp or an e-mail): whoever holds it sees what is asked, "
            "the urgency, the problems and the sender's contact, never the client; and may "
            "mark it received, accept or decline it, giving a name. Valid 7 days and while "
            "the referral is sent or received; a new link revokes the previous one. The "
            "token is shown this once (only its SHA-256 is kept).",
            "tags": ["referrals"],
            "parameters": [IDEMPOTENCY_KEY],
            "responses": {
                "201": json_response("The link.", LINK_RESULT),
                **_errors("401", "403", "404", "409", "422"),
            },
        },
        "DELETE /referrals/{referral_id}/links": {
            "summary": "Revoke the referral's link (sending organization).",
            "tags": ["referrals"],
            "responses": {
                "204": {"description": "Revoked (or there was none)."},
                **_errors("401", "403", "404"),
            },
        },
    }
)
