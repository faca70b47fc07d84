"""Administrators: the data subject's access request, and legal holds.

The client reference travels in POST bodies only, never in a URL (URLs reach access logs).
Every search records a ``subject_access`` entry on each referral found.
"""

from __future__ import annotations

import json
import uuid

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.auth.models import User
from directory.database import utcnow
from directory.extensions import db
from directory.privacy import subject
from directory.referrals import break_glass, operations
from directory.referrals.models import Referral
from directory.referrals.vocabulary import MAX_REFERENCE

bp = Blueprint("privacy", __name__)


def admin() -> User:
    actor: User = current_user._get_current_object()
    if not actor.is_admin:
        abort(403)
    return actor


def _reference() -> str:
    return (request.form.get("reference") or "").strip()[:MAX_REFERENCE]


class Refused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _found(actor: User, reference: str) -> list[Referral]:
    """The referrals about ``reference``: a break-glass read, for the purpose stated in the
    form (recorded on each, shown to both organizations, limited per hour).

    :raises Refused: no or a token purpose (400), or past the hourly limit (429).
    """
    now = utcnow()
    purpose = request.form.get("purpose")
    try:
        break_glass.check_purpose(purpose)
    except break_glass.PurposeInvalid as error:
        raise Refused(str(error.message), 400) from None
    referrals = subject.referrals_about(reference)
    try:
        break_glass.break_glass_for_subject(
            referrals, actor, purpose, now, break_glass.Limits.from_config(current_app.config)
        )
    except break_glass.TooMany as error:
        db.session.commit()
        message = _(
            "Batas akses darurat tercapai: paling banyak %(n)s dalam satu jam. Permintaan ini "
            "ditolak, dicatat dan dilaporkan kepada administrator lain.",
            n=error.limit,
        )
        raise Refused(message, 429) from None
    for referral in referrals:
        operations.record_access(referral, actor, operations.WEB, operations.SUBJECT_ACCESS, now)
    db.session.commit()
    return referrals


def _purpose() -> str:
    return " ".join((request.form.get("purpose") or "").split())[: break_glass.MAX_PURPOSE]


@bp.route("/admin/privasi", methods=["GET", "POST"])
@login_required
def subject_access() -> ResponseReturnValue:
    actor = admin()
    reference = _reference() if request.method == "POST" else ""
    problem, status = None, 200
    referrals: list[Referral] = []
    if reference:
        try:
            referrals = _found(actor, reference)
        except Refused as refused:
            problem, status = refused.message, refused.status
    return (
        render_template(
            "privacy/subject.html",
            reference=reference,
            purpose=_purpose() if request.method == "POST" else "",
            searched=request.method == "POST" and problem is None,
            problem=problem,
            referrals=referrals,
            accesses={referral.id: subject.accesses(referral) for referral in referrals},
            omitted=subject.OMITTED,
        ),
        status,
    )


@bp.post("/admin/privasi/ekspor")
@login_required
def export() -> ResponseReturnValue:
    """The subject's copy, as a JSON download (what is left out: ``subject.OMITTED``)."""
    actor = admin()
    reference = _reference()
    if not reference:
        abort(400)
    try:
        found = _found(actor, reference)
    except Refused as refused:
        abort(refused.status, refused.message)
    body = subject.export_for_subject(reference, found, utcnow())
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="data-subjek.json"'},
    )


@bp.post("/admin/privasi/rujukan/<uuid:referral_id>/penahanan")
@login_required
def legal_hold(referral_id: uuid.UUID) -> ResponseReturnValue:
    """Set a legal hold with a reason, or lift it (``lift=1``)."""
    actor = admin()
    referral = db.session.get(Referral, str(referral_id))
    if referral is None:
        abort(404)
    reason = None if request.form.get("lift") else request.form.get("reason")
    if reason is not None and not reason.strip():
        flash(_("Tuliskan alasan penahanan (mis. nomor perkara)."), "error")
        return redirect(url_for("referrals.show", referral_id=referral.id), code=303)
    try:
        operations.set_legal_hold(referral, actor, reason)
    except operations.ReferralInvalid:
        db.session.rollback()
        abort(400)
    db.session.commit()
    flash(_("Penahanan karena proses hukum diperbarui."), "success")
    return redirect(url_for("referrals.show", referral_id=referral.id), code=303)
