"""``/admin``: administrators manage the directory and the accounts, and read the audit
trail. Views collect and show; :mod:`directory.admin.operations` decides and records."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import contains_eager

from directory.admin import forms, waiting
from directory.admin import operations as ops
from directory.audit.models import MetadataEntry
from directory.auth.models import ROLES, User
from directory.auth.sessions import admins_only
from directory.database import utcnow
from directory.extensions import db
from directory.institutions.models import (
    SERVICE_STATUSES,
    TAXONOMY_INSTITUTION_TYPES,
    TAXONOMY_PROBLEMS,
    TAXONOMY_SERVICE_TYPES,
    WEEKDAYS,
    Location,
    Organization,
    Service,
    Taxonomy,
    TaxonomyTerm,
)
from directory.listings.models import PENDING as LISTING_PENDING
from directory.listings.models import ListingChange
from directory.public.helpers import SERVICE_STATUS_LABELS
from directory.querystring import list_page
from directory.referrals import break_glass

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 25
MAX_PAGE = 10_000
MAX_SEARCH = 100

ROLE_LABELS = {"admin": _l("Admin"), "counsellor": _l("Konselor"), "partner": _l("Mitra")}
RESOURCE_LABELS = {
    ops.ORGANIZATION: _l("Lembaga"),
    ops.SERVICE: _l("Layanan"),
    ops.LOCATION: _l("Lokasi"),
    ops.TAXONOMY_TERM: _l("Istilah taksonomi"),
    ops.ACCOUNT: _l("Akun"),
}
# Each kind of record: its model and the endpoint of its edit page.
KINDS: dict[str, tuple[type, str]] = {
    "lembaga": (Organization, "admin.organization"),
    "layanan": (Service, "admin.service"),
    "lokasi": (Location, "admin.location"),
    "istilah": (TaxonomyTerm, "admin.term"),
    "akun": (User, "admin.account"),
}
EDIT_ENDPOINTS = {
    ops.ORGANIZATION: "admin.organization",
    ops.SERVICE: "admin.service",
    ops.LOCATION: "admin.location",
    ops.TAXONOMY_TERM: "admin.term",
    ops.ACCOUNT: "admin.account",
}


bp.before_request(admins_only)


def actor() -> User:
    return current_user._get_current_object()


# Helpers


def page_number() -> int:
    return list_page(request.args, maximum=MAX_PAGE)


def search_text() -> str:
    # NUL cannot reach PostgreSQL in a text comparison.
    return (request.args.get("q") or "").replace("\x00", "").strip()[:MAX_SEARCH]


def matching(column: Any, text: str) -> Any:
    return func.lower(column).contains(text.lower(), autoescape=True)


def paged(statement: Select[Any]) -> Pagination:
    return db.paginate(
        statement, page=page_number(), per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False
    )


def get_or_404(model: type, record_id: uuid.UUID | None) -> Any:
    if record_id is None:
        return None
    record = db.session.get(model, str(record_id))
    if record is None:
        abort(404)
    return record


def organization_choices(blank: str | None = None) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Organization.id, Organization.name, Organization.active).order_by(Organization.name)
    )
    options = [(id_, name if active else f"{name} ({_('nonaktif')})") for id_, name, active in rows]
    return [("", blank), *options] if blank is not None else options


def term_choices(taxonomy_id: str) -> list[tuple[str, str]]:
    terms = db.session.scalars(
        select(TaxonomyTerm)
        .where(TaxonomyTerm.taxonomy_id == taxonomy_id)
        .order_by(TaxonomyTerm.name)
    )
    return [(t.id, t.name if t.active else f"{t.name} ({_('nonaktif')})") for t in terms]


def location_choices(organization_id: str | None) -> list[tuple[str, str]]:
    """The locations of one organization (none for a missing or malformed id)."""
    try:
        uuid.UUID(organization_id or "")
    except ValueError:
        return []
    locations = db.session.scalars(
        select(Location)
        .where(Location.organization_id == organization_id)
        .order_by(Location.name, Location.id)
    )
    return [(loc.id, loc.name or _("(tanpa nama)")) for loc in locations]


def show_problems(form: Any, error: ops.RecordInvalid) -> None:
    for name, code in error.fields.items():
        field = getattr(form, name, None)
        message = forms.problem_message(code)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


def history_of(resource_id: str) -> list[MetadataEntry]:
    return list(
        db.session.scalars(
            select(MetadataEntry)
            .where(MetadataEntry.resource_id == resource_id)
            .order_by(MetadataEntry.last_action_date.desc(), MetadataEntry.field_name)
            .limit(30)
        )
    )


def edit_page(
    template: str, form: Any, record: Any, title: str, status: int, **context: Any
) -> ResponseReturnValue:
    return (
        render_template(
            template,
            form=form,
            record=record,
            title=title,
            history=history_of(record.id) if record is not None else [],
            pending_changes=pending_changes_of(record),
            **context,
        ),
        status,
    )


def pending_changes_of(record: Any) -> list[ListingChange]:
    """Partners' changes to this organization's or service's listing that wait for
    review: the edit page says so, so that an administrator does not edit past them."""
    if not isinstance(record, Organization | Service):
        return []
    statement = select(ListingChange).where(ListingChange.status == LISTING_PENDING)
    if isinstance(record, Organization):
        statement = statement.where(ListingChange.organization_id == record.id)
    else:
        statement = statement.where(ListingChange.resource_id == record.id)
    return list(db.session.scalars(statement.order_by(ListingChange.submitted_at)))


def saved(endpoint: str, record_id: str) -> ResponseReturnValue:
    db.session.commit()
    flash(_("Perubahan sudah disimpan."), "success")
    return redirect(url_for(endpoint, record_id=record_id), 303)


def form_status() -> int:
    """400 for a form that comes back (it was not saved), 200 for a first view."""
    return 400 if request.method == "POST" else 200


def try_save(form: Any, save: Callable[[], Any]) -> Any | None:
    """Run ``save``: its record, or ``None`` after rolling back and showing its problems."""
    try:
        return save()
    except ops.RecordInvalid as error:
        db.session.rollback()
        show_problems(form, error)
        return None


def search_list(
    template: str,
    statement: Select[Any],
    conditions: Callable[[str], list[Any]],
    **context: Any,
) -> ResponseReturnValue:
    """A list page: ``statement`` narrowed to rows meeting any of ``conditions(q)``, paged."""
    text = search_text()
    if text:
        statement = statement.where(or_(*conditions(text)))
    return render_template(template, page=paged(statement), q=text, **context)


# Dashboard


@bp.get("")
def dashboard() -> ResponseReturnValue:
    """The administrators' landing page: what waits for them, then every tool."""
    return render_template(
        "admin/dashboard.html",
        endpoints=current_app.view_functions,
        waiting=waiting.waiting(db.session, utcnow()),
        break_glass_days=waiting.BREAK_GLASS_DAYS,
    )


# Organizations


@bp.get("/lembaga")
def organizations() -> ResponseReturnValue:
    return search_list(
        "admin/organizations.html",
        select(Organization).order_by(Organization.name, Organization.id),
        lambda text: [matching(Organization.name, text)],
    )


def _organization_initial(organization: Organization) -> dict[str, Any]:
    return {
        "name": organization.name,
        "description": organization.description,
        "email": organization.email,
        "website": organization.website,
        "legal_status": organization.legal_status,
        "institution_type_id": ops.institution_type_id(organization) or "",
        "phones": "\n".join(phone.number for phone in organization.phones),
    }


@bp.route("/lembaga/baru", methods=["GET", "POST"], defaults={"record_id": None})
@bp.route("/lembaga/<uuid:record_id>", methods=["GET", "POST"])
def organization(record_id: uuid.UUID | None) -> ResponseReturnValue:
    record: Organization | None = get_or_404(Organization, record_id)
    form = forms.OrganizationForm(data=_organization_initial(record) if record else None)
    form.institution_type_id.choices = [
        ("", _("Belum ditentukan")),
        *term_choices(TAXONOMY_INSTITUTION_TYPES),
    ]
    status = form_status()
    if form.validate_on_submit():
        data = ops.OrganizationData(
            name=form.name.data or "",
            description=form.description.data or "",
            email=form.email.data,
            website=form.website.data,
            legal_status=form.legal_status.data,
            institution_type_id=form.institution_type_id.data or None,
            phones=tuple(forms.lines(form.phones.data)),
        )
        saved_record = try_save(form, lambda: ops.save_organization(actor(), data, record))
        if saved_record is not None:
            return saved("admin.organization", saved_record.id)
    title = record.name if record else _("Lembaga baru")
    return edit_page("admin/edit.html", form, record, title, status, kind="lembaga")


# Services


@bp.get("/layanan")
def services() -> ResponseReturnValue:
    return search_list(
        "admin/services.html",
        select(Service)
        .join(Service.organization)
        .options(contains_eager(Service.organization))
        .order_by(Service.name, Service.id),
        lambda text: [matching(Service.name, text), matching(Organization.name, text)],
        statuses=SERVICE_STATUS_LABELS,
    )


def _service_initial(service: Service) -> dict[str, Any]:
    state = ops.service_state(service)
    initial: dict[str, Any] = {
        "organization_id": service.organization_id,
        "name": service.name,
        "description": service.description,
        "status": service.status,
        "fees_description": service.fees_description,
        "languages": ", ".join(forms.lines(state["languages"])),
        "accepting_referrals": service.accepting_referrals,
        "capacity_note": service.capacity_note,
        "service_type_ids": forms.lines(state["service_types"]),
        "problem_ids": forms.lines(state["problems"]),
        "region_codes": "\n".join(forms.lines(state["service_areas"])),
        "location_ids": forms.lines(state["locations"]),
    }
    for day, (opens_at, closes_at) in ops.weekly_hours(service).items():
        initial[f"opens_{day}"] = f"{opens_at:%H:%M}"
        initial[f"closes_{day}"] = f"{closes_at:%H:%M}"
    return initial


def _service_data(form: forms.ServiceForm) -> ops.ServiceData:
    hours = tuple(
        ops.WeekdayHours(day, opens, closes)
        for day in WEEKDAYS
        if (opens := forms.parse_clock(form[f"opens_{day}"].data))
        and (closes := forms.parse_clock(form[f"closes_{day}"].data))
    )
    return ops.ServiceData(
        organization_id=form.organization_id.data or "",
        name=form.name.data or "",
        description=form.description.data or "",
        status=form.status.data or "",
        fees_description=form.fees_description.data,
        languages=tuple(forms.lines(form.languages.data)),
        accepting_referrals=bool(form.accepting_referrals.data),
        capacity_note=form.capacity_note.data,
        service_type_ids=tuple(form.service_type_ids.data or ()),
        problem_ids=tuple(form.problem_ids.data or ()),
        region_codes=tuple(forms.lines(form.region_codes.data)),
        hours=hours,
        location_ids=tuple(form.location_ids.data or ()),
    )


@bp.route("/layanan/baru", methods=["GET", "POST"], defaults={"record_id": None})
@bp.route("/layanan/<uuid:record_id>", methods=["GET", "POST"])
def service(record_id: uuid.UUID | None) -> ResponseReturnValue:
    record: Service | None = get_or_404(Service, record_id)
    initial = _service_initial(record) if record else {"status": "active"}
    if record is None and request.args.get("organization_id"):
        initial["organization_id"] = request.args["organization_id"][:64]
    form = forms.ServiceForm(data=initial)
    form.organization_id.choices = organization_choices(_("Pilih lembaga..."))
    form.status.choices = [(s, str(SERVICE_STATUS_LABELS[s])) for s in SERVICE_STATUSES]
    form.service_type_ids.choices = term_choices(TAXONOMY_SERVICE_TYPES)
    form.problem_ids.choices = term_choices(TAXONOMY_PROBLEMS)
    form.location_ids.choices = location_choices(form.organization_id.data)
    status = form_status()
    if form.validate_on_submit():
        saved_record = try_save(
            form, lambda: ops.save_service(actor(), _service_data(form), record)
        )
        if saved_record is not None:
            return saved("admin.service", saved_record.id)
    title = record.name if record else _("Layanan baru")
    return edit_page(
        "admin/edit.html", form, record, title, status, kind="layanan", days=forms.WEEKDAY_LABELS
    )


# Locations


@bp.get("/lokasi")
def locations() -> ResponseReturnValue:
    return search_list(
        "admin/locations.html",
        select(Location)
        .outerjoin(Location.organization)
        .options(contains_eager(Location.organization))
        .order_by(Location.name, Location.id),
        lambda text: [
            matching(Location.name, text),
            matching(Organization.name, text),
            Location.region_code.startswith(text, autoescape=True),
        ],
    )


def _location_initial(location: Location) -> dict[str, Any]:
    return {
        "organization_id": location.organization_id,
        "name": location.name,
        "address": location.addresses[0].address_1 if location.addresses else "",
        "region_code": location.region_code,
        "latitude": "" if location.latitude is None else str(location.latitude),
        "longitude": "" if location.longitude is None else str(location.longitude),
        "confidential": location.confidential,
    }


@bp.route("/lokasi/baru", methods=["GET", "POST"], defaults={"record_id": None})
@bp.route("/lokasi/<uuid:record_id>", methods=["GET", "POST"])
def location(record_id: uuid.UUID | None) -> ResponseReturnValue:
    record: Location | None = get_or_404(Location, record_id)
    initial = _location_initial(record) if record else {}
    if record is None and request.args.get("organization_id"):
        initial["organization_id"] = request.args["organization_id"][:64]
    form = forms.LocationForm(data=initial)
    form.organization_id.choices = organization_choices(_("Pilih lembaga..."))
    status = form_status()
    if form.validate_on_submit():
        data = ops.LocationData(
            organization_id=form.organization_id.data or "",
            name=form.name.data or "",
            address=form.address.data or "",
            region_code=(form.region_code.data or "").strip(),
            latitude=forms.parse_coordinate(form.latitude.data),
            longitude=forms.parse_coordinate(form.longitude.data),
            confidential=bool(form.confidential.data),
        )
        saved_record = try_save(form, lambda: ops.save_location(actor(), data, record))
        if saved_record is not None:
            return saved("admin.location", saved_record.id)
    title = (record.name or _("Lokasi")) if record else _("Lokasi baru")
    return edit_page("admin/edit.html", form, record, title, status, kind="lokasi")


# Taxonomy terms


@bp.get("/istilah")
def terms() -> ResponseReturnValue:
    return search_list(
        "admin/terms.html",
        select(TaxonomyTerm)
        .outerjoin(TaxonomyTerm.taxonomy)
        .options(contains_eager(TaxonomyTerm.taxonomy))
        .order_by(Taxonomy.name, TaxonomyTerm.name, TaxonomyTerm.id),
        lambda text: [
            matching(TaxonomyTerm.name, text),
            matching(TaxonomyTerm.name_en, text),
            matching(TaxonomyTerm.code, text),
        ],
    )


@bp.route("/istilah/baru", methods=["GET", "POST"], defaults={"record_id": None})
@bp.route("/istilah/<uuid:record_id>", methods=["GET", "POST"])
def term(record_id: uuid.UUID | None) -> ResponseReturnValue:
    record: TaxonomyTerm | None = get_or_404(TaxonomyTerm, record_id)
    initial = (
        {
            "taxonomy_id": record.taxonomy_id,
            "parent_id": record.parent_id or "",
            "code": record.code,
            "name": record.name,
            "name_en": record.name_en,
        }
        if record
        else None
    )
    form = forms.TermForm(data=initial)
    taxonomies = db.session.scalars(select(Taxonomy).order_by(Taxonomy.name)).all()
    form.taxonomy_id.choices = [(t.id, t.name) for t in taxonomies]
    names = {t.id: t.name for t in taxonomies}
    parents = db.session.scalars(
        select(TaxonomyTerm).order_by(TaxonomyTerm.taxonomy_id, TaxonomyTerm.name)
    )
    form.parent_id.choices = [
        ("", _("Tidak ada (istilah teratas)")),
        *[(p.id, f"{names.get(p.taxonomy_id or '', '-')}: {p.name}") for p in parents],
    ]
    status = form_status()
    if form.validate_on_submit():
        data = ops.TermData(
            taxonomy_id=form.taxonomy_id.data or "",
            name=form.name.data or "",
            name_en=form.name_en.data,
            code=form.code.data,
            parent_id=form.parent_id.data or None,
        )
        saved_record = try_save(form, lambda: ops.save_term(actor(), data, record))
        if saved_record is not None:
            return saved("admin.term", saved_record.id)
    title = record.name if record else _("Istilah baru")
    return edit_page("admin/edit.html", form, record, title, status, kind="istilah")


# Accounts


@bp.get("/akun")
def accounts() -> ResponseReturnValue:
    return search_list(
        "admin/accounts.html",
        select(User).outerjoin(User.organization).order_by(User.email),
        lambda text: [
            matching(User.email, text),
            matching(User.name, text),
            matching(Organization.name, text),
        ],
        roles=ROLE_LABELS,
    )


def _account_choices(form: forms.AccountForm) -> None:
    form.role.choices = [(role, str(ROLE_LABELS[role])) for role in ROLES]
    form.organization_id.choices = organization_choices(_("Tidak ada (admin)"))


@bp.route("/akun/baru", methods=["GET", "POST"])
def new_account() -> ResponseReturnValue:
    form = forms.NewAccountForm(data={"role": "counsellor"})
    _account_choices(form)
    status = form_status()
    if form.validate_on_submit():
        user = try_save(
            form,
            lambda: ops.create_account(
                actor(),
                email=form.email.data or "",
                name=form.name.data or "",
                role=form.role.data or "",
                password=form.password.data or "",
                organization_id=form.organization_id.data or None,
            ),
        )
        if user is not None:
            return saved("admin.account", user.id)
    return edit_page("admin/edit.html", form, None, _("Akun baru"), status, kind="akun")


@bp.route("/akun/<uuid:record_id>", methods=["GET", "POST"])
def account(record_id: uuid.UUID) -> ResponseReturnValue:
    user: User = get_or_404(User, record_id)
    form = forms.AccountForm(
        data={"name": user.name, "role": user.role, "organization_id": user.organization_id or ""}
    )
    _account_choices(form)
    status = form_status()

    def update() -> User:
        ops.update_account(
            actor(),
            user,
            name=form.name.data or "",
            role=form.role.data or "",
            organization_id=form.organization_id.data or None,
        )
        return user

    if form.validate_on_submit() and try_save(form, update) is not None:
        return saved("admin.account", user.id)
    return edit_page(
        "admin/account.html",
        form,
        user,
        user.email,
        status,
        kind="akun",
        password_form=forms.PasswordResetForm(prefix="reset"),
    )


@bp.post("/akun/<uuid:record_id>/kata-sandi")
def reset_password(record_id: uuid.UUID) -> ResponseReturnValue:
    user: User = get_or_404(User, record_id)
    password_form = forms.PasswordResetForm(prefix="reset")

    def reset() -> User:
        ops.reset_password(
            actor(),
            user,
            password_form.password.data or "",
            minimum_length=int(current_app.config["PASSWORD_MIN_LENGTH"]),
        )
        return user

    if password_form.validate_on_submit() and try_save(password_form, reset) is not None:
        db.session.commit()
        flash(
            _("Kata sandi sudah diganti; sesi dan token API akun ini sudah diakhiri."),
            "success",
        )
        return redirect(url_for("admin.account", record_id=user.id), 303)
    form = forms.AccountForm(
        formdata=None,
        data={"name": user.name, "role": user.role, "organization_id": user.organization_id or ""},
    )
    _account_choices(form)
    return edit_page(
        "admin/account.html", form, user, user.email, 400, kind="akun", password_form=password_form
    )


# Deactivate, reactivate, delete


def _term_switch(active: bool) -> Callable[[User, TaxonomyTerm], None]:
    return lambda who, term: ops.set_term_active(who, term, active)


def _account_switch(active: bool) -> Callable[[User, User], None]:
    return lambda who, user: ops.set_account_active(who, user, active)


ACTIONS: dict[tuple[str, str], Callable[[User, Any], None]] = {
    ("lembaga", "nonaktifkan"): ops.deactivate_organization,
    ("lembaga", "aktifkan"): ops.reactivate_organization,
    ("lembaga", "hapus"): ops.delete_organization,
    ("layanan", "nonaktifkan"): ops.deactivate_service,
    ("layanan", "aktifkan"): ops.reactivate_service,
    ("layanan", "hapus"): ops.delete_service,
    ("lokasi", "hapus"): ops.delete_location,
    ("istilah", "nonaktifkan"): _term_switch(False),
    ("istilah", "aktifkan"): _term_switch(True),
    ("istilah", "hapus"): ops.delete_term,
    ("akun", "nonaktifkan"): _account_switch(False),
    ("akun", "aktifkan"): _account_switch(True),
    ("akun", "hapus"): ops.delete_account,
}
DONE = {
    "nonaktifkan": _l("Sudah dinonaktifkan."),
    "aktifkan": _l("Sudah diaktifkan kembali."),
    "hapus": _l("Sudah dihapus."),
}
LIST_ENDPOINTS = {
    "lembaga": "admin.organizations",
    "layanan": "admin.services",
    "lokasi": "admin.locations",
    "istilah": "admin.terms",
    "akun": "admin.accounts",
}


@bp.post("/<any(lembaga, layanan, lokasi, istilah, akun):kind>/<uuid:record_id>/<action>")
def act(kind: str, record_id: uuid.UUID, action: str) -> ResponseReturnValue:
    operation = ACTIONS.get((kind, action))
    if operation is None:
        abort(404)
    model, edit_endpoint = KINDS[kind]
    record = get_or_404(model, record_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    back = url_for(edit_endpoint, record_id=record.id)
    try:
        operation(actor(), record)
    except ops.StillReferenced:
        db.session.rollback()
        flash(
            _("Tidak dapat dihapus karena masih dirujuk oleh data lain. Nonaktifkan saja."),
            "error",
        )
        return redirect(back, 303)
    except ops.RecordInvalid as error:
        db.session.rollback()
        flash(", ".join(forms.problem_message(code) for code in error.fields.values()), "error")
        return redirect(back, 303)
    db.session.commit()
    flash(str(DONE[action]), "success")
    return redirect(url_for(LIST_ENDPOINTS[kind]) if action == "hapus" else back, 303)


# Audit trail


@bp.get("/akses-darurat")
def break_glass_report() -> ResponseReturnValue:
    """Every administrator's break-glass grant and refusal, newest first."""
    return render_template("admin/break_glass.html", page=paged(break_glass.report()))


AUDIT_FILTERS = ("resource_type", "organization_id", "account", "date_from", "date_to")


def _day_start(day: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


@bp.get("/jejak-audit")
def audit() -> ResponseReturnValue:
    form = forms.AuditFilterForm(request.args)
    recorded = db.session.scalars(select(MetadataEntry.resource_type).distinct())
    form.resource_type.choices = [
        ("", _("Semua")),
        *[(kind, str(label)) for kind, label in RESOURCE_LABELS.items()],
        *[(kind, kind) for kind in sorted(set(recorded) - set(RESOURCE_LABELS))],
    ]
    form.organization_id.choices = organization_choices(_("Semua"))
    statement = select(MetadataEntry).order_by(
        MetadataEntry.last_action_date.desc(), MetadataEntry.resource_id, MetadataEntry.field_name
    )
    status = 200
    if not form.validate():
        status = 400
        statement = statement.where(false())
    else:
        if form.resource_type.data:
            statement = statement.where(MetadataEntry.resource_type == form.resource_type.data)
        if form.organization_id.data:
            statement = statement.where(MetadataEntry.organization_id == form.organization_id.data)
        account = (form.account.data or "").replace("\x00", "").strip()
        if account:
            statement = statement.where(matching(MetadataEntry.updated_by, account))
        if start := forms.parse_day(form.date_from.data):
            statement = statement.where(MetadataEntry.last_action_date >= _day_start(start))
        if end := forms.parse_day(form.date_to.data):
            statement = statement.where(
                MetadataEntry.last_action_date < _day_start(end) + timedelta(days=1)
            )
    page = paged(statement)
    organization_names = dict(
        db.session.execute(
            select(Organization.id, Organization.name).where(
                Organization.id.in_({e.organization_id for e in page.items if e.organization_id})
            )
        ).all()
    )
    filters = {name: request.args[name] for name in AUDIT_FILTERS if request.args.get(name)}
    return (
        render_template(
            "admin/audit.html",
            form=form,
            page=page,
            filters=filters,
            organization_names=organization_names,
            resource_labels=RESOURCE_LABELS,
            edit_endpoints=EDIT_ENDPOINTS,
        ),
        status,
    )
