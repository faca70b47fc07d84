"""Listing pages: ``/lembaga-saya`` where an organization's staff keep its listing, and
``/admin/tinjauan``, the administrators' review queue.

Who keeps a listing: the active partners and counsellors of the organization (an LK3 is
listed too, and its counsellors are its staff). Administrators belong to no organization
and review instead. Views load, check (403 for the wrong kind of account, 404 for another
organization's record), call one operation and commit.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from directory.auth.models import User
from directory.database import utcnow
from directory.extensions import db
from directory.institutions.models import Organization, Service
from directory.listings import fields, operations, stale
from directory.listings.forms import (
    FIELD_HINTS,
    FIELD_LABELS,
    ApproveForm,
    AvailabilityForm,
    ConfirmForm,
    OrganizationListingForm,
    RejectForm,
    ServiceListingForm,
)
from directory.listings.models import APPROVED, REJECTED, ListingChange
from directory.querystring import list_page

bp = Blueprint("listings", __name__)

PER_PAGE = 25
RECENTLY_REVIEWED = 10


def user() -> User:
    return current_user._get_current_object()


def own_organization() -> Organization:
    """The signed-in user's organization, if they keep its listing (else 403)."""
    actor = user()
    if not operations.can_keep_listing(actor, actor.organization_id):
        abort(403)
    organization = db.session.get(Organization, actor.organization_id)
    if organization is None:
        abort(404)
    return organization


def own_service(organization: Organization, service_id: uuid.UUID) -> Service:
    service = db.session.get(Service, str(service_id))
    if service is None or service.organization_id != organization.id:
        abort(404)
    return service


def record_names(changes: list[ListingChange]) -> dict[str, str]:
    """Each change's record, by name (the organization's name for its own fields)."""
    names = {}
    for change in changes:
        record = operations.record_of(change)
        names[change.id] = record.name if record is not None else _("(sudah tidak ada)")
    return names


# The organization's staff


def _render_overview(
    organization: Organization,
    *,
    availability: dict[str, AvailabilityForm] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    forms = availability or {}
    for service in organization.services:
        if service.id not in forms:
            form = AvailabilityForm(formdata=None)
            form.capacity_note.data = service.capacity_note or ""
            form.accepting_referrals.data = service.accepting_referrals
            forms[service.id] = form
    pending = list(db.session.scalars(operations.pending_changes(organization.id)))
    reviewed = list(
        db.session.scalars(
            select(ListingChange)
            .where(
                ListingChange.organization_id == organization.id,
                ListingChange.status.in_((APPROVED, REJECTED)),
            )
            .order_by(ListingChange.reviewed_at.desc(), ListingChange.id)
            .limit(RECENTLY_REVIEWED)
        )
    )
    return (
        render_template(
            "listings/overview.html",
            organization=organization,
            verification=stale.verification_of(organization, utcnow()),
            availability=forms,
            pending=pending,
            reviewed=reviewed,
            names=record_names(pending + reviewed),
            labels=FIELD_LABELS,
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.get(stale.OVERVIEW_PATH)
@login_required
def overview() -> ResponseReturnValue:
    return _render_overview(own_organization())


@bp.post("/lembaga-saya/layanan/<uuid:service_id>/ketersediaan")
@login_required
def availability(service_id: uuid.UUID) -> ResponseReturnValue:
    organization = own_organization()
    service = own_service(organization, service_id)
    form = AvailabilityForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = operations.update_availability(
            service,
            user(),
            capacity_note=form.capacity_note.data,
            accepting_referrals=bool(form.accepting_referrals.data),
        )
    except fields.FieldsInvalid as error:
        db.session.rollback()
        for name, message in error.messages().items():
            form[name].errors = [message]
        return _render_overview(organization, availability={service.id: form}, status=400)
    db.session.commit()
    if changed:
        flash(_("Tersimpan: ketersediaan %(service)s.", service=service.name), "success")
    else:
        flash(_("Tidak ada yang berubah."), "info")
    return redirect(url_for(".overview", _anchor=f"layanan-{service.id}"), code=303)


def _edit(
    record: Organization | Service, form: FlaskForm, template_title: str
) -> ResponseReturnValue:
    specs = fields.FIELDS_BY_TYPE[fields.resource_type_of(record)]
    status = 200
    if not form.is_submitted():
        form.process(data=fields.read_all(record, specs))
    elif not form.validate():
        abort(400)
    else:
        try:
            change = operations.propose_change(
                record, user(), {name: form[name].data for name in specs}
            )
        except fields.FieldsInvalid as error:
            db.session.rollback()
            for name, message in error.messages().items():
                form[name].errors = [message]
            status = 400
        else:
            db.session.commit()
            if change is None:
                flash(_("Tidak ada yang berubah."), "info")
            else:
                flash(
                    _("Usulan perubahan terkirim dan menunggu tinjauan admin."),
                    "success",
                )
            return redirect(url_for(".overview"), code=303)
    pending = [
        change
        for change in db.session.scalars(operations.pending_changes(user().organization_id))
        if change.resource_id == record.id
    ]
    return (
        render_template(
            "listings/edit.html",
            form=form,
            record=record,
            title=template_title,
            hints=FIELD_HINTS,
            pending=pending,
            labels=FIELD_LABELS,
        ),
        status,
    )


@bp.route("/lembaga-saya/ubah", methods=["GET", "POST"])
@login_required
def edit_organization() -> ResponseReturnValue:
    organization = own_organization()
    return _edit(organization, OrganizationListingForm(), _("Ubah data lembaga"))


@bp.route("/lembaga-saya/layanan/<uuid:service_id>/ubah", methods=["GET", "POST"])
@login_required
def edit_service(service_id: uuid.UUID) -> ResponseReturnValue:
    service = own_service(own_organization(), service_id)
    return _edit(service, ServiceListingForm(), _("Ubah data layanan"))


@bp.post("/lembaga-saya/verifikasi")
@login_required
def verify() -> ResponseReturnValue:
    organization = own_organization()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.verify_listing(organization, user())
    db.session.commit()
    flash(_("Terima kasih: data lembaga tercatat masih benar hari ini."), "success")
    return redirect(url_for(".overview"), code=303)


@bp.post("/lembaga-saya/usulan/<uuid:change_id>/tarik")
@login_required
def withdraw(change_id: uuid.UUID) -> ResponseReturnValue:
    organization = own_organization()
    change = db.session.get(ListingChange, str(change_id))
    if change is None or change.organization_id != organization.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.withdraw_change(change, user())
    except operations.ChangeClosed:
        flash(_("Usulan ini sudah ditinjau atau ditarik."), "error")
    else:
        db.session.commit()
        flash(_("Usulan perubahan ditarik."), "success")
    return redirect(url_for(".overview"), code=303)


# The administrators' review queue


def reviewable(change_id: uuid.UUID) -> ListingChange:
    if not user().is_admin:
        abort(403)
    change = db.session.get(ListingChange, str(change_id))
    if change is None:
        abort(404)
    return change


@bp.get("/admin/tinjauan")
@login_required
def queue() -> ResponseReturnValue:
    if not user().is_admin:
        abort(403)
    page = db.paginate(
        operations.pending_changes(),
        page=list_page(request.args),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
        error_out=False,
    )
    changes = list(page.items)
    return render_template(
        "listings/queue.html",
        page=page,
        names=record_names(changes),
        conflicted={change.id for change in changes if operations.conflicts(change)},
        labels=FIELD_LABELS,
    )


def _render_review(
    change: ListingChange,
    *,
    approve_form: ApproveForm | None = None,
    reject_form: RejectForm | None = None,
    problem: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return (
        render_template(
            "listings/review.html",
            change=change,
            name=record_names([change])[change.id],
            current=operations.current_values(change),
            conflicts=operations.conflicts(change) if change.status == "pending" else {},
            approve_form=approve_form or ApproveForm(formdata=None),
            reject_form=reject_form or RejectForm(formdata=None),
            labels=FIELD_LABELS,
            problem=problem,
        ),
        status,
    )


@bp.get("/admin/tinjauan/<uuid:change_id>")
@login_required
def review(change_id: uuid.UUID) -> ResponseReturnValue:
    return _render_review(reviewable(change_id))


@bp.post("/admin/tinjauan/<uuid:change_id>/setujui")
@login_required
def approve(change_id: uuid.UUID) -> ResponseReturnValue:
    change = reviewable(change_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        operations.approve_change(change, user(), overwrite=bool(form.overwrite.data))
    except operations.ChangeClosed:
        flash(_("Usulan ini sudah ditinjau atau ditarik."), "error")
        return redirect(url_for(".queue"), code=303)
    except operations.ChangeConflict:
        db.session.rollback()
        problem = _(
            "Data ini sudah berubah sejak usulan dibuat. Bandingkan nilai sekarang, lalu "
            "terapkan juga atau tolak usulan ini."
        )
        return _render_review(change, approve_form=form, problem=problem, status=409)
    db.session.commit()
    flash(_("Usulan disetujui dan diterapkan."), "success")
    return redirect(url_for(".queue"), code=303)


@bp.post("/admin/tinjauan/<uuid:change_id>/tolak")
@login_required
def reject(change_id: uuid.UUID) -> ResponseReturnValue:
    change = reviewable(change_id)
    form = RejectForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        operations.reject_change(change, user(), form.note.data or "")
    except operations.ChangeClosed:
        flash(_("Usulan ini sudah ditinjau atau ditarik."), "error")
        return redirect(url_for(".queue"), code=303)
    except fields.FieldsInvalid as error:
        form.note.errors = [error.messages()["note"]]
        return _render_review(change, reject_form=form, status=400)
    db.session.commit()
    flash(_("Usulan ditolak; pengusul diberi tahu."), "success")
    return redirect(url_for(".queue"), code=303)
