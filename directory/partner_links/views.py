"""``/tautan/<token>``: the page and the answers of whoever holds a partner link.

No account: the token in the path is the only authority, so the form needs no CSRF token
(a forged post would have to know it). ``GET`` never changes anything (link previews of
chat apps fetch it); marking the referral received is a button.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from directory.api.jsonbody import check, json_object
from directory.database import utcnow
from directory.errors import ApiError
from directory.extensions import csrf, db
from directory.partner_links.logs import keep_tokens_out_of_logs
from directory.referrals import operations, states, vocabulary
from directory.referrals.models import ReferralLink

bp = Blueprint("partner_links", __name__)
bp.record_once(lambda _state: keep_tokens_out_of_logs())
csrf.exempt(bp)

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["action"],
    "properties": {
        "action": {"enum": list(operations.LINK_ACTIONS)},
        "name": {"type": ["string", "null"], "maxLength": vocabulary.MAX_LINK_NAME},
        "note": {"type": ["string", "null"], "maxLength": vocabulary.MAX_NOTE},
        "reason": {
            "anyOf": [
                {"type": "null"},
                {"type": "string", "maxLength": vocabulary.MAX_REASON_TEXT},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["code"],
                    "properties": {
                        "code": {"enum": list(vocabulary.DECLINE_REASONS)},
                        "text": {
                            "type": ["string", "null"],
                            "maxLength": vocabulary.MAX_REASON_TEXT,
                        },
                    },
                },
            ]
        },
    },
}


@bp.after_request
def private(response: BaseResponse) -> BaseResponse:
    """Nothing of a link page is kept by a cache or search engine. (Nor sent on as a
    Referer: the pages say ``no-referrer`` in a meta element, which overrides the app's
    ``same-origin`` header that flask-talisman sets after every view.)"""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _gone() -> ResponseReturnValue:
    return render_template("partner_links/gone.html"), 410


def _page(
    link: ReferralLink,
    *,
    status: int = 200,
    problem: str | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
    values: dict[str, str] | None = None,
) -> ResponseReturnValue:
    referral = link.referral
    return (
        render_template(
            "partner_links/page.html",
            referral=referral,
            link=link,
            actions=[
                action
                for action in states.available_actions(referral.status, {states.RECEIVER})
                if action in operations.LINK_ACTIONS
            ],
            vocabulary=vocabulary,
            problem=problem,
            errors=errors or {},
            done=done,
            values=values or {},
        ),
        status,
    )


@bp.get("/tautan/<token>")
def page(token: str) -> ResponseReturnValue:
    try:
        link = operations.link_for_token(token)
    except operations.LinkUnknown:
        abort(404)
    except operations.LinkGone:
        return _gone()
    return _page(link)


def _reason(action: str, raw: Any) -> tuple[str | None, str | None]:
    """(code, text) of a JSON reason: a code of the list, ``{code, text}``, or a plain
    text (kept as "other" with that text)."""
    if action != states.DECLINE or raw is None:
        return None, None
    if isinstance(raw, dict):
        return raw.get("code"), raw.get("text")
    if raw in vocabulary.DECLINE_REASONS:
        return raw, None
    return (vocabulary.OTHER, raw) if raw.strip() else (None, None)


def _json_error(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    return ApiError(message, status=status, code=code, fields=fields)


@bp.post("/tautan/<token>")
def answer(token: str) -> ResponseReturnValue:
    as_json = request.is_json
    try:
        link = operations.link_for_token(token)
    except operations.LinkUnknown:
        if as_json:
            raise _json_error(404, "not_found", _("Tautan tidak ditemukan.")) from None
        abort(404)
    except operations.LinkGone:
        if as_json:
            raise _json_error(
                410, "gone", _("Tautan ini sudah tidak berlaku. Hubungi lembaga pengirim.")
            ) from None
        return _gone()
    if as_json:
        body = json_object()
        check(ANSWER_SCHEMA, body)
        action = body["action"]
        name, note = body.get("name"), body.get("note")
        reason_code, reason_text = _reason(action, body.get("reason"))
        values: dict[str, str] = {}
    else:
        form = request.form
        action = form.get("action", "")
        name, note = form.get("name"), form.get("note")
        reason_code = form.get("reason_code") or None if action == states.DECLINE else None
        reason_text = form.get("reason_text") if action == states.DECLINE else None
        values = {key: form.get(key, "") for key in ("name", "note", "reason_code", "reason_text")}
    try:
        operations.act_through_link(
            link,
            action,
            name,
            note=note,
            reason_code=reason_code,
            reason_text=reason_text,
            now=utcnow(),
        )
    except operations.ReferralInvalid as error:
        db.session.rollback()
        fields = error.messages()
        if as_json:
            raise _json_error(
                400, "invalid_body", _("Badan permintaan tidak sah."), fields
            ) from None
        return _page(
            link, status=400, problem=_("Periksa isian Anda."), errors=fields, values=values
        )
    except (states.IllegalTransition, operations.StaleReferral):
        db.session.rollback()
        message = _("Tindakan ini tidak dapat dilakukan pada status rujukan sekarang.")
        if as_json:
            raise _json_error(409, "conflict", message) from None
        try:
            link = operations.link_for_token(token)
        except (operations.LinkUnknown, operations.LinkGone):
            # Answered in the meantime (by someone else, or a double click).
            return _gone()
        return _page(link, status=409, problem=message)
    status = link.referral.status
    db.session.commit()
    if as_json:
        return jsonify(status=status, action=action)
    return render_template(
        "partner_links/done.html",
        status=status,
        label=vocabulary.EVENT_LABELS[action],
        vocabulary=vocabulary,
    )
