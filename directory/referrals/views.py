"""Referral pages: inbox and outbox, the send form, the referral with its timeline and
actions, the printable letter and re-referral after a decline.

Views load, check who may see (404) and who may act (403), call one operation and commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from geopy.distance import geodesic
from sqlalchemy import select
from wtforms import SelectChoice

from directory.auth.models import User
from directory.database import utcnow
from directory.display import distance_text, term_label
from directory.extensions import db
from directory.geo.timezones import zone_info
from directory.idempotency.web import FORM_FIELD, new_form_key, once_per_form, remember
from directory.institutions.models import (
    TAXONOMY_PROBLEMS,
    Service,
    TaxonomyTerm,
)
from directory.querystring import list_page
from directory.referrals import break_glass, operations, states, vocabulary
from directory.referrals.forms import ReferralForm, TransitionForm, choices
from directory.referrals.link_sharing import link_url, qr_svg, whatsapp_url
from directory.referrals.models import Referral, ReferralView
from directory.referrals.privacy import keep_rows_out_of_logs
from directory.request_transactions import writes_on_get
from directory.search.eligibility import CLIENT_SEXES
from directory.search.ranking import Criteria, Origin
from directory.search.service import Query, find_services
from directory.search.why import (
    load_services,
    origin_regions,
    policy_reasons,
    regions_by_code,
    whereabouts,
)

bp = Blueprint("referrals", __name__)
bp.record_once(lambda _state: keep_rows_out_of_logs())

T = TypeVar("T")

BOX_TITLES = {
    operations.BOX_RECEIVED: _l("Rujukan masuk"),
    operations.BOX_SENT: _l("Rujukan keluar"),
}
PER_PAGE = 25

# Operation field names (as in the API) -> fields of ReferralForm.
FORM_FIELDS = {
    "problem_term_ids": "problem_term_ids",
    "urgency": "urgency",
    "reason": "reason",
    "client.reference": "client_reference",
    "client.initials": "client_initials",
    "client.age_group": "client_age_group",
    "client.sex": "client_sex",
    "client.contact": "client_contact",
    "client.safe_contact": "client_safe_contact",
    "consent.given": "consent_given",
    "consent.method": "consent_method",
    "consent.recorded_at": "consent_recorded_at",
    "consent.guardian.given": "guardian_consent_given",
    "consent.guardian.relationship": "guardian_relationship",
}
TRANSITION_FIELDS = {
    "note": "note",
    "reason.code": "reason_code",
    "reason.text": "reason_text",
    "outcome": "result",
    "outcome.result": "result",
    "outcome.reason_not_successful": "reason_not_successful",
    "outcome.service_delivered": "service_delivered",
    "suggested_service": "suggested_service",
}


def user() -> User:
    return current_user._get_current_object()


def visible_or_404(referral_id: uuid.UUID) -> Referral:
    referral = db.session.get(Referral, str(referral_id))
    if referral is None or not referral.can_view(user()):
        abort(404)
    return referral


def local_zone(actor: User) -> tzinfo:
    """The zone a counsellor's clock shows: their organization's first region, else WIB."""
    if actor.organization is not None:
        for location in actor.organization.locations:
            if location.region_code:
                return zone_info(location.region_code)
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def search_url(referral: Referral) -> str:
    """The search page, prefilled: the referral's first problem, services that accept
    referrals, near the sending organization."""
    arguments: dict[str, Any] = {"rujukan": "1"}
    if referral.problem_terms:
        arguments["masalah"] = referral.problem_terms[0].id
    for location in referral.sending_organization.locations:
        if location.region is not None:
            arguments["tempat"] = location.region.name
            break
    return url_for("finder.search", **arguments)


# Boxes


def _box(box: str) -> ResponseReturnValue:
    actor = user()
    status = request.args.get("status")
    if status not in states.STATUSES:
        status = None
    overdue_only = request.args.get("terlambat") == "1"
    now = utcnow()
    statement = operations.visible_referrals(actor, box, status)
    if overdue_only:
        statement = statement.where(
            Referral.status.in_(states.AWAITING_RESPONSE), Referral.due_at < now
        )
    page = db.paginate(
        statement,
        page=list_page(request.args),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "referrals/box.html",
        box=box,
        title=BOX_TITLES[box],
        page=page,
        status=status,
        overdue_only=overdue_only,
        now=now,
        vocabulary=vocabulary,
    )


@bp.get("/rujukan/masuk")
@login_required
def inbox() -> ResponseReturnValue:
    return _box(operations.BOX_RECEIVED)


@bp.get("/rujukan/keluar")
@login_required
def outbox() -> ResponseReturnValue:
    return _box(operations.BOX_SENT)


# Sending


def _problem_choices() -> list[SelectChoice]:
    terms = db.session.scalars(
        select(TaxonomyTerm)
        .where(TaxonomyTerm.taxonomy_id == TAXONOMY_PROBLEMS, TaxonomyTerm.active.is_(True))
        .order_by(TaxonomyTerm.name)
    )
    # In the interface language, in its alphabetical order.
    named = sorted(
        ((term_label(term), term.id) for term in terms), key=lambda pair: pair[0].lower()
    )
    return [SelectChoice(term_id, name) for name, term_id in named]


def _parse_local(raw: str | None, zone: tzinfo) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _draft(form: ReferralForm, zone: tzinfo) -> operations.ReferralDraft:
    return operations.ReferralDraft(
        service_id=form.service_id.data or "",
        problem_term_ids=tuple(form.problem_term_ids.data or ()),
        urgency=form.urgency.data or "",
        reason=form.reason.data or "",
        client=operations.ClientDetails(
            reference=form.client_reference.data or "",
            initials=form.client_initials.data or "",
            age_group=form.client_age_group.data or "",
            sex=form.client_sex.data or "",
            contact=form.client_contact.data,
            safe_contact=form.client_safe_contact.data,
        ),
        consent=operations.Consent(
            given=bool(form.consent_given.data),
            method=form.consent_method.data or "",
            recorded_at=_parse_local(form.consent_recorded_at.data, zone),
            guardian_given=bool(form.guardian_consent_given.data),
            guardian_relationship=form.guardian_relationship.data,
        ),
        previous_referral_id=form.previous_referral_id.data or None,
    )


def _by_id(model: type[T], raw: str | None) -> T | None:
    """The record with this id, or None (also when ``raw`` is no UUID)."""
    try:
        record_id = str(uuid.UUID(raw or ""))
    except ValueError:
        return None
    return db.session.get(model, record_id)


@bp.app_context_processor
def one_time_keys() -> dict[str, object]:
    """``one_time_key()``: the hidden key of a form that sends or acts (see
    :func:`directory.idempotency.web.once_per_form`)."""
    return {"one_time_key": new_form_key, "one_time_key_field": FORM_FIELD}


@bp.route("/rujukan/baru", methods=["GET", "POST"])
@login_required
@once_per_form(lambda **_: url_for("referrals.outbox"))
def new() -> ResponseReturnValue:
    actor = user()
    if not actor.can_send_referrals():
        abort(403)
    form = ReferralForm()
    form.problem_term_ids.choices = _problem_choices()
    raw_service = (
        form.service_id.data if request.method == "POST" else request.args.get("service_id")
    )
    if not raw_service:
        return render_template("referrals/choose_service.html")
    service = _by_id(Service, raw_service)
    if service is None:
        abort(404)
    zone = local_zone(actor)
    previous = None
    raw_previous = (
        form.previous_referral_id.data
        if request.method == "POST"
        else request.args.get("previous_id")
    )
    if raw_previous:
        previous = _by_id(Referral, raw_previous)
        if previous is None or not previous.can_rerefer(actor):
            abort(404)
    status = 200
    if request.method == "GET":
        form.service_id.data = service.id
        form.previous_referral_id.data = previous.id if previous else ""
        form.consent_recorded_at.data = utcnow().astimezone(zone).strftime("%Y-%m-%dT%H:%M")
        if previous is not None:
            form.problem_term_ids.data = [term.id for term in previous.problem_terms]
            form.urgency.data = previous.urgency
    elif form.validate_on_submit():
        try:
            referral = operations.send_referral(_draft(form, zone), actor)
        except operations.ReferralInvalid as error:
            db.session.rollback()
            for name, message in error.messages().items():
                field = getattr(form, FORM_FIELDS.get(name, ""), None)
                if field is None:
                    form.form_errors.append(message)
                else:
                    field.errors = [*field.errors, message]
            status = 400
        else:
            response = redirect(url_for("referrals.show", referral_id=referral.id), code=303)
            remember(response)
            db.session.commit()
            flash(
                _(
                    "Rujukan %(number)s terkirim ke %(org)s.",
                    number=referral.reference_number,
                    org=referral.receiving_organization.name,
                ),
                "success",
            )
            return response
    else:
        status = 400
    accepting = service.status == "active" and service.accepting_referrals
    return (
        render_template(
            "referrals/new.html",
            form=form,
            service=service,
            previous=previous,
            accepting=accepting,
            own_service=service.organization_id == actor.organization_id,
        ),
        status,
    )


# One referral


def _open(referral_id: uuid.UUID, channel: str) -> Referral:
    """Load a visible referral and record the opening (the receiver's first receives it)."""
    referral = visible_or_404(referral_id)
    try:
        operations.open_referral(referral, user(), channel)
        db.session.commit()
    except operations.StaleReferral:
        db.session.rollback()
        referral = visible_or_404(referral_id)
        operations.open_referral(referral, user(), channel)
        db.session.commit()
    return referral


def _action_forms(referral: Referral, actor: User) -> dict[str, TransitionForm]:
    forms = {}
    for action in referral.actions_for(actor):
        if action == states.RECEIVE:
            # Opening the page has received it already; nothing to press.
            continue
        form = TransitionForm(prefix=action, formdata=None)
        form.version.data = referral.version
        if action in vocabulary.REASONS_BY_ACTION:
            form.reason_code.choices = choices(
                vocabulary.REASONS_BY_ACTION[action], blank=_("Pilih alasan...")
            )
        forms[action] = form
    return forms


def _render_referral(
    referral: Referral,
    *,
    forms: dict[str, TransitionForm] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    actor = user()
    now = utcnow()
    client_visible = break_glass.client_visible(referral, actor, now)
    views: Sequence[ReferralView] = []
    if referral.can_see_client(actor) or actor.is_admin:
        views = db.session.scalars(
            select(ReferralView)
            .where(ReferralView.referral_id == referral.id)
            .order_by(ReferralView.opened_at.desc())
            .limit(50)
        ).all()
    return (
        render_template(
            "referrals/show.html",
            referral=referral,
            forms=forms if forms is not None else _action_forms(referral, actor),
            problem=problem,
            now=now,
            can_see_client=client_visible,
            can_break_glass=(
                not client_visible
                and break_glass.needs_break_glass(referral, actor)
                and referral.consent_withdrawn_at is None
                and referral.client_data_purged_at is None
            ),
            break_glass_grant=break_glass.active_grant(referral, actor, now),
            break_glass_accesses=break_glass.accesses_of(referral),
            break_glass_limits=break_glass_limits(),
            can_rerefer=referral.can_rerefer(actor),
            suggested_services=suggested_services(referral),
            can_withdraw_consent=(
                referral.consent_withdrawn_at is None
                and referral.client_data_purged_at is None
                and states.SENDER in referral.sides(actor)
                and actor.is_counsellor
            ),
            views=views,
            vocabulary=vocabulary,
            **_conversation(referral, actor, now),
        ),
        status,
    )


def _conversation(referral: Referral, actor: User, now: datetime) -> dict[str, object]:
    """What the partials of the conversation need: notes, and the sender's partner link."""
    sides = referral.sides(actor)
    sender = states.SENDER in sides
    return {
        "notes": operations.notes_of(referral),
        "can_note": bool(sides) and referral.client_data_purged_at is None,
        "can_link": sender and referral.status in states.AWAITING_RESPONSE,
        "partner_link": operations.active_link(referral, now) if sender else None,
    }


@bp.get("/rujukan/<uuid:referral_id>")
@writes_on_get
@login_required
def show(referral_id: uuid.UUID) -> ResponseReturnValue:
    return _render_referral(_open(referral_id, operations.WEB))


def _transition_request(form: TransitionForm, action: str) -> operations.TransitionRequest:
    outcome = None
    if action in states.OUTCOME_REQUIRED and (form.result.data or form.service_delivered.data):
        delivered = {"yes": True, "no": False}.get(form.service_delivered.data or "")
        outcome = operations.Outcome(
            result=form.result.data or "",
            service_delivered=delivered,
            reason_not_successful=form.reason_not_successful.data,
        )
    with_reason = action in states.REASON_REQUIRED
    return operations.TransitionRequest(
        action=action,
        note=form.note.data,
        reason_code=(form.reason_code.data or None) if with_reason else None,
        reason_text=form.reason_text.data if with_reason else None,
        outcome=outcome,
        expected_version=form.version.data,
        suggested_service=form.suggested_service.data if action == states.DECLINE else None,
    )


def _referral_page(referral_id: uuid.UUID, **_: object) -> str:
    return url_for("referrals.show", referral_id=referral_id)


@bp.post("/rujukan/<uuid:referral_id>/tindakan/<action>")
@login_required
@once_per_form(_referral_page)
def act(referral_id: uuid.UUID, action: str) -> ResponseReturnValue:
    referral = visible_or_404(referral_id)
    actor = user()
    if action not in states.ACTIONS:
        abort(404)
    if states.SIDE_OF_ACTION[action] not in referral.sides(actor):
        abort(403)
    form = TransitionForm(prefix=action)
    if action in vocabulary.REASONS_BY_ACTION:
        form.reason_code.choices = choices(
            vocabulary.REASONS_BY_ACTION[action], blank=_("Pilih alasan...")
        )
    if not form.validate_on_submit():
        return _render_referral(referral, problem=_("Formulir tidak lengkap."), status=400)
    try:
        operations.transition_referral(referral, actor, _transition_request(form, action))
    except states.WrongSide:
        db.session.rollback()
        abort(403)
    except states.IllegalTransition:
        db.session.rollback()
        referral = visible_or_404(referral_id)
        message = _("Tindakan ini tidak dapat dilakukan pada status rujukan sekarang.")
        return _render_referral(referral, problem=message, status=409)
    except operations.StaleReferral:
        db.session.rollback()
        referral = visible_or_404(referral_id)
        message = _(
            "Rujukan ini sudah diubah orang lain sejak Anda membukanya. "
            "Periksa keadaannya sekarang, lalu ulangi bila perlu."
        )
        return _render_referral(referral, problem=message, status=409)
    except operations.ReferralInvalid as error:
        db.session.rollback()
        referral = visible_or_404(referral_id)
        forms = _action_forms(referral, actor)
        failed = forms.get(action)
        if failed is not None:
            failed.process(request.form)
            if action in vocabulary.REASONS_BY_ACTION:
                failed.reason_code.choices = form.reason_code.choices
            for name, message in error.messages().items():
                field = getattr(failed, TRANSITION_FIELDS.get(name, ""), None)
                if field is not None:
                    field.errors = [*(field.errors or []), message]
        return _render_referral(
            referral, forms=forms, problem=_("Periksa isian tindakan."), status=400
        )
    response = redirect(url_for("referrals.show", referral_id=referral.id), code=303)
    remember(response)
    db.session.commit()
    flash(_("Tersimpan: %(what)s.", what=vocabulary.EVENT_LABELS[action]), "success")
    return response


@bp.post("/rujukan/<uuid:referral_id>/cabut-persetujuan")
@login_required
@once_per_form(_referral_page)
def withdraw_consent(referral_id: uuid.UUID) -> ResponseReturnValue:
    """The sender records that the client withdrew consent (CSRF-checked form post)."""
    referral = visible_or_404(referral_id)
    actor = user()
    try:
        operations.withdraw_consent(referral, actor, request.form.get("note"))
    except operations.NotAllowed:
        db.session.rollback()
        abort(403)
    except (operations.ConsentAlreadyWithdrawn, operations.StaleReferral):
        db.session.rollback()
        referral = visible_or_404(referral_id)
        return _render_referral(
            referral, problem=_("Pencabutan persetujuan sudah tercatat."), status=409
        )
    except operations.ReferralInvalid as error:
        db.session.rollback()
        return _render_referral(referral, problem="; ".join(error.messages().values()), status=400)
    response = redirect(url_for("referrals.show", referral_id=referral.id), code=303)
    remember(response)
    db.session.commit()
    flash(_("Tersimpan: persetujuan klien dicabut."), "success")
    return response


@bp.post("/rujukan/<uuid:referral_id>/catatan")
@login_required
@once_per_form(_referral_page)
def add_note(referral_id: uuid.UUID) -> ResponseReturnValue:
    """A note to the other organization (CSRF-checked form post)."""
    referral = visible_or_404(referral_id)
    try:
        operations.add_note(referral, user(), request.form.get("text"))
    except operations.NotAllowed:
        db.session.rollback()
        abort(403)
    except operations.NotesClosed:
        db.session.rollback()
        return _render_referral(
            referral, problem=_("Data klien rujukan ini sudah dihapus."), status=409
        )
    except operations.ReferralInvalid as error:
        db.session.rollback()
        return _render_referral(referral, problem="; ".join(error.messages().values()), status=400)
    response = redirect(url_for("referrals.show", referral_id=referral.id) + "#notes", code=303)
    remember(response)
    db.session.commit()
    flash(_("Catatan terkirim."), "success")
    return response


@bp.post("/rujukan/<uuid:referral_id>/tautan")
@login_required
def create_link(referral_id: uuid.UUID) -> ResponseReturnValue:
    """A partner link for the receiver: shown once, with its WhatsApp share and the letter
    carrying it as a QR code (the token is kept only hashed, so it is never shown again)."""
    referral = visible_or_404(referral_id)
    actor = user()
    try:
        raw, link = operations.create_link(referral, actor)
    except operations.NotAllowed:
        db.session.rollback()
        abort(403)
    except operations.LinkNotOpen:
        db.session.rollback()
        message = _("Tautan hanya untuk rujukan yang masih menunggu jawaban.")
        return _render_referral(referral, problem=message, status=409)
    db.session.commit()
    url = link_url(raw)
    return render_template(
        "referrals/letter.html",
        referral=referral,
        vocabulary=vocabulary,
        now=utcnow(),
        new_link={
            "url": url,
            "expires_at": link.expires_at,
            "whatsapp": whatsapp_url(referral, url),
            "qr": qr_svg(url),
        },
    )


@bp.post("/rujukan/<uuid:referral_id>/tautan/cabut")
@login_required
def revoke_link(referral_id: uuid.UUID) -> ResponseReturnValue:
    referral = visible_or_404(referral_id)
    try:
        operations.revoke_links(referral, user())
    except operations.NotAllowed:
        db.session.rollback()
        abort(403)
    db.session.commit()
    flash(_("Tautan untuk penerima dicabut."), "success")
    return redirect(url_for("referrals.show", referral_id=referral.id), code=303)


def break_glass_limits() -> break_glass.Limits:
    return break_glass.Limits.from_config(current_app.config)


@bp.post("/rujukan/<uuid:referral_id>/akses-darurat")
@login_required
def open_break_glass(referral_id: uuid.UUID) -> ResponseReturnValue:
    """An administrator states why they must read the client data (CSRF-checked form)."""
    referral = visible_or_404(referral_id)
    actor = user()
    limits = break_glass_limits()
    try:
        break_glass.break_glass(
            referral, actor, request.form.get("purpose"), operations.WEB, utcnow(), limits
        )
    except break_glass.BreakGlassNotAllowed:
        db.session.rollback()
        abort(403)
    except break_glass.PurposeInvalid as error:
        db.session.rollback()
        return _render_referral(referral, problem=str(error.message), status=400)
    except break_glass.TooMany as error:
        db.session.commit()
        referral = visible_or_404(referral_id)
        message = _(
            "Batas akses darurat tercapai: paling banyak %(n)s dalam satu jam. Permintaan ini "
            "ditolak, dicatat dan dilaporkan kepada administrator lain.",
            n=error.limit,
        )
        return _render_referral(referral, problem=message, status=429)
    db.session.commit()
    flash(
        _(
            "Akses darurat dicatat. Data klien terbuka untuk Anda selama %(n)s menit.",
            n=int(limits.window.total_seconds() // 60),
        ),
        "success",
    )
    return redirect(url_for("referrals.show", referral_id=referral.id), code=303)


@bp.get("/rujukan/<uuid:referral_id>/surat")
@writes_on_get
@login_required
def letter(referral_id: uuid.UUID) -> ResponseReturnValue:
    referral = visible_or_404(referral_id)
    if not referral.can_see_client(user()):
        abort(403)
    referral = _open(referral_id, operations.LETTER)
    return render_template(
        "referrals/letter.html",
        referral=referral,
        vocabulary=vocabulary,
        now=utcnow(),
        can_link=(
            states.SENDER in referral.sides(user()) and referral.status in states.AWAITING_RESPONSE
        ),
    )


@bp.get("/rujukan/<uuid:referral_id>/rujuk-ulang")
@login_required
def rerefer(referral_id: uuid.UUID) -> ResponseReturnValue:
    referral = visible_or_404(referral_id)
    actor = user()
    if states.SENDER not in referral.sides(actor) or not actor.is_counsellor:
        abort(403)
    if not referral.can_rerefer(actor):
        return _render_referral(
            referral,
            problem=_("Hanya rujukan yang ditolak atau ditarik yang dapat dirujuk ulang."),
            status=409,
        )
    return render_template(
        "referrals/rerefer.html",
        referral=referral,
        alternatives=alternatives(referral, actor),
        distance_text=distance_text,
        search_url=search_url(referral),
    )


def alternatives(referral: Referral, actor: User, limit: int = 20) -> list[dict[str, Any]]:
    """Where to re-refer: first the service the decliner suggested, then services for the
    same problems (any of them), active and accepting referrals, ranked by the policy
    (:mod:`directory.search.policy`) near the client's place (the sending organization's),
    else near the declined service; without the declined organization or the sender's
    own, and only those whose ages admit the client's age group and that are not limited
    to the other sex than the client's (eligibility terms). Each with its distance
    (a safe house: its regency only) and why it ranks there."""
    origin = _client_place(referral)
    excluded = tuple(
        dict.fromkeys((referral.sending_organization_id, referral.receiving_organization_id))
    )
    criteria = Criteria(
        problem_term_ids=tuple(term.id for term in referral.problem_terms),
        statuses=("active",),
        accepting_referrals=True,
        exclude_organization_ids=excluded,
        client_age=vocabulary.AGE_RANGES.get(referral.client_age_group),
        client_sex=referral.client_sex if referral.client_sex in CLIENT_SEXES else None,
    )
    answer = find_services(Query(criteria=criteria, origin=origin, sort="policy", limit=limit))
    suggested = _suggestion(referral)
    items = [item for item in answer.page.items if suggested is None or item.id != suggested.id]
    services = load_services([item.id for item in items])
    regencies = regions_by_code(
        item.place.region_code
        for item in items
        if item.place is not None and item.place.confidential
    )
    regency, province = origin_regions(origin)
    problems = {term.id: term for term in referral.problem_terms}
    found: list[dict[str, Any]] = []
    if suggested is not None:
        distance = _distance_to(origin, suggested)
        found.append(
            {
                "service": suggested,
                "distance": distance_text(distance) if distance is not None else None,
                "why": [],
                "suggested": True,
            }
        )
    for item in items:
        service = services.get(item.id)
        if service is None:
            continue
        found.append(
            {
                "service": service,
                "distance": whereabouts(item, regencies),
                "why": policy_reasons(item, service, problems, regency, province),
                "suggested": False,
            }
        )
    return found


def _suggestion(referral: Referral) -> Service | None:
    """The service suggested with the latest decline, if it is still listed."""
    for event in reversed(referral.events):
        if event.action == states.DECLINE:
            if event.suggested_service_id is None:
                return None
            return db.session.get(Service, event.suggested_service_id)
    return None


def suggested_services(referral: Referral) -> dict[str, Service]:
    """The services suggested on the referral's declines, by id (those still listed)."""
    ids = {event.suggested_service_id for event in referral.events if event.suggested_service_id}
    if not ids:
        return {}
    return {
        service.id: service
        for service in db.session.scalars(select(Service).where(Service.id.in_(ids)))
    }


def _client_place(referral: Referral) -> Origin | None:
    """Where the client is, as far as the referral knows: the sending organization's
    place (its first public location, else its region's reference point), else the
    declined service's."""
    for locations in (referral.sending_organization.locations, referral.service.locations):
        for location in locations:
            if _is_public_point(location):
                point = cast(tuple[float, float], (location.latitude, location.longitude))
                return Origin(*point, location.region_code)
        codes = [location.region_code for location in locations if location.region_code]
        regions = regions_by_code(codes)
        for code in codes:
            region = regions.get(code)
            if region is not None and region.latitude is not None:
                return Origin(region.latitude, region.longitude, code)
    return None


def _distance_to(origin: Origin | None, service: Service) -> float | None:
    """The geodesic distance (km) to the service's nearest public location."""
    if origin is None:
        return None
    distances = [
        geodesic((origin.latitude, origin.longitude), (location.latitude, location.longitude)).km
        for location in service.locations
        if _is_public_point(location)
    ]
    return min(distances) if distances else None


def _is_public_point(location: object) -> bool:
    """A location with coordinates that may be published: a safe house's never is."""
    return (
        not getattr(location, "confidential", True)
        and getattr(location, "latitude", None) is not None
        and getattr(location, "longitude", None) is not None
    )


def _public_point(locations: list) -> tuple[float, float] | None:
    for location in locations:
        if _is_public_point(location):
            return (location.latitude, location.longitude)
    return None
