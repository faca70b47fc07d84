"""Administrators: the data subject's access request, and legal holds.

The client reference travels in POST bodies only, never in a URL (URLs reach access logs).
Every search records a ``subject_access`` entry on each referral found.
"""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from directory.auth.models import User
from directory.database import utcnow
from directory.extensions import db
from directory.privacy import subject
from directory.referrals import operations
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


def _found(actor: User, reference: str) -> list[Referral]:
    referrals = subject.referrals_about(reference)
    now = utcnow()
    for referral in referrals:
        operations.record_access(referral, actor, operations.WEB, operations.SUBJECT_ACCESS, now)
    db.session.commit()
    return referrals


@bp.route("/admin/privasi", methods=["GET", "POST"])
@login_required
def subject_access() -> ResponseReturnValue:
    actor = admin()
    reference = _reference() if request.method == "POST" else ""
    referrals = _found(actor, reference) if reference else []
    return render_template(
        "privacy/subject.html",
        reference=reference,
        searched=request.method == "POST",
        referrals=referrals,
        accesses={referral.id: subject.accesses(referral) for referral in referrals},
        omitted=subject.OMITTED,
    )


@bp.post("/admin/privasi/ekspor")
@login_required
def export() -> ResponseReturnValue:
    """The subject's copy, as a JSON download (what is left out: ``subject.OMITTED``)."""
    actor = admin()
    reference = _reference()
    if not reference:
        abort(400)
    body = subject.export_for_subject(reference, _found(actor, reference), utcnow())
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
