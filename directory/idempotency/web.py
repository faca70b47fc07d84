"""``Idempotency-Key`` on the API's referral-changing POSTs, and the one-time key of the
referral pages' forms (a double click sends once).

A view wrapped here calls :func:`remember` with its answer just before it commits, so that
the answer is stored with the work; whatever else it answers is stored afterwards (a
refusal changed nothing) or, for a server error, the key is given back.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, flash, g, jsonify, make_response, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from directory.database import utcnow
from directory.errors import ApiError, error_body
from directory.extensions import db
from directory.idempotency import operations
from directory.idempotency.operations import StoredAnswer

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
FORM_FIELD = "idempotency_key"
# Form keys live beside the API's keys of the same account, apart by this prefix.
FORM_PREFIX = "form:"
_CLAIM = "idempotency_claim"
_REMEMBERED = "idempotency_remembered"

View = TypeVar("View", bound=Callable[..., Any])


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


def remember(response: BaseResponse) -> None:
    """Store ``response`` as the answer of this request's key, in the current transaction
    (call it just before the view commits). Without a key, nothing happens."""
    claim_id = g.get(_CLAIM)
    if claim_id is None:
        return
    location = response.headers.get("Location")
    body = None if response.is_streamed else response.get_data(as_text=True)
    operations.complete(claim_id, StoredAnswer(response.status_code, location, body))
    g.setdefault(_REMEMBERED, True)


def _replay(answer: StoredAnswer) -> Response:
    response = current_app.response_class(
        answer.body or "", status=answer.status_code, mimetype="application/json"
    )
    if answer.location:
        response.headers["Location"] = answer.location
    response.headers[REPLAYED] = "true"
    return response


def _after(claim_id: int, response: Response) -> Response:
    if g.pop(_REMEMBERED, False):
        return response
    if response.status_code >= 500:
        db.session.rollback()
        operations.release(claim_id)
    else:
        body = None if response.is_streamed else response.get_data(as_text=True)
        operations.finish(
            claim_id, StoredAnswer(response.status_code, response.headers.get("Location"), body)
        )
    return response


def idempotent_api(view: View) -> View:
    """An API view that honours ``Idempotency-Key`` (per account, 24 hours): a repeat gets
    the first answer (with ``Idempotent-Replayed: true``); another request with the same
    key gets 422; one while the first is still under way (after waiting) 409."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raw = request.headers.get(HEADER)
        if raw is None or not current_user.is_authenticated:
            return view(*args, **kwargs)
        try:
            key = operations.check_key(raw)
        except operations.KeyInvalid:
            message = _("Idempotency-Key harus 1-255 karakter ASCII yang terlihat.")
            raise ApiError(message, code="invalid_header", fields={HEADER: message}) from None
        request_fingerprint = operations.fingerprint(
            request.method, request.path, request.get_data(cache=True)
        )
        try:
            claimed = operations.claim(current_user.id, key, request_fingerprint, utcnow())
        except operations.KeyReused:
            message = _(
                "Idempotency-Key ini sudah dipakai untuk permintaan lain dalam 24 jam terakhir; "
                "pakai kunci baru untuk permintaan baru."
            )
            raise ApiError(
                message, status=422, code="idempotency_key_reused", fields={HEADER: message}
            ) from None
        except operations.InProgress:
            raise ApiError(
                _("Permintaan dengan Idempotency-Key ini masih diproses; ulangi sebentar lagi."),
                status=409,
                code="conflict",
            ) from None
        if isinstance(claimed, StoredAnswer):
            return _replay(claimed)
        setattr(g, _CLAIM, claimed)
        try:
            response = make_response(view(*args, **kwargs))
        except ApiError as error:
            db.session.rollback()
            response = jsonify(error_body(error.code, error.message, error.fields))
            response.status_code = error.status
        except Exception:
            db.session.rollback()
            operations.release(claimed)
            raise
        return _after(claimed, response)

    return wrapper  # type: ignore[return-value]


def once_per_form(fallback: Callable[..., str]) -> Callable[[View], View]:
    """A page's form post sent once: the form carries a one-time key (``FORM_FIELD``); a
    second post with it (a double click, a reload) is sent where the first one went (or,
    while the first is still under way, to ``fallback(**view_arguments)``)."""

    def decorate(view: View) -> View:
        return _once_per_form(view, fallback)

    return decorate


def _once_per_form(view: View, fallback: Callable[..., str]) -> View:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raw = request.form.get(FORM_FIELD) if request.method == "POST" else None
        if not raw or not current_user.is_authenticated:
            return view(*args, **kwargs)
        try:
            key = FORM_PREFIX + operations.check_key(raw)
        except operations.KeyInvalid:
            return view(*args, **kwargs)
        request_fingerprint = operations.fingerprint("FORM", request.path, b"")
        try:
            claimed = operations.claim(current_user.id, key, request_fingerprint, utcnow())
        except (operations.KeyReused, operations.InProgress):
            claimed = None
        if claimed is None or isinstance(claimed, StoredAnswer):
            flash(_("Formulir ini sudah dikirim; tidak dikirim dua kali."), "info")
            target = claimed.location if isinstance(claimed, StoredAnswer) else None
            return redirect(target or fallback(**kwargs), code=303)
        setattr(g, _CLAIM, claimed)
        try:
            response = make_response(view(*args, **kwargs))
        except Exception:
            db.session.rollback()
            operations.release(claimed)
            raise
        if g.pop(_REMEMBERED, False):
            return response
        # Only a completed send (a redirect) is kept; a form sent back with errors may be
        # corrected and sent again with the same key.
        db.session.rollback()
        operations.release(claimed)
        return response

    return wrapper  # type: ignore[return-value]
