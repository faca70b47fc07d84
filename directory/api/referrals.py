"""Referrals over the API: send, list, read (with events) and act on them.

Who may do what is decided by the operations and the state table; this module maps
their refusals to the contract's statuses: 401 no credentials, 403 may see but may not do,
404 may not see (or nothing there), 409 illegal or stale, 400 bad body (nothing stored).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from directory.api.auth import api_user
from directory.api.blueprint import bp
from directory.api.jsonbody import check, json_object
from directory.api.openapi import describe, json_response, page_of, ref
from directory.api.paging import paginated
from directory.api.params import parse_id
from directory.auth.models import User
from directory.database import utcnow
from directory.errors import ApiError
from directory.extensions import db
from directory.idempotency.web import idempotent_api, remember
from directory.querystring import QueryReader, read_paging
from directory.referrals import break_glass, operations, states, vocabulary
from directory.referrals.models import Referral
from directory.referrals.serialize import referral_to_json
from directory.request_transactions import writes_on_get

NULLABLE_TEXT = {"type": ["string", "null"]}
UUID = {"type": "string", "format": "uuid"}


def _text(limit: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": limit}


def _optional_text(limit: int) -> dict[str, Any]:
    return {**NULLABLE_TEXT, "maxLength": limit}


REFERRAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["service_id", "problem_term_ids", "urgency", "reason", "client", "consent"],
    "properties": {
        "service_id": UUID,
        "problem_term_ids": {
            "type": "array",
            "minItems": 1,
            "maxItems": vocabulary.MAX_PROBLEM_TERMS,
            "uniqueItems": True,
            "items": UUID,
        },
        "urgency": {"enum": list(vocabulary.URGENCIES)},
        "reason": _text(vocabulary.MAX_REASON),
        "previous_referral_id": {"type": ["string", "null"], "format": "uuid"},
        "client": {
            "type": "object",
            "additionalProperties": False,
            "required": ["reference", "initials", "age_group", "sex"],
            "properties": {
                "reference": _text(vocabulary.MAX_REFERENCE),
                "initials": _text(vocabulary.MAX_INITIALS),
                "age_group": {"enum": list(vocabulary.AGE_GROUPS)},
                "sex": {"enum": list(vocabulary.SEXES)},
                "contact": _optional_text(vocabulary.MAX_CONTACT),
                "safe_contact": _optional_text(vocabulary.MAX_SAFE_CONTACT),
            },
        },
        "consent": {
            "type": "object",
            "additionalProperties": False,
            "required": ["given", "method", "recorded_at"],
            "properties": {
                "given": {"type": "boolean"},
                "method": {"enum": list(vocabulary.CONSENT_METHODS)},
                "recorded_at": {
                    "type": "string",
                    "maxLength": 40,
                    "description": "ISO 8601 with an offset.",
                },
                "guardian": {
                    "type": ["object", "null"],
                    "additionalProperties": False,
                    "required": ["given", "relationship"],
                    "properties": {
                        "given": {"type": "boolean"},
                        "relationship": _text(vocabulary.MAX_RELATIONSHIP),
                    },
                },
            },
        },
    },
}

REASON_CODES = sorted(
    set(vocabulary.DECLINE_REASONS)
    | set(vocabulary.WITHDRAW_REASONS)
    | set(vocabulary.HOLD_REASONS)
)

TRANSITION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["action"],
    "properties": {
        "action": {"enum": list(states.ACTIONS)},
        "note": _optional_text(vocabulary.MAX_NOTE),
        "reason": {
            "description": "decline, withdraw and hold: a code of the list, or "
            '`{"code", "text"}`; "other" needs the text. For hold, a plain text that is no '
            'code is taken as `{"code": "other", "text": ...}`.',
            "anyOf": [
                {"type": "string", "minLength": 1, "maxLength": vocabulary.MAX_REASON_TEXT},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code"],
                    "properties": {
                        "code": {"enum": REASON_CODES},
                        "text": _optional_text(vocabulary.MAX_REASON_TEXT),
                    },
                },
            ],
        },
        "outcome": {
            "type": "object",
            "additionalProperties": False,
            "required": ["result", "service_delivered"],
            "properties": {
                "result": {"enum": list(vocabulary.CLOSE_RESULTS)},
                "reason_not_successful": _optional_text(vocabulary.MAX_REASON_TEXT),
                "service_delivered": {"type": "boolean"},
            },
        },
        "version": {"type": "integer", "minimum": 1},
    },
}


def _invalid(fields: dict[str, str]) -> ApiError:
    return ApiError(_("Badan permintaan tidak sah."), code="invalid_body", fields=fields)


def _parse_recorded_at(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise _invalid(
            {"consent.recorded_at": _("Bukan waktu ISO 8601 (mis. 2025-05-02T09:30:00+07:00).")}
        ) from None
    if value.tzinfo is None:
        raise _invalid({"consent.recorded_at": _("Sertakan zona waktu (mis. +07:00).")})
    # In UTC, as it is stored and read back. Year 1 or 9999 with an offset falls off the
    # calendar; the operation refuses anything that far anyway.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        message = str(operations.consent_time_message())
        raise _invalid({"consent.recorded_at": message}) from None


def draft_from_json(body: dict[str, Any]) -> operations.ReferralDraft:
    client, consent = body["client"], body["consent"]
    guardian = consent.get("guardian") or {}
    return operations.ReferralDraft(
        service_id=body["service_id"],
        problem_term_ids=tuple(body["problem_term_ids"]),
        urgency=body["urgency"],
        reason=body["reason"],
        client=operations.ClientDetails(
            reference=client["reference"],
            initials=client["initials"],
            age_group=client["age_group"],
            sex=client["sex"],
            contact=client.get("contact"),
            safe_contact=client.get("safe_contact"),
        ),
        consent=operations.Consent(
            given=consent["given"],
            method=consent["method"],
            recorded_at=_parse_recorded_at(consent["recorded_at"]),
            guardian_given=guardian.get("given"),
            guardian_relationship=guardian.get("relationship"),
        ),
        previous_referral_id=body.get("previous_referral_id"),
    )


def reason_from_json(action: str, reason: Any) -> dict[str, Any] | None:
    """A reason as ``{"code", "text"}``: a code of the action's list as it is, a plain
    text for hold as "other" with that text.

    :raises ApiError: 400 for a string that is no code of the list (but for hold).
    """
    if not isinstance(reason, str):
        return reason
    codes = vocabulary.REASONS_BY_ACTION.get(action)
    if codes is None or reason in codes:
        # An action without reasons: the operation refuses the reason itself.
        return {"code": reason}
    if action == states.HOLD:
        return {"code": vocabulary.OTHER, "text": reason}
    raise _invalid(
        {"reason": _("Pilihan tidak dikenal. Yang sah: %(codes)s.", codes=", ".join(codes))}
    )


def transition_from_json(body: dict[str, Any]) -> operations.TransitionRequest:
    reason = reason_from_json(body["action"], body.get("reason"))
    outcome = body.get("outcome")
    return operations.TransitionRequest(
        action=body["action"],
        note=body.get("note"),
        reason_code=reason["code"] if reason else None,
        reason_text=reason.get("text") if reason else None,
        outcome=(
            operations.Outcome(
                result=outcome["result"],
                service_delivered=outcome["service_delivered"],
                reason_not_successful=outcome.get("reason_not_successful"),
            )
            if outcome
            else None
        ),
        expected_version=body.get("version"),
    )


def visible_referral(referral_id: str, user: User) -> Referral:
    """:raises ApiError: 400 for a malformed id, 404 when absent or not the user's to see."""
    referral = operations.referral_with_timeline(parse_id(referral_id, "referral_id"))
    if referral is None or not referral.can_view(user):
        raise ApiError(_("Rujukan tidak ditemukan."), status=404, code="not_found")
    return referral


def _forbidden(message: str) -> ApiError:
    return ApiError(message, status=403, code="forbidden")


def _conflict(message: str) -> ApiError:
    return ApiError(message, status=409, code="conflict")


@bp.post("/referrals")
@idempotent_api
def create_referral() -> ResponseReturnValue:
    user = api_user()
    if not user.can_send_referrals():
        raise _forbidden(_("Hanya konselor sebuah lembaga yang dapat mengirim rujukan."))
    body = json_object()
    check(REFERRAL_SCHEMA, body)
    draft = draft_from_json(body)
    try:
        referral = operations.send_referral(draft, user, channel=operations.API)
    except operations.ReferralInvalid as error:
        db.session.rollback()
        raise _invalid(error.messages()) from None
    # The answer is built from the written state before the commit: the commit expires
    # every loaded record, and reading the referral back would take a second transaction
    # (a second write lock on SQLite) for the same values.
    response = jsonify(
        referral_to_json(referral, user, utcnow(), with_events=True, break_glass=[], notes=[])
    )
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_referral", referral_id=referral.id)
    remember(response)
    db.session.commit()
    return response


@bp.get("/referrals")
def list_referrals() -> ResponseReturnValue:
    user = api_user()
    reader = QueryReader(request.args)
    box = reader.value("box")
    if box is not None and box not in operations.BOXES:
        reader.errors["box"] = _("Yang sah: %(values)s.", values=", ".join(operations.BOXES))
    status = reader.value("status")
    if status is not None and status not in states.STATUSES:
        reader.errors["status"] = _("Yang sah: %(values)s.", values=", ".join(states.STATUSES))
    paging = read_paging(reader, default_per_page=20, max_per_page=100)
    reader.raise_if_invalid()
    now = utcnow()
    return jsonify(
        paginated(
            operations.visible_referrals(user, box, status),
            paging,
            lambda referral: referral_to_json(referral, user, now),
        )
    )


@bp.get("/referrals/<referral_id>")
@writes_on_get
def get_referral(referral_id: str) -> ResponseReturnValue:
    user = api_user()
    referral = visible_referral(referral_id, user)
    try:
        operations.open_referral(referral, user, operations.API)
        db.session.commit()
    except operations.StaleReferral:
        # Someone acted on it between loading and marking it received: record the opening.
        db.session.rollback()
        referral = visible_referral(referral_id, user)
        operations.open_referral(referral, user, operations.API)
        db.session.commit()
    now = utcnow()
    return jsonify(
        referral_to_json(
            referral,
            user,
            now,
            with_events=True,
            detailed=break_glass.client_visible(referral, user, now),
            break_glass=break_glass.accesses_of(referral),
            notes=operations.notes_of(referral),
        )
    )


@bp.post("/referrals/<referral_id>/transitions")
@idempotent_api
def transition(referral_id: str) -> ResponseReturnValue:
    user = api_user()
    referral = visible_referral(referral_id, user)
    body = json_object()
    check(TRANSITION_SCHEMA, body)
    try:
        operations.transition_referral(referral, user, transition_from_json(body))
    except states.WrongSide as error:
        db.session.rollback()
        raise _forbidden(
            _("Lembaga Anda tidak dapat melakukan tindakan ini (%(action)s).", action=error.action)
        ) from None
    except states.IllegalTransition as error:
        db.session.rollback()
        raise _conflict(
            _(
                "Tindakan %(action)s tidak dapat dilakukan pada rujukan berstatus %(status)s.",
                action=error.action,
                status=error.status,
            )
        ) from None
    except operations.StaleReferral:
        db.session.rollback()
        raise _conflict(_("Rujukan sudah diubah orang lain. Muat ulang lalu coba lagi.")) from None
    except operations.ReferralInvalid as error:
        db.session.rollback()
        raise _invalid(error.messages()) from None
    # Built before the commit, as in create_referral.
    response = jsonify(
        referral_to_json(
            referral,
            user,
            utcnow(),
            with_events=True,
            break_glass=break_glass.accesses_of(referral),
            notes=operations.notes_of(referral),
        )
    )
    remember(response)
    db.session.commit()
    return response


REFERRALS = "referrals"
REFERRAL_RESULT = {
    "type": "object",
    "description": "A referral. `client`, `consent`, `reason` and free text are null unless "
    "the caller belongs to the sending or the receiving organization, or is an "
    "administrator within a break-glass window (`POST /referrals/{id}/break-glass`). "
    "`GET /referrals/{id}` also carries `break_glass`: every administrator's stated "
    "purpose for reading the client data (who, when, purpose, window, refused), and "
    "`notes`: the notes between the two organizations, oldest first (`text` as the client "
    "data: null where that is hidden).",
}


IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any 1-255 visible ASCII characters (a UUID, say). The same key (per "
    "account) with the same request within 24 hours answers the first result again "
    "(`Idempotent-Replayed: true`) and changes nothing; with another request, 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}


def _errors(*statuses: str) -> dict[str, Any]:
    meanings = {
        "400": "Bad body: `error.fields` names each problem. Nothing is stored.",
        "401": "No or bad credentials.",
        "403": "Your organization may not do this.",
        "404": "No such referral, or not yours to see.",
        "409": "Not possible from the current status, or the version is stale.",
        "413": "The body is too large.",
        "415": "The body is not JSON.",
        "422": "The Idempotency-Key came with another request within 24 hours.",
    }
    return {status: json_response(meanings[status], ref("schemas", "Error")) for status in statuses}


describe(
    {
        "POST /referrals": {
            "summary": "Send a referral (counsellors). The client's recorded consent is "
            "required; for a child (age group under 18) a guardian's too.",
            "tags": [REFERRALS],
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": REFERRAL_SCHEMA}},
            },
            "responses": {
                "201": json_response("The new referral, `status: sent`.", REFERRAL_RESULT),
                **_errors("400", "401", "403", "409", "413", "415", "422"),
            },
        },
        "GET /referrals": {
            "summary": "The referrals the caller may see: `box=sent` (the outbox), "
            "`box=received` (the inbox) or both; awaiting an answer and most urgent first.",
            "tags": [REFERRALS],
            "parameters": [
                {
                    "name": "box",
                    "in": "query",
                    "required": False,
                    "schema": {"enum": list(operations.BOXES)},
                },
                {
                    "name": "status",
                    "in": "query",
                    "required": False,
                    "schema": {"enum": list(states.STATUSES)},
                },
                ref("parameters", "page"),
                ref("parameters", "per_page"),
            ],
            "responses": {
                "200": json_response("One page of referrals.", page_of(REFERRAL_RESULT)),
                **_errors("400", "401"),
            },
        },
        "GET /referrals/{referral_id}": {
            "summary": "A referral with its `events`. The receiving organization's first "
            "opening marks it received. Every opening is recorded.",
            "tags": [REFERRALS],
            "responses": {
                "200": json_response("The referral.", REFERRAL_RESULT),
                **_errors("400", "401", "404"),
            },
        },
        "POST /referrals/{referral_id}/transitions": {
            "summary": "Act on a referral: receive, accept, decline (reason), start, close "
            "(outcome), hold (reason) and resume for the receiving organization; withdraw "
            "(reason) for the sending one. "
            "Give `version` to act only on the version you saw.",
            "tags": [REFERRALS],
            "parameters": [IDEMPOTENCY_KEY],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": TRANSITION_SCHEMA}},
            },
            "responses": {
                "200": json_response("The referral after the action.", REFERRAL_RESULT),
                **_errors("400", "401", "403", "404", "409", "413", "415", "422"),
            },
        },
    }
)
