"""Referral use cases: send, open, act. Each checks, changes, records an event and
notifications, and flushes; the caller commits once, so a refusal stores nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, false, or_, select
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.exc import StaleDataError

from directory.auth.models import User
from directory.database import utcnow
from directory.extensions import db
from directory.geo.timezones import zone_info
from directory.institutions.models import TAXONOMY_PROBLEMS, Organization, Service, TaxonomyTerm
from directory.notifications.operations import notify_referral_event
from directory.referrals import states, vocabulary
from directory.referrals.deadlines import (
    holidays_from_config,
    response_due_at,
    rules_from_config,
)
from directory.referrals.models import Referral, ReferralEvent, ReferralView

# A consent recorded "in the future" by less than this is a clock difference, not an error.
CLOCK_TOLERANCE = timedelta(minutes=5)

WEB = "web"
API = "api"
LETTER = "letter"


class ReferralInvalid(Exception):
    """What is wrong, per field (named as in the API: ``client.initials``).

    The reasons are lazy translations: ``str()`` them where a request gives the language.
    """

    def __init__(self, fields: Mapping[str, object]) -> None:
        super().__init__(", ".join(fields))
        self.fields = dict(fields)

    def messages(self) -> dict[str, str]:
        return {name: str(problem) for name, problem in self.fields.items()}


class NotAllowed(Exception):
    """The actor may not do this at all (a partner sending a referral, say)."""


class StaleReferral(Exception):
    """Someone changed the referral since the actor last saw it."""


@dataclass(frozen=True)
class ClientDetails:
    reference: str
    initials: str
    age_group: str
    sex: str
    contact: str | None = None
    safe_contact: str | None = None


@dataclass(frozen=True)
class Consent:
    given: bool
    method: str
    recorded_at: datetime | None
    guardian_given: bool | None = None
    guardian_relationship: str | None = None


@dataclass(frozen=True)
class ReferralDraft:
    service_id: str
    problem_term_ids: tuple[str, ...]
    urgency: str
    reason: str
    client: ClientDetails
    consent: Consent
    previous_referral_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    result: str
    service_delivered: bool | None
    reason_not_successful: str | None = None


@dataclass(frozen=True)
class TransitionRequest:
    action: str
    note: str | None = None
    reason_code: str | None = None
    reason_text: str | None = None
    outcome: Outcome | None = None
    # The version the actor saw; another one means someone acted in between.
    expected_version: int | None = None


REQUIRED = _l("Wajib diisi.")


def _too_long(limit: int) -> object:
    return _l("Terlalu panjang: paling banyak %(n)d karakter.", n=limit)


def _clean(value: str | None) -> str | None:
    """Trimmed text, or None when empty."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


def _check_text(
    problems: dict[str, object], name: str, value: str | None, limit: int, *, required: bool
) -> None:
    if value is None:
        if required:
            problems[name] = REQUIRED
    elif len(value) > limit:
        problems[name] = _too_long(limit)


def _check_choice(
    problems: dict[str, object], name: str, value: str | None, choices: Mapping[str, object]
) -> None:
    if not value:
        problems[name] = REQUIRED
    elif value not in choices:
        problems[name] = _l("Pilihan tidak dikenal. Yang sah: %(codes)s.", codes=", ".join(choices))


def _check_client_and_consent(
    problems: dict[str, object], draft: ReferralDraft, now: datetime
) -> None:
    client, consent = draft.client, draft.consent
    _check_text(
        problems,
        "client.reference",
        _clean(client.reference),
        vocabulary.MAX_REFERENCE,
        required=True,
    )
    _check_text(
        problems,
        "client.initials",
        _clean(client.initials),
        vocabulary.MAX_INITIALS,
        required=True,
    )
    _check_choice(problems, "client.age_group", client.age_group, vocabulary.AGE_GROUPS)
    _check_choice(problems, "client.sex", client.sex, vocabulary.SEXES)
    _check_text(
        problems, "client.contact", _clean(client.contact), vocabulary.MAX_CONTACT, required=False
    )
    _check_text(
        problems,
        "client.safe_contact",
        _clean(client.safe_contact),
        vocabulary.MAX_SAFE_CONTACT,
        required=False,
    )
    if consent.given is not True:
        problems["consent.given"] = _l(
            "Rujukan hanya dapat dikirim dengan persetujuan klien yang tercatat."
        )
    _check_choice(problems, "consent.method", consent.method, vocabulary.CONSENT_METHODS)
    if consent.recorded_at is None:
        problems["consent.recorded_at"] = REQUIRED
    elif consent.recorded_at.tzinfo is None:
        problems["consent.recorded_at"] = _l("Sertakan zona waktu (mis. +07:00).")
    elif consent.recorded_at > now + CLOCK_TOLERANCE:
        problems["consent.recorded_at"] = _l("Waktu persetujuan tidak boleh di masa depan.")
    if client.age_group in vocabulary.CHILD_AGE_GROUPS:
        if consent.guardian_given is not True:
            problems["consent.guardian.given"] = _l(
                "Untuk klien anak, persetujuan orang tua atau wali wajib tercatat."
            )
        _check_text(
            problems,
            "consent.guardian.relationship",
            _clean(consent.guardian_relationship),
            vocabulary.MAX_RELATIONSHIP,
            required=True,
        )
    elif consent.guardian_relationship is not None:
        _check_text(
            problems,
            "consent.guardian.relationship",
            _clean(consent.guardian_relationship),
            vocabulary.MAX_RELATIONSHIP,
            required=False,
        )


def _check_service(problems: dict[str, object], service_id: str, actor: User) -> Service | None:
    if not service_id:
        problems["service_id"] = REQUIRED
        return None
    if not _is_uuid(service_id):
        problems["service_id"] = _l("Bukan UUID yang sah.")
        return None
    # Its taxonomy attributes (a query of their own) are not needed here.
    service = db.session.get(Service, service_id, options=[lazyload(Service.attributes)])
    if service is None:
        problems["service_id"] = _l("Layanan ini tidak ada.")
    elif service.status != "active" or not service.accepting_referrals:
        problems["service_id"] = _l("Layanan ini sedang tidak menerima rujukan.")
    elif service.organization_id == actor.organization_id:
        problems["service_id"] = _l("Layanan ini milik lembaga Anda sendiri.")
    else:
        return service
    return None


def _check_problem_terms(
    problems: dict[str, object], term_ids: tuple[str, ...]
) -> list[TaxonomyTerm]:
    if not term_ids:
        problems["problem_term_ids"] = _l("Pilih paling sedikit satu masalah.")
        return []
    if len(term_ids) > vocabulary.MAX_PROBLEM_TERMS:
        problems["problem_term_ids"] = _l(
            "Paling banyak %(n)d masalah.", n=vocabulary.MAX_PROBLEM_TERMS
        )
        return []
    if not all(_is_uuid(term_id) for term_id in term_ids):
        problems["problem_term_ids"] = _l("Setiap id harus UUID yang sah.")
        return []
    wanted = set(term_ids)
    terms = db.session.scalars(
        select(TaxonomyTerm).where(
            TaxonomyTerm.id.in_(wanted), TaxonomyTerm.taxonomy_id == TAXONOMY_PROBLEMS
        )
    ).all()
    if len(terms) != len(wanted):
        problems["problem_term_ids"] = _l("Ada id yang bukan istilah dari taksonomi masalah.")
        return []
    return sorted(terms, key=lambda term: term.name)


def _check_previous(
    problems: dict[str, object], previous_id: str | None, actor: User
) -> Referral | None:
    if previous_id is None:
        return None
    previous = db.session.get(Referral, previous_id) if _is_uuid(previous_id) else None
    if previous is None or not previous.can_rerefer(actor):
        problems["previous_referral_id"] = _l(
            "Hanya rujukan lembaga Anda yang ditolak atau ditarik yang dapat dirujuk ulang."
        )
        return None
    return previous


def receiver_zone(service: Service) -> tzinfo:
    """The time zone of the service's first location with a region, else the app's."""
    for location in service.locations:
        if location.region_code:
            return zone_info(location.region_code)
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def due_at_for(service: Service, urgency: str, sent_at: datetime) -> datetime:
    config = current_app.config
    rule = rules_from_config(config["REFERRAL_RESPONSE_DEADLINES"])[urgency]
    holidays = holidays_from_config(config["REFERRAL_HOLIDAYS"])
    return response_due_at(sent_at, rule, receiver_zone(service), holidays)


def _organization(organization_id: str) -> Organization:
    """An organization, without its taxonomy attributes (a query of their own)."""
    return db.session.get_one(
        Organization, organization_id, options=[lazyload(Organization.attributes)]
    )


def send_referral(
    draft: ReferralDraft, actor: User, now: datetime | None = None, channel: str = WEB
) -> Referral:
    """Create a referral, its first event and the receiver's notifications.

    :raises NotAllowed: the actor is not a counsellor of an organization.
    :raises ReferralInvalid: anything wrong with the draft, every field named.
    """
    now = now or utcnow()
    if not actor.can_send_referrals():
        raise NotAllowed
    problems: dict[str, object] = {}
    service = _check_service(problems, draft.service_id, actor)
    terms = _check_problem_terms(problems, draft.problem_term_ids)
    _check_choice(problems, "urgency", draft.urgency, vocabulary.URGENCIES)
    _check_text(problems, "reason", _clean(draft.reason), vocabulary.MAX_REASON, required=True)
    _check_client_and_consent(problems, draft, now)
    previous = _check_previous(problems, draft.previous_referral_id, actor)
    if problems:
        raise ReferralInvalid(problems)
    assert service is not None and actor.organization_id is not None
    client, consent = draft.client, draft.consent
    is_child = client.age_group in vocabulary.CHILD_AGE_GROUPS
    referral = Referral(
        status=states.INITIAL_STATUS,
        urgency=draft.urgency,
        reason=_clean(draft.reason),
        service_id=service.id,
        receiving_organization_id=service.organization_id,
        sending_organization_id=actor.organization_id,
        counsellor_id=actor.id,
        previous_referral_id=previous.id if previous else None,
        client_reference=_clean(client.reference),
        client_initials=_clean(client.initials),
        client_age_group=client.age_group,
        client_sex=client.sex,
        client_contact=_clean(client.contact),
        client_safe_contact=_clean(client.safe_contact),
        consent_given=True,
        consent_method=consent.method,
        consent_recorded_at=consent.recorded_at,
        guardian_consent_given=True if is_child else None,
        guardian_relationship=_clean(consent.guardian_relationship),
        sent_at=now,
        status_changed_at=now,
        due_at=due_at_for(service, draft.urgency, now),
    )
    referral.problem_terms = terms
    # The records the referral points to, set from those at hand (the answer shows their
    # names): each would otherwise be loaded again with everything it brings along.
    referral.service = service
    referral.counsellor = actor
    referral.receiving_organization = _organization(service.organization_id)
    referral.sending_organization = _organization(actor.organization_id)
    db.session.add(referral)
    db.session.add(
        ReferralEvent(
            referral=referral,
            action=vocabulary.SEND,
            from_status=None,
            to_status=states.INITIAL_STATUS,
            actor_id=actor.id,
            actor_organization_id=actor.organization_id,
            occurred_at=now,
        )
    )
    db.session.flush()
    record_access(referral, actor, channel, vocabulary.SEND, now)
    notify_referral_event(referral, vocabulary.SEND, actor)
    return referral


def _check_details(request: TransitionRequest) -> dict[str, object]:
    problems: dict[str, object] = {}
    action = request.action
    _check_text(problems, "note", _clean(request.note), vocabulary.MAX_NOTE, required=False)
    if action in states.REASON_REQUIRED:
        _check_choice(
            problems, "reason.code", request.reason_code, vocabulary.REASONS_BY_ACTION[action]
        )
        text = _clean(request.reason_text)
        required = request.reason_code == vocabulary.OTHER
        _check_text(problems, "reason.text", text, vocabulary.MAX_REASON_TEXT, required=required)
    elif request.reason_code is not None or request.reason_text is not None:
        problems["reason"] = _l("Alasan hanya untuk menolak atau menarik rujukan.")
    outcome = request.outcome
    if action in states.OUTCOME_REQUIRED:
        if outcome is None:
            problems["outcome"] = REQUIRED
        else:
            _check_choice(problems, "outcome.result", outcome.result, vocabulary.CLOSE_RESULTS)
            _check_text(
                problems,
                "outcome.reason_not_successful",
                _clean(outcome.reason_not_successful),
                vocabulary.MAX_REASON_TEXT,
                required=outcome.result == vocabulary.NOT_SUCCESSFUL,
            )
            if outcome.service_delivered is None:
                problems["outcome.service_delivered"] = REQUIRED
    elif outcome is not None:
        problems["outcome"] = _l("Hasil hanya untuk menutup rujukan.")
    return problems


def transition_referral(
    referral: Referral, actor: User, request: TransitionRequest, now: datetime | None = None
) -> ReferralEvent:
    """Take an action of the state table on the referral.

    :raises states.UnknownAction: not an action at all.
    :raises states.WrongSide: the actor's organization does not take this action.
    :raises states.IllegalTransition: not from the current status.
    :raises StaleReferral: ``expected_version`` is not the current one, or another actor
        changed the referral between loading and writing (the conditional update missed).
    :raises ReferralInvalid: a reason or outcome is missing or wrong.
    """
    now = now or utcnow()
    if request.expected_version is not None and request.expected_version != referral.version:
        raise StaleReferral
    action = request.action
    next_status = states.apply_transition(referral.status, action, referral.sides(actor))
    problems = _check_details(request)
    if problems:
        raise ReferralInvalid(problems)
    event = ReferralEvent(
        referral=referral,
        action=action,
        from_status=referral.status,
        to_status=next_status,
        actor_id=actor.id,
        actor_organization_id=actor.organization_id,
        occurred_at=now,
        note=_clean(request.note),
    )
    referral.status = next_status
    referral.status_changed_at = now
    if action == states.RECEIVE or (action == states.ACCEPT and referral.received_at is None):
        referral.received_at = now
    if action in (states.ACCEPT, states.DECLINE) and referral.responded_at is None:
        referral.responded_at = now
    if action in states.REASON_REQUIRED:
        event.reason_code = referral.end_reason_code = request.reason_code
        event.reason_text = referral.end_reason_text = _clean(request.reason_text)
    if action in states.OUTCOME_REQUIRED and request.outcome is not None:
        outcome = request.outcome
        referral.closed_at = now
        event.outcome_result = referral.outcome_result = outcome.result
        event.outcome_reason = referral.outcome_reason = _clean(outcome.reason_not_successful)
        event.outcome_service_delivered = outcome.service_delivered
        referral.outcome_service_delivered = outcome.service_delivered
    db.session.add(event)
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleReferral from None
    notify_referral_event(referral, action, actor)
    return event


def open_referral(
    referral: Referral, actor: User, channel: str, now: datetime | None = None
) -> bool:
    """Record that ``actor`` opened the referral; the receiver's first opening receives it.

    Returns True when this opening moved the referral to ``received``.
    """
    now = now or utcnow()
    record_access(referral, actor, channel, VIEW, now)
    if states.RECEIVER in referral.sides(actor) and referral.status == states.SENT:
        transition_referral(referral, actor, TransitionRequest(states.RECEIVE), now)
        return True
    db.session.flush()
    return False


VIEW = "view"
SUBJECT_ACCESS = "subject_access"
LEGAL_HOLD = "legal_hold"


def record_access(
    referral: Referral, actor: User, channel: str, purpose: str, now: datetime
) -> ReferralView:
    """Who saw or changed the referral's client data, when, how and what for.

    ``client_data_shown`` is what the actor may see now (administrators and, after a
    withdrawal of consent, the receiver see no client data); a subject-access search by an
    administrator shows it by design.
    """
    shown = referral.can_see_client(actor) or purpose == SUBJECT_ACCESS
    record = ReferralView(
        referral_id=referral.id,
        user_id=actor.id,
        channel=channel,
        opened_at=now,
        purpose=purpose,
        client_data_shown=shown and referral.client_data_purged_at is None,
    )
    db.session.add(record)
    return record


class ConsentAlreadyWithdrawn(Exception):
    """Consent was withdrawn already; it stays withdrawn."""


def withdraw_consent(
    referral: Referral, actor: User, note: str | None = None, now: datetime | None = None
) -> ReferralEvent:
    """Record that the client withdrew consent: the receiver loses the client data at once.

    Only the sending organization's counsellors record it (they hold the client's consent).

    :raises NotAllowed: the actor is not a counsellor of the sending organization.
    :raises ConsentAlreadyWithdrawn: recorded before.
    :raises ReferralInvalid: the note is too long.
    """
    now = now or utcnow()
    if states.SENDER not in referral.sides(actor) or not actor.is_counsellor:
        raise NotAllowed
    if referral.consent_withdrawn_at is not None:
        raise ConsentAlreadyWithdrawn
    problems: dict[str, object] = {}
    _check_text(problems, "note", _clean(note), vocabulary.MAX_NOTE, required=False)
    if problems:
        raise ReferralInvalid(problems)
    referral.consent_withdrawn_at = now
    referral.consent_withdrawn_by_id = actor.id
    event = ReferralEvent(
        referral=referral,
        action=vocabulary.WITHDRAW_CONSENT,
        from_status=referral.status,
        to_status=referral.status,
        actor_id=actor.id,
        actor_organization_id=actor.organization_id,
        occurred_at=now,
        note=_clean(note),
    )
    db.session.add(event)
    record_access(referral, actor, WEB, vocabulary.WITHDRAW_CONSENT, now)
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleReferral from None
    return event


def set_legal_hold(
    referral: Referral, actor: User, reason: str | None, now: datetime | None = None
) -> None:
    """Put the referral under a legal hold (a case before a court), or lift it when
    ``reason`` is None: a held referral keeps its client data past retention.

    :raises NotAllowed: only administrators set or lift a hold.
    :raises ReferralInvalid: setting a hold needs a reason.
    """
    now = now or utcnow()
    if not actor.is_admin:
        raise NotAllowed
    reason = _clean(reason)
    problems: dict[str, object] = {}
    _check_text(problems, "reason", reason, vocabulary.MAX_REASON_TEXT, required=False)
    if problems:
        raise ReferralInvalid(problems)
    referral.legal_hold = reason is not None
    referral.legal_hold_reason = reason
    referral.legal_hold_set_at = now
    referral.legal_hold_by_id = actor.id
    record_access(referral, actor, WEB, LEGAL_HOLD, now)
    db.session.flush()


# Boxes: "sent" (the outbox) and "received" (the inbox).
BOX_SENT = "sent"
BOX_RECEIVED = "received"
BOXES = (BOX_SENT, BOX_RECEIVED)


def visible_referrals(user: User, box: str | None = None, status: str | None = None) -> Select:
    """The referrals ``user`` may see, in a box: awaiting an answer first, the most urgent
    and the nearest deadline first among them, then the most recently changed."""
    statement = select(Referral)
    if not user.is_admin:
        organization = user.organization_id
        if organization is None:
            statement = statement.where(false())
        elif box == BOX_SENT:
            statement = statement.where(Referral.sending_organization_id == organization)
        elif box == BOX_RECEIVED:
            statement = statement.where(Referral.receiving_organization_id == organization)
        else:
            statement = statement.where(
                or_(
                    Referral.sending_organization_id == organization,
                    Referral.receiving_organization_id == organization,
                )
            )
    if status:
        statement = statement.where(Referral.status == status)
    awaiting = case((Referral.status.in_(states.AWAITING_RESPONSE), 0), else_=1)
    urgency = case({"emergency": 0, "high": 1}, value=Referral.urgency, else_=2)
    unopened = case((Referral.status == states.SENT, 0), else_=1)
    return statement.order_by(
        awaiting,
        case((awaiting == 0, urgency), else_=0),
        case((awaiting == 0, unopened), else_=0),
        case((awaiting == 0, Referral.due_at), else_=None),
        Referral.status_changed_at.desc(),
        Referral.id,
    )
