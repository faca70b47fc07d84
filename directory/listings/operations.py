"""Partner self-service: what a listing's staff and the network's administrators do to it.

Staff of an organization (partners, and counsellors of an LK3, which is listed too) keep
its listing. Capacity and whether a service takes referrals now change at once; anything
else is proposed as a :class:`ListingChange` and waits for an administrator, who approves
it (it is applied and audited) or rejects it with a note. Every applied change adds HSDS
``metadata`` rows. Each function checks, changes and flushes; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from directory.audit.models import ACTION_UPDATE, ACTION_VERIFY
from directory.audit.record import as_text, record_changes
from directory.auth.models import ORGANIZATION_ROLES, User
from directory.database import utcnow
from directory.extensions import db
from directory.institutions import operations as directory_writes
from directory.institutions.models import Organization, Service
from directory.listings import fields
from directory.listings.models import APPROVED, PENDING, REJECTED, WITHDRAWN, ListingChange
from directory.notifications.operations import notify_listing_event

MAX_REVIEW_NOTE = 2000

# Notification kinds of the review's outcome, told to whoever proposed the change.
LISTING_APPROVED = "listing_approved"
LISTING_REJECTED = "listing_rejected"


class ListingNotAllowed(Exception):
    """The actor may not do this to this listing."""


class ChangeClosed(Exception):
    """The change was already approved, rejected or withdrawn."""


class ChangeConflict(Exception):
    """The record changed since the change was proposed: ``fields`` maps each field that
    differs from what the partner saw to its current text (all fields if the record is
    gone)."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = dict(fields)


ListingRecord = Organization | Service


def can_keep_listing(user: User, organization_id: str | None) -> bool:
    """Active staff of the organization (partner or counsellor) keep its listing."""
    return (
        user.active
        and user.role in ORGANIZATION_ROLES
        and organization_id is not None
        and user.organization_id == organization_id
    )


def _owner_id(record: ListingRecord) -> str:
    return record.id if isinstance(record, Organization) else record.organization_id


def _require_keeper(user: User, record: ListingRecord) -> None:
    if not can_keep_listing(user, _owner_id(record)):
        raise ListingNotAllowed


def record_of(change: ListingChange) -> ListingRecord | None:
    """The organization or service a change is about (None if it is gone)."""
    model = Organization if change.resource_type == fields.ORGANIZATION else Service
    record = cast(
        "ListingRecord | None",
        db.session.get(model, change.resource_id) if change.resource_id else None,
    )
    if record is None or _owner_id(record) != change.organization_id:
        return None
    return record


def specs_of(change: ListingChange) -> dict[str, fields.FieldSpec]:
    return fields.FIELDS_BY_TYPE[change.resource_type]


# Proposing


def propose_change(
    record: ListingRecord,
    actor: User,
    typed: Mapping[str, str | None],
    *,
    now: datetime | None = None,
) -> ListingChange | None:
    """Queue the fields of ``typed`` that differ from the record for review; None when
    nothing differs. A field left as it reads now is taken as is, so a value this form
    could not have produced (imported data) does not block changing another field.

    :raises ListingNotAllowed: the actor does not keep this organization's listing.
    :raises fields.FieldsInvalid: some typed value is wrong.
    """
    _require_keeper(actor, record)
    resource_type = fields.resource_type_of(record)
    specs = fields.FIELDS_BY_TYPE[resource_type]
    current = fields.read_all(record, specs)
    touched = {
        name: value
        for name, value in typed.items()
        if name in specs and (value or "").replace("\r\n", "\n").strip() != current[name]
    }
    cleaned = fields.clean_all(specs, touched)
    changes = {
        name: {"old": current[name], "new": value}
        for name, value in cleaned.items()
        if value != current[name]
    }
    if not changes:
        return None
    change = ListingChange(
        organization_id=_owner_id(record),
        resource_type=resource_type,
        resource_id=record.id,
        changes=changes,
        status=PENDING,
        submitted_by_id=actor.id,
        submitted_at=now or utcnow(),
    )
    db.session.add(change)
    db.session.flush()
    return change


def update_availability(
    service: Service,
    actor: User,
    *,
    capacity_note: str | None,
    accepting_referrals: bool,
    now: datetime | None = None,
) -> bool:
    """Change capacity and whether the service takes referrals now, without review, and
    audit it. Returns whether anything changed.

    :raises ListingNotAllowed: the actor does not keep this organization's listing.
    :raises fields.FieldsInvalid: the note is too long.
    """
    _require_keeper(actor, service)
    specs = fields.AVAILABILITY_FIELDS
    wanted = fields.clean_all(
        specs,
        {
            "capacity_note": capacity_note,
            "accepting_referrals": as_text(bool(accepting_referrals)),
        },
    )
    before = fields.read_all(service, specs)
    if wanted == before:
        return False
    for name, spec in specs.items():
        fields.write(db.session, service, spec, wanted[name])
    record_changes(
        db.session,
        resource_type=fields.SERVICE,
        resource_id=service.id,
        before=before,
        after=wanted,
        action=ACTION_UPDATE,
        actor_email=actor.email,
        actor_id=actor.id,
        organization_id=service.organization_id,
        when=now,
    )
    db.session.flush()
    return True


def withdraw_change(change: ListingChange, actor: User, *, now: datetime | None = None) -> None:
    """Staff of the organization take back a change still waiting for review.

    :raises ListingNotAllowed: the actor does not keep this organization's listing.
    :raises ChangeClosed: it was already reviewed or withdrawn.
    """
    if not can_keep_listing(actor, change.organization_id):
        raise ListingNotAllowed
    if change.status != PENDING:
        raise ChangeClosed
    change.status = WITHDRAWN
    change.reviewed_at = now or utcnow()
    db.session.flush()


# Reviewing


def pending_changes(organization_id: str | None = None) -> Select[ListingChange]:
    """Changes waiting for review, oldest first (of one organization if given)."""
    statement = select(ListingChange).where(ListingChange.status == PENDING)
    if organization_id is not None:
        statement = statement.where(ListingChange.organization_id == organization_id)
    return statement.order_by(ListingChange.submitted_at, ListingChange.id)


def current_values(change: ListingChange) -> dict[str, str] | None:
    """The current text of each field the change touches (None if the record is gone)."""
    record = record_of(change)
    if record is None:
        return None
    specs = specs_of(change)
    return {name: fields.read(record, specs[name]) for name in change.changes if name in specs}


def conflicts(change: ListingChange) -> dict[str, str]:
    """Fields changed by someone else since the proposal, with their current text.

    A field that already holds the proposed value is no conflict.
    """
    current = current_values(change)
    if current is None:
        return dict.fromkeys(change.changes, "")
    return {
        name: current.get(name, "")
        for name, values in change.changes.items()
        if current.get(name, "") not in (values["old"], values["new"])
    }


def _require_reviewable(change: ListingChange, reviewer: User) -> None:
    if not (reviewer.active and reviewer.is_admin):
        raise ListingNotAllowed
    if change.status != PENDING:
        raise ChangeClosed


def approve_change(
    change: ListingChange,
    reviewer: User,
    *,
    overwrite: bool = False,
    now: datetime | None = None,
) -> None:
    """Apply the change, record each changed field in the audit trail and tell the
    person who proposed it.

    The audit rows name the proposer as ``updated_by`` (the author of the new values);
    the reviewer and the time of review stay on the change itself.

    :raises ListingNotAllowed: the reviewer is no administrator.
    :raises ChangeClosed: the change is no longer pending.
    :raises ChangeConflict: the record changed since the proposal (or is gone) and
        ``overwrite`` was not asked for; a record that is gone cannot be overwritten.
    """
    _require_reviewable(change, reviewer)
    record = record_of(change)
    found = conflicts(change)
    if record is None or (found and not overwrite):
        raise ChangeConflict(found)
    now = now or utcnow()
    specs = specs_of(change)
    names = [name for name in change.changes if name in specs]
    before = {name: fields.read(record, specs[name]) for name in names}
    after = {name: change.changes[name]["new"] for name in names}
    for name in names:
        if before[name] != after[name]:
            fields.write(db.session, record, specs[name], after[name])
    submitter = change.submitted_by
    record_changes(
        db.session,
        resource_type=change.resource_type,
        resource_id=record.id,
        before=before,
        after=after,
        action=ACTION_UPDATE,
        actor_email=submitter.email,
        actor_id=submitter.id,
        organization_id=change.organization_id,
        when=now,
    )
    _close(change, reviewer, APPROVED, None, now)


def reject_change(
    change: ListingChange, reviewer: User, note: str, *, now: datetime | None = None
) -> None:
    """Reject with a note to the proposer; the listing stays as it is.

    :raises ListingNotAllowed: the reviewer is no administrator.
    :raises ChangeClosed: the change is no longer pending.
    :raises fields.FieldsInvalid: the note is empty or too long.
    """
    _require_reviewable(change, reviewer)
    text = (note or "").strip()
    if not text:
        raise fields.FieldsInvalid({"note": _l("Tuliskan alasan penolakan.")})
    if len(text) > MAX_REVIEW_NOTE:
        raise fields.FieldsInvalid(
            {"note": _l("Paling banyak %(count)s karakter.", count=MAX_REVIEW_NOTE)}
        )
    _close(change, reviewer, REJECTED, text, now or utcnow())


def _close(
    change: ListingChange, reviewer: User, status: str, note: str | None, now: datetime
) -> None:
    change.status = status
    change.reviewed_by_id = reviewer.id
    change.reviewed_at = now
    change.review_note = note
    submitter = change.submitted_by
    if submitter.active and submitter.id != reviewer.id:
        notify_listing_event(
            [submitter],
            change.organization_id,
            LISTING_APPROVED if status == APPROVED else LISTING_REJECTED,
        )
    db.session.flush()


# Verifying


def verify_listing(organization: Organization, actor: User, *, now: datetime | None = None) -> None:
    """Staff confirm the whole listing is still true: the organization's ``verified_at``
    and each service's HSDS ``assured_date`` and ``assurer_email``, all audited."""
    _require_keeper(actor, organization)
    now = now or utcnow()
    audit: dict[str, Any] = {
        "action": ACTION_VERIFY,
        "actor_email": actor.email,
        "actor_id": actor.id,
        "organization_id": organization.id,
        "when": now,
    }
    before = {"verified_at": as_text(organization.verified_at)}
    directory_writes.assign(organization, verified_at=now, stale_reminder_sent_at=None)
    record_changes(
        db.session,
        resource_type=fields.ORGANIZATION,
        resource_id=organization.id,
        before=before,
        after={"verified_at": as_text(now)},
        **audit,
    )
    assurance = ("assured_date", "assurer_email")
    for service in organization.services:
        before = {name: as_text(getattr(service, name)) for name in assurance}
        directory_writes.assign(service, assured_date=now.date(), assurer_email=actor.email)
        after = {name: as_text(getattr(service, name)) for name in assurance}
        record_changes(
            db.session,
            resource_type=fields.SERVICE,
            resource_id=service.id,
            before=before,
            after=after,
            **audit,
        )
    db.session.flush()
