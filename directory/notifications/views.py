"""``/notifikasi``: the signed-in user's notifications; opening one marks it read."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from directory.extensions import db
from directory.notifications.models import Notification
from directory.notifications.operations import mark_all_read, mark_read, unread_count
from directory.querystring import list_page
from directory.referrals.vocabulary import EVENT_LABELS

bp = Blueprint("notifications", __name__)

PER_PAGE = 30
# Notifications about an organization's listing rather than a referral.
BREAK_GLASS_LABELS = {
    "break_glass_flag": _l("Batas akses darurat terlampaui oleh administrator lain"),
}
LISTING_LABELS = {
    "listing_stale": _l("Data lembaga perlu diverifikasi"),
    "listing_approved": _l("Usulan perubahan data disetujui"),
    "listing_rejected": _l("Usulan perubahan data ditolak"),
}


class MarkForm(FlaskForm):
    """Only the CSRF token."""


@bp.get("/notifikasi")
@login_required
def index() -> ResponseReturnValue:
    page = db.paginate(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id),
        page=list_page(request.args),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "notifications/index.html",
        page=page,
        labels={**EVENT_LABELS, **LISTING_LABELS, **BREAK_GLASS_LABELS},
        form=MarkForm(),
    )


@bp.post("/notifikasi/<uuid:notification_id>/buka")
@login_required
def open_one(notification_id: uuid.UUID) -> ResponseReturnValue:
    notification = db.session.get(Notification, str(notification_id))
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if not MarkForm().validate_on_submit():
        abort(400)
    mark_read(notification)
    db.session.commit()
    if notification.referral_id is None:
        return redirect(url_for("listings.overview"), code=303)
    return redirect(url_for("referrals.show", referral_id=notification.referral_id), code=303)


@bp.post("/notifikasi/baca-semua")
@login_required
def read_all() -> ResponseReturnValue:
    if not MarkForm().validate_on_submit():
        abort(400)
    mark_all_read(current_user._get_current_object())
    db.session.commit()
    return redirect(url_for(".index"), code=303)


@bp.app_template_global()
def unread_notifications() -> int:
    """For the menu: how many of the signed-in user's notifications are unread."""
    if not current_user.is_authenticated:
        return 0
    return unread_count(current_user._get_current_object())
