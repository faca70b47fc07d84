"""Referral use cases: send, open, act. Each checks, changes, records an event and
announces it (:mod:`directory.referrals.signals`: the notifications are written by their
receivers), all in the open transaction; the caller commits once, so a refusal stores
nothing.

The writes of send, open and act are plain statements (``_update_unless_stale``,
``_insert_as_loaded``, ``_append_event``): every API write goes through them, and the unit
of work's flush cost more CPU than the rows it wrote. They skip the ORM's events: which
guard holds each rule on this path is listed in :mod:`directory.referrals.guards`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import cast
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, Table, bindparam, case, false, insert, or_, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import defaultload, joinedload, lazyload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from directory.auth.models import User
from directory.database import utcnow
from directory.extensions import db
from directory.geo.timezones import zone_info
from directory.institutions.models import (
    TAXONOMY_PROBLEMS,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)
from directory.referrals import break_glass, signals, states, vocabulary
from directory.referrals.deadlines import (
    holidays_from_config,
    response_due_at,
    rules_from_config,
)
from directory.referrals.models import (
    Referral,
    ReferralEvent,
    ReferralLink,
    ReferralNote,
    ReferralView,
    referral_problem_term,
)

# A consent recorded "in the future" by less than this is a clock difference, not an error.
CLOCK_TOLERANCE = timedelta(minutes=5)
# A referral rests on consent the client gave for it: recorded at the intake at most a year
# before sending. Older consent (or a back-dated one) must be asked for again.
CONSENT_MAX_AGE = timedelta(days=366)


def consent_time_message() -> object:
    return _l(
        "Waktu persetujuan harus dalam setahun terakhir dan tidak di masa depan; "
        "mintalah persetujuan klien lagi bila lebih lama."
    )


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
    # On a decline, optional: another service (its id, or a link to its page).
    suggested_service: str | None = None


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
    elif consent.recorded_at < now - CONSENT_MAX_AGE:
        problems["consent.recorded_at"] = consent_time_message()
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


# The statements of a send, built once (so that each cache key is computed once). The
# service comes with its organization, the receiver (the answer shows its name); taxonomy
# attributes (a query of their own each) are not needed.
_SERVICE = (
    select(Service)
    .where(Service.id == bindparam("service_id"))
    .options(
        lazyload(Service.attributes),
        joinedload(Service.organization).lazyload(Organization.attributes),
    )
)
_PROBLEM_TERMS_BY_ID = select(TaxonomyTerm).where(
    TaxonomyTerm.id.in_(bindparam("term_ids", expanding=True)),
    TaxonomyTerm.taxonomy_id == TAXONOMY_PROBLEMS,
)
_ORGANIZATION = (
    select(Organization)
    .where(Organization.id == bindparam("organization_id"))
    .options(lazyload(Organization.attributes))
)
_INSERT_VIEW = insert(cast(Table, ReferralView.__table__))
# The regions of a service's locations, in the order of its ``service_at_locations``.
_SERVICE_REGIONS = (
    select(Location.region_code)
    .select_from(ServiceAtLocation)
    .join(Location, ServiceAtLocation.location_id == Location.id)
    .where(ServiceAtLocation.service_id == bindparam("service_id"))
)


def _check_service(problems: dict[str, object], service_id: str, actor: User) -> Service | None:
    if not service_id:
        problems["service_id"] = REQUIRED
        return None
    if not _is_uuid(service_id):
        problems["service_id"] = _l("Bukan UUID yang sah.")
        return None
    service = db.session.execute(_SERVICE, {"service_id": service_id}).scalar_one_or_none()
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
    terms = db.session.scalars(_PROBLEM_TERMS_BY_ID, {"term_ids": sorted(wanted)}).all()
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
    for region_code in db.session.scalars(_SERVICE_REGIONS, {"service_id": service.id}):
        if region_code:
            return zone_info(region_code)
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def due_at_for(service: Service, urgency: str, sent_at: datetime) -> datetime:
    config = current_app.config
    rule = rules_from_config(config["REFERRAL_RESPONSE_DEADLINES"])[urgency]
    holidays = holidays_from_config(config["REFERRAL_HOLIDAYS"])
    return response_due_at(sent_at, rule, receiver_zone(service), holidays)


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
        version=1,
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
        problem_terms=terms,
        events=[],
    )
    # The records the referral points to, set from those at hand (the answer shows their
    # names): each would otherwise be loaded again with everything it brings along.
    referral.service = service
    referral.counsellor = actor
    referral.receiving_organization = service.organization
    referral.sending_organization = db.session.execute(
        _ORGANIZATION, {"organization_id": actor.organization_id}
    ).scalar_one()
    _insert_as_loaded(referral)
    db.session.execute(
        _INSERT_PROBLEM_TERMS,
        [{"referral_id": referral.id, "taxonomy_term_id": term.id} for term in terms],
    )
    _append_event(
        referral, _event_values(referral, actor, vocabulary.SEND, None, states.INITIAL_STATUS, now)
    )
    db.session.execute(_INSERT_VIEW, _access_values(referral, actor, channel, vocabulary.SEND, now))
    signals.referral_event.send(referral, kind=vocabulary.SEND, actor=actor)
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
        problems["reason"] = _l("Alasan hanya untuk menolak, menarik atau menunda rujukan.")
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
    if _clean(request.suggested_service) and action != states.DECLINE:
        problems["suggested_service"] = _l("Saran layanan lain hanya untuk menolak rujukan.")
    return problems


# A service id anywhere in what was typed: the id itself, or a link to its page.
_SERVICE_ID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)


def suggested_service_of(referral: Referral, raw: str | None) -> tuple[str | None, object | None]:
    """The service a decliner suggests, from its id or a link to its page: ``(id, None)``,
    ``(None, None)`` when nothing was given, or ``(None, problem)``. Not the declined
    service itself, nor one of the sender's own organization (they cannot refer to it)."""
    text = _clean(raw)
    if not text:
        return None, None
    if len(text) > vocabulary.MAX_SUGGESTION:
        return None, _too_long(vocabulary.MAX_SUGGESTION)
    found = _SERVICE_ID.search(text)
    service = None
    if found is not None:
        service = db.session.get(Service, str(uuid.UUID(found.group(0))))
    if service is None:
        return None, _l(
            "Layanan yang disarankan tidak ditemukan: tempel tautan halaman layanan dari direktori."
        )
    if service.id == referral.service_id:
        return None, _l("Sarankan layanan lain, bukan layanan yang menolak ini.")
    if service.organization_id == referral.sending_organization_id:
        return None, _l("Layanan itu milik lembaga pengirim sendiri.")
    return service.id, None


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
    return _transition(referral, actor, referral.sides(actor), request, now)


def _transition(
    referral: Referral,
    actor: User | None,
    sides: frozenset[str],
    request: TransitionRequest,
    now: datetime,
    link_actor_name: str | None = None,
) -> ReferralEvent:
    """:func:`transition_referral`, by an account (``actor``) or, with ``actor`` None,
    through a partner link by the person named ``link_actor_name``."""
    if request.expected_version is not None and request.expected_version != referral.version:
        raise StaleReferral
    action = request.action
    next_status = states.apply_transition(referral.status, action, sides)
    problems = _check_details(request)
    suggested, problem = suggested_service_of(referral, request.suggested_service)
    if problem is not None and "suggested_service" not in problems:
        problems["suggested_service"] = problem
    if problems:
        raise ReferralInvalid(problems)
    changes: dict[str, object] = {"status": next_status, "status_changed_at": now}
    event = _event_values(referral, actor, action, referral.status, next_status, now)
    event["note"] = _clean(request.note)
    if actor is None:
        # Through the link, on behalf of the organization it was made for.
        event["actor_organization_id"] = referral.receiving_organization_id
        event["link_actor_name"] = link_actor_name
    if action == states.RECEIVE or (action == states.ACCEPT and referral.received_at is None):
        changes["received_at"] = now
    if action in (states.ACCEPT, states.DECLINE) and referral.responded_at is None:
        changes["responded_at"] = now
    if action in states.REASON_REQUIRED:
        event["reason_code"] = request.reason_code
        event["reason_text"] = _clean(request.reason_text)
    if action in states.ENDING_REASON:
        changes["end_reason_code"] = request.reason_code
        changes["end_reason_text"] = _clean(request.reason_text)
    if action == states.DECLINE:
        event["suggested_service_id"] = suggested
    if action in states.OUTCOME_REQUIRED and request.outcome is not None:
        outcome = request.outcome
        changes["closed_at"] = now
        event["outcome_result"] = changes["outcome_result"] = outcome.result
        event["outcome_reason"] = changes["outcome_reason"] = _clean(outcome.reason_not_successful)
        event["outcome_service_delivered"] = changes["outcome_service_delivered"] = (
            outcome.service_delivered
        )
    _update_unless_stale(referral, changes)
    recorded = _append_event(referral, event)
    signals.referral_event.send(referral, kind=action, actor=actor)
    return recorded


# Plain statements instead of the unit of work, whose flush (dependency sorting over
# every relationship of a referral and an event) cost more than the rows it wrote.
# ``version`` keeps its meaning: the update names the version the actor saw, and a miss
# means another actor came first.
_REFERRAL_TABLE = cast(Table, Referral.__table__)
_UPDATE_REFERRAL = update(_REFERRAL_TABLE).where(
    _REFERRAL_TABLE.c.id == bindparam("b_id"),
    _REFERRAL_TABLE.c.version == bindparam("b_version"),
)
_INSERT_REFERRAL = insert(_REFERRAL_TABLE)
_INSERT_PROBLEM_TERMS = insert(referral_problem_term)
_INSERT_EVENT = insert(cast(Table, ReferralEvent.__table__))
# Columns kept in step by ORM events that a plain UPDATE would skip (see guards).
_HASHED_BY_THE_ORM = frozenset({"client_reference", "client_reference_hash"})


def _event_values(
    referral: Referral,
    actor: User | None,
    action: str,
    from_status: str | None,
    to_status: str,
    now: datetime,
) -> dict[str, object]:
    """Every column of a new event but its id; the details empty."""
    return {
        "referral_id": referral.id,
        "action": action,
        "from_status": from_status,
        "to_status": to_status,
        "actor_id": actor.id if actor is not None else None,
        "actor_organization_id": actor.organization_id if actor is not None else None,
        "occurred_at": now,
        "note": None,
        "reason_code": None,
        "reason_text": None,
        "outcome_result": None,
        "outcome_reason": None,
        "outcome_service_delivered": None,
        "suggested_service_id": None,
        "link_actor_name": None,
    }


def _flush_pending() -> None:
    """Write what the session holds before a plain statement, as an ORM statement's
    autoflush would: a referral not inserted yet, a recorded opening.

    :raises StaleReferral: another actor changed a pending referral first.
    """
    session = db.session
    if session.new or session.dirty or session.deleted:
        try:
            session.flush()
        except StaleDataError:
            raise StaleReferral from None


def _update_unless_stale(referral: Referral, changes: dict[str, object]) -> None:
    """``UPDATE referral SET ..., version = version + 1 WHERE id = ? AND version = ?``; the
    loaded referral then holds the new values as if read back.

    :raises StaleReferral: the update missed: someone changed the referral since it was loaded.
    """
    if _HASHED_BY_THE_ORM & changes.keys():
        # Its keyed hash follows it through an attribute event this statement would skip.
        raise ValueError("client_reference changes through the ORM, not a plain UPDATE")
    _flush_pending()
    version = referral.version
    changes = {**changes, "version": version + 1}
    result = db.session.execute(
        _UPDATE_REFERRAL, {**changes, "b_id": referral.id, "b_version": version}
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult
        raise StaleReferral
    for key, value in changes.items():
        set_committed_value(referral, key, value)


def _insert_as_loaded(referral: Referral) -> None:
    """Insert a new referral, and add it to the session as if read back.

    The columns left unset take their defaults, which the insert reports (or NULL); the
    relationships set stand as loaded (their rows are the caller's to write).
    """
    _flush_pending()
    state = sa_inspect(referral)
    values = {
        attribute.key: state.dict[attribute.key]
        for attribute in state.mapper.column_attrs
        if attribute.key in state.dict
    }
    inserted = db.session.execute(_INSERT_REFERRAL, values).last_inserted_params()  # type: ignore[attr-defined]
    for attribute in state.mapper.column_attrs:
        key = attribute.key
        if key in state.dict:
            continue
        if key in inserted:
            setattr(referral, key, inserted[key])
        elif attribute.columns[0].server_default is None:
            # No default (``default=None`` is none): the insert left it NULL.
            setattr(referral, key, None)
    make_transient_to_detached(referral)
    db.session.add(referral)


def _append_event(referral: Referral, values: dict[str, object]) -> ReferralEvent:
    """Insert the event, and add it to the session and to the referral's loaded events as
    if read back. ``values`` names every column but the id, so nothing is left to load."""
    result = db.session.execute(_INSERT_EVENT, values)
    event = ReferralEvent(id=result.inserted_primary_key[0], **values)  # type: ignore[attr-defined]
    make_transient_to_detached(event)
    db.session.add(event)
    if "events" not in sa_inspect(referral).unloaded:
        set_committed_value(referral, "events", [*referral.events, event])
    return event


# A referral as an answer shows it: with the names of its service, organizations and
# counsellor (joined), then its events and its problems, a query each. Joining the
# problems as well makes SQLite join every referral's problems on each load (a scan that
# grows with the table); joining the events repeats (and decrypts again) the referral's
# columns once per event. Built once, so that each cache key is computed once.
_REFERRAL = (
    select(Referral)
    .where(Referral.id == bindparam("referral_id"))
    .options(
        lazyload(Referral.problem_terms),
        lazyload(Referral.events),
        defaultload(Referral.service).lazyload(Service.attributes),
        defaultload(Referral.receiving_organization).lazyload(Organization.attributes),
        defaultload(Referral.sending_organization).lazyload(Organization.attributes),
        defaultload(Referral.counsellor).lazyload(User.organization),
    )
)
_EVENTS = (
    select(ReferralEvent)
    .where(ReferralEvent.referral_id == bindparam("referral_id"))
    .order_by(ReferralEvent.occurred_at, ReferralEvent.id)
    .options(
        defaultload(ReferralEvent.actor).lazyload(User.organization),
        defaultload(ReferralEvent.actor_organization).lazyload(Organization.attributes),
    )
)
_PROBLEM_TERMS = (
    select(TaxonomyTerm)
    .join(referral_problem_term, referral_problem_term.c.taxonomy_term_id == TaxonomyTerm.id)
    .where(referral_problem_term.c.referral_id == bindparam("referral_id"))
    .order_by(TaxonomyTerm.name)
)


def referral_with_timeline(referral_id: str) -> Referral | None:
    """The referral with its events and problems loaded (see ``_REFERRAL``), or None."""
    parameters = {"referral_id": referral_id}
    referral = db.session.execute(_REFERRAL, parameters).scalar_one_or_none()
    if referral is not None:
        events = db.session.scalars(_EVENTS, parameters).all()
        set_committed_value(referral, "events", events)
        terms = db.session.scalars(_PROBLEM_TERMS, parameters).all()
        set_committed_value(referral, "problem_terms", terms)
    return referral


def open_referral(
    referral: Referral, actor: User, channel: str, now: datetime | None = None
) -> bool:
    """Record that ``actor`` opened the referral; the receiver's first opening receives it.

    Returns True when this opening moved the referral to ``received``.
    """
    now = now or utcnow()
    _flush_pending()
    db.session.execute(_INSERT_VIEW, _access_values(referral, actor, channel, VIEW, now))
    if states.RECEIVER in referral.sides(actor) and referral.status == states.SENT:
        transition_referral(referral, actor, TransitionRequest(states.RECEIVE), now)
        return True
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
    record = ReferralView(**_access_values(referral, actor, channel, purpose, now))
    db.session.add(record)
    return record


def _access_values(
    referral: Referral, actor: User, channel: str, purpose: str, now: datetime
) -> dict[str, object]:
    shown = (
        referral.can_see_client(actor)
        or purpose == SUBJECT_ACCESS
        or (actor.is_admin and break_glass.client_visible(referral, actor, now))
    )
    return {
        "referral_id": referral.id,
        "user_id": actor.id,
        "channel": channel,
        "opened_at": now,
        "purpose": purpose,
        "client_data_shown": shown and referral.client_data_purged_at is None,
    }


class NotesClosed(Exception):
    """The referral's client data was purged: no new note (a note is client data)."""


def add_note(
    referral: Referral, actor: User, text: str | None, now: datetime | None = None
) -> ReferralNote:
    """A note from one organization to the other; the other side is notified that there
    is one, never of what it says.

    :raises NotAllowed: the actor is not on the staff of either organization.
    :raises NotesClosed: the client data was purged after retention.
    :raises ReferralInvalid: the text is empty or longer than ``MAX_NOTE_TEXT``.
    """
    now = now or utcnow()
    if not referral.sides(actor) or actor.organization_id is None:
        raise NotAllowed
    if referral.client_data_purged_at is not None:
        raise NotesClosed
    problems: dict[str, object] = {}
    cleaned = _clean(text)
    _check_text(problems, "text", cleaned, vocabulary.MAX_NOTE_TEXT, required=True)
    if problems:
        raise ReferralInvalid(problems)
    note = ReferralNote(
        referral_id=referral.id,
        author_id=actor.id,
        organization_id=actor.organization_id,
        created_at=now,
        text=cleaned,
    )
    note.author = actor
    db.session.add(note)
    db.session.flush()
    signals.referral_event.send(referral, kind=vocabulary.NOTE, actor=actor)
    return note


def notes_of(referral: Referral) -> list[ReferralNote]:
    """The referral's notes, oldest first.

    Most referrals have none: a bare probe for one answers those at a fraction of the
    cost of the full query (its authors and organizations joined), which every referral
    answer of the API, transitions included, would otherwise pay.
    """
    if db.session.scalar(_ANY_NOTE, {"referral_id": referral.id}) is None:
        return []
    return list(
        db.session.scalars(
            select(ReferralNote)
            .where(ReferralNote.referral_id == referral.id)
            .order_by(ReferralNote.created_at, ReferralNote.id)
        )
    )


_ANY_NOTE = (
    select(ReferralNote.id).where(ReferralNote.referral_id == bindparam("referral_id")).limit(1)
)


# Partner links: the receiving organization answers without an account.
LINK_LIFETIME = timedelta(days=7)
# What a link holder may do: the first steps only (everything after needs an account).
LINK_ACTIONS = (states.RECEIVE, states.ACCEPT, states.DECLINE)
# 32 random bytes (256 bits), URL-safe: 43 characters.
LINK_TOKEN_BYTES = 32
# Longer than any token we make: refused before it is hashed.
MAX_LINK_TOKEN = 100


class LinkNotOpen(Exception):
    """The referral no longer waits for an answer: no link for it."""


class LinkUnknown(Exception):
    """No such link, or revoked: the same answer either way (no oracle)."""


class LinkGone(Exception):
    """The link expired, or its referral no longer waits for an answer."""


def link_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_link(
    referral: Referral, actor: User, now: datetime | None = None
) -> tuple[str, ReferralLink]:
    """A new link for the receiving organization (any earlier one is revoked); returns the
    token, which is stored only as its SHA-256 and shown this once.

    :raises NotAllowed: the actor is not on the staff of the sending organization.
    :raises LinkNotOpen: the referral no longer waits for an answer.
    """
    now = now or utcnow()
    if states.SENDER not in referral.sides(actor):
        raise NotAllowed
    if referral.status not in states.AWAITING_RESPONSE:
        raise LinkNotOpen
    _revoke_links(referral, now)
    raw = secrets.token_urlsafe(LINK_TOKEN_BYTES)
    link = ReferralLink(
        referral_id=referral.id,
        receiving_organization_id=referral.receiving_organization_id,
        token_hash=link_token_hash(raw),
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + LINK_LIFETIME,
    )
    db.session.add(link)
    db.session.flush()
    return raw, link


def revoke_links(referral: Referral, actor: User, now: datetime | None = None) -> int:
    """Revoke the referral's links still standing; how many.

    :raises NotAllowed: the actor is not on the staff of the sending organization.
    """
    if states.SENDER not in referral.sides(actor):
        raise NotAllowed
    return _revoke_links(referral, now or utcnow())


def _revoke_links(referral: Referral, now: datetime) -> int:
    result = db.session.execute(
        update(ReferralLink)
        .where(ReferralLink.referral_id == referral.id, ReferralLink.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def active_link(referral: Referral, now: datetime | None = None) -> ReferralLink | None:
    """The referral's link that still works, if any (for the sender's page)."""
    now = now or utcnow()
    if referral.status not in states.AWAITING_RESPONSE:
        return None
    return db.session.scalars(
        select(ReferralLink)
        .where(
            ReferralLink.referral_id == referral.id,
            ReferralLink.revoked_at.is_(None),
            ReferralLink.expires_at > now,
        )
        .order_by(ReferralLink.created_at.desc())
    ).first()


def link_for_token(raw: str | None, now: datetime | None = None) -> ReferralLink:
    """The link a token opens.

    :raises LinkUnknown: no link has this token, or it was revoked, or its referral went
        to another organization since.
    :raises LinkGone: it expired, or the referral no longer waits for an answer.
    """
    now = now or utcnow()
    if not raw or len(raw) > MAX_LINK_TOKEN:
        raise LinkUnknown
    link = db.session.scalars(
        select(ReferralLink).where(ReferralLink.token_hash == link_token_hash(raw))
    ).first()
    if link is None or link.revoked_at is not None:
        raise LinkUnknown
    if link.receiving_organization_id != link.referral.receiving_organization_id:
        raise LinkUnknown
    if now >= link.expires_at or link.referral.status not in states.AWAITING_RESPONSE:
        raise LinkGone
    return link


def act_through_link(
    link: ReferralLink,
    action: str,
    name: str | None,
    *,
    note: str | None = None,
    reason_code: str | None = None,
    reason_text: str | None = None,
    now: datetime | None = None,
) -> ReferralEvent:
    """Receive, accept or decline through a partner link, as the person named ``name``
    (required to accept or decline); recorded as an event with no account.

    :raises ReferralInvalid: another action, a missing name or reason, text too long.
    :raises states.IllegalTransition: not from the current status.
    :raises StaleReferral: someone acted on it at the same moment.
    """
    now = now or utcnow()
    problems: dict[str, object] = {}
    if action not in LINK_ACTIONS:
        problems["action"] = _l("Yang sah: %(codes)s.", codes=", ".join(LINK_ACTIONS))
    cleaned = _clean(name)
    _check_text(
        problems, "name", cleaned, vocabulary.MAX_LINK_NAME, required=action != states.RECEIVE
    )
    if problems:
        raise ReferralInvalid(problems)
    referral = link.referral
    request = TransitionRequest(
        action=action,
        note=note,
        reason_code=reason_code if action == states.DECLINE else None,
        reason_text=reason_text if action == states.DECLINE else None,
    )
    event = _transition(
        referral, None, frozenset({states.RECEIVER}), request, now, link_actor_name=cleaned
    )
    db.session.execute(
        update(ReferralLink)
        .where(ReferralLink.id == link.id)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return event


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
