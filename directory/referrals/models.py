"""Referrals: what a counsellor sends, its immutable timeline, and who opened it.

Client data lives in the ``client_*`` columns only, and is only the minimum a receiver
needs: a reference code of the sender's, initials, age group, sex, and optionally a
contact and when it is safe to use it. It and every free text are encrypted at rest
(``EncryptedText``; which fields and why: :mod:`directory.privacy`). ``status`` is written by
:mod:`directory.referrals.operations` through :func:`states.apply_transition` alone;
``version`` turns every update into ``UPDATE ... WHERE id = ? AND version = ?``, so of
two actors working from the same version only the first succeeds.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DDL,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Uuid,
    event,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.auth.models import User
from directory.crypto import EncryptedText, cipher
from directory.database import new_id, utcnow
from directory.extensions import Model, db
from directory.institutions.models import Organization, Service, TaxonomyTerm
from directory.referrals import guards, states
from directory.referrals.deadlines import is_overdue
from directory.referrals.vocabulary import CHILD_AGE_GROUPS
from directory.sqltypes import UTCDateTime

ID = Uuid(as_uuid=False)

# Crockford's base 32 without I, L, O and U: nothing to misread on a printed letter.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference_number() -> str:
    """``RJK-2025-7KQ4M2``: the year and six random characters (a billion per year)."""
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
    return f"RJK-{utcnow().year}-{code}"


referral_problem_term = Table(
    "referral_problem_term",
    db.metadata,
    Column("referral_id", ForeignKey("referral.id"), primary_key=True),
    Column("taxonomy_term_id", ForeignKey("taxonomy_term.id"), primary_key=True, index=True),
)


class Referral(Model):
    __tablename__ = "referral"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    reference_number: Mapped[str] = mapped_column(
        String(20), unique=True, default=new_reference_number
    )
    status: Mapped[str] = mapped_column(String(20), index=True, default=states.INITIAL_STATUS)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    urgency: Mapped[str] = mapped_column(String(10), index=True)
    # Client data (encrypted, see directory.privacy): None once purged after retention.
    reason: Mapped[str | None] = mapped_column(EncryptedText)

    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"), index=True)
    receiving_organization_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id"), index=True
    )
    sending_organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    counsellor_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Invented history the demonstration seed made (``directory.referrals.demonstration``):
    # ``flask seed remove-demo`` deletes these, events and all; nothing else may.
    demonstration: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Set on a re-referral: the declined (or withdrawn) referral it replaces.
    previous_referral_id: Mapped[str | None] = mapped_column(
        ForeignKey("referral.id"), index=True, default=None
    )

    # The client: the minimum the receiver needs. Encrypted at rest; the reference is found
    # by its keyed hash (kept in step by an attribute event below), never by plaintext.
    client_reference: Mapped[str | None] = mapped_column(EncryptedText)
    client_reference_hash: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    client_initials: Mapped[str | None] = mapped_column(EncryptedText)
    client_age_group: Mapped[str] = mapped_column(String(10))
    client_sex: Mapped[str] = mapped_column(String(10))
    client_contact: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    # When and how it is safe to contact the client (e.g. "only weekdays before noon").
    client_safe_contact: Mapped[str | None] = mapped_column(EncryptedText, default=None)

    # The client's recorded consent to be referred; a guardian's too for a child.
    consent_given: Mapped[bool] = mapped_column(Boolean)
    consent_method: Mapped[str] = mapped_column(String(20))
    consent_recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    guardian_consent_given: Mapped[bool | None] = mapped_column(Boolean, default=None)
    guardian_relationship: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    # Consent withdrawn by the client, recorded by the sender: the receiver loses the
    # client data at once.
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    consent_withdrawn_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )
    # A legal hold (a case before a court) keeps the client data past retention.
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    legal_hold_reason: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    legal_hold_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    legal_hold_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id"), default=None
    )
    # When retention removed the client data (directory.privacy.retention).
    client_data_purged_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=None, index=True
    )

    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # First answer: accepted or declined.
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    # Why it was declined or withdrawn: a code of the list, and free text.
    end_reason_code: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    end_reason_text: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    # The outcome given on closing.
    outcome_result: Mapped[str | None] = mapped_column(String(20), default=None, index=True)
    outcome_reason: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    outcome_service_delivered: Mapped[bool | None] = mapped_column(Boolean, default=None)

    service: Mapped[Service] = relationship(lazy="joined")
    receiving_organization: Mapped[Organization] = relationship(
        foreign_keys=[receiving_organization_id], lazy="joined"
    )
    sending_organization: Mapped[Organization] = relationship(
        foreign_keys=[sending_organization_id], lazy="joined"
    )
    counsellor: Mapped[User] = relationship(foreign_keys=[counsellor_id], lazy="joined")
    problem_terms: Mapped[list[TaxonomyTerm]] = relationship(
        secondary=referral_problem_term, order_by=TaxonomyTerm.name, lazy="selectin"
    )
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral",
        order_by=lambda: [ReferralEvent.occurred_at, ReferralEvent.id],
        lazy="selectin",
    )
    previous_referral: Mapped[Referral | None] = relationship(
        remote_side=[id], back_populates="next_referrals"
    )
    next_referrals: Mapped[list[Referral]] = relationship(
        back_populates="previous_referral", order_by="Referral.sent_at"
    )

    __mapper_args__: dict[str, Any] = {"version_id_col": version}

    def sides(self, user: User) -> frozenset[str]:
        """The sides ``user`` is on for this referral (none for administrators)."""
        if not user.is_authenticated or not user.is_active:
            return frozenset()
        return states.sides_of(
            user.organization_id, self.sending_organization_id, self.receiving_organization_id
        )

    def can_view(self, user: User) -> bool:
        return (
            user.is_authenticated and user.is_active and (user.is_admin or bool(self.sides(user)))
        )

    def can_see_client(self, user: User) -> bool:
        """Client data and free text go to the two organizations only, not administrators;
        to the receiver only while the client's consent stands."""
        sides = self.sides(user)
        if self.consent_withdrawn_at is not None and states.SENDER not in sides:
            return False
        return bool(sides)

    def can_rerefer(self, user: User) -> bool:
        return (
            states.SENDER in self.sides(user)
            and user.is_counsellor
            and self.status in (states.DECLINED, states.WITHDRAWN)
        )

    def actions_for(self, user: User) -> list[str]:
        return states.available_actions(self.status, self.sides(user))

    @property
    def is_child(self) -> bool:
        return self.client_age_group in CHILD_AGE_GROUPS

    def is_overdue(self, now: datetime | None = None) -> bool:
        return is_overdue(self.status, self.due_at, now or utcnow())


class ReferralEvent(Model):
    """One step of a referral's life: never changed or removed once written."""

    __tablename__ = "referral_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    # "send" for the first event, then an action of the state table; or what the system
    # did on its own (no actor): "remind", "escalate" (directory.referrals.reminders).
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20), default=None)
    to_status: Mapped[str] = mapped_column(String(20))
    # None: the system itself (an overdue reminder or escalation), or an action through a
    # partner link (``link_actor_name`` says who, as given).
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The actor's organization at the time (an account may move later).
    actor_organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id"), default=None
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    note: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    reason_code: Mapped[str | None] = mapped_column(String(40), default=None)
    reason_text: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    outcome_result: Mapped[str | None] = mapped_column(String(20), default=None)
    outcome_reason: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    outcome_service_delivered: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # On a decline: another service the decliner suggests (re-referral offers it first).
    # No foreign key: an event outlives a service removed from the directory.
    suggested_service_id: Mapped[str | None] = mapped_column(Uuid(as_uuid=False), default=None)
    # Through a partner link (no account): the name the person gave.
    link_actor_name: Mapped[str | None] = mapped_column(String(100), default=None)

    referral: Mapped[Referral] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(lazy="joined")

    # A referral is reminded once and escalated once, however many runs overlap.
    __table_args__ = (
        Index(
            "uq_referral_event_overdue_once",
            "referral_id",
            "action",
            unique=True,
            sqlite_where=text("action IN ('remind', 'escalate')"),
            postgresql_where=text("action IN ('remind', 'escalate')"),
        ),
    )
    actor_organization: Mapped[Organization | None] = relationship(lazy="joined")


class ImmutableEvent(Exception):
    """A referral event was about to be changed or deleted."""


@event.listens_for(Referral.client_reference, "set")
def _hash_reference(target: Referral, value: str | None, _old: Any, _initiator: Any) -> None:
    target.client_reference_hash = cipher().reference_hash(value)


@event.listens_for(ReferralEvent, "before_update")
def _refuse_update(_mapper: Any, _connection: Any, target: ReferralEvent) -> None:
    raise ImmutableEvent(f"referral event {target.id} cannot be changed")


@event.listens_for(ReferralEvent, "before_delete")
def _refuse_delete(_mapper: Any, _connection: Any, target: ReferralEvent) -> None:
    raise ImmutableEvent(f"referral event {target.id} cannot be deleted")


# The database refuses to change or delete an event too, on every write path
# (directory.referrals.guards): created with the table, dropped with it.
for _statement in guards.SQLITE_CREATE:
    event.listen(
        ReferralEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite")
    )
for _statement in guards.POSTGRESQL_CREATE:
    event.listen(
        ReferralEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
event.listen(
    ReferralEvent.__table__,
    "after_drop",
    DDL(guards.POSTGRESQL_DROP[-1]).execute_if(dialect="postgresql"),
)


class ReferralView(Model):
    """Who opened which referral, when, and how (page, letter or API); and every other
    access to or change of its client data (``purpose``): the record behind "who saw what".
    """

    __tablename__ = "referral_view"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(10))
    # "view", or a change: "send", "withdraw_consent", "legal_hold", "subject_access".
    purpose: Mapped[str] = mapped_column(String(20), default="view", server_default="view")
    # Whether the client data itself was shown (not to administrators or, after a
    # withdrawal of consent, to the receiver).
    client_data_shown: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )

    user: Mapped[User] = relationship(lazy="joined")


class BreakGlassAccess(Model):
    """An administrator "breaking the glass": the purpose they stated to read one
    referral's client data, and the short window it opened; or, past the hourly limit, the
    refusal (``refused``), which is flagged to the other administrators.

    Shown to both organizations in the referral's access history and listed in the
    administrators' report. The purpose is free text and encrypted like the client data.
    """

    __tablename__ = "break_glass_access"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    purpose: Mapped[str | None] = mapped_column(EncryptedText)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The end of the window; None when refused.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    refused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    user: Mapped[User] = relationship(lazy="joined")
    referral: Mapped[Referral] = relationship(lazy="joined")


class ReferralNote(Model):
    """A note one organization leaves the other on a referral: client data (encrypted,
    purged with the rest by retention, never in a notification, a log or an export)."""

    __tablename__ = "referral_note"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The author's organization at the time (an account may move later).
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # None once purged after retention.
    text: Mapped[str | None] = mapped_column(EncryptedText)

    author: Mapped[User] = relationship(lazy="joined")
    organization: Mapped[Organization] = relationship(lazy="joined")


class ReferralLink(Model):
    """A link by which the receiving organization answers a referral without an account.

    Only the SHA-256 of its token is kept: the token itself is shown once, to the sender
    who made it. Bound to one referral and to the organization receiving it when it was
    made; it works until ``expires_at``, until revoked (by the sender, or by a newer
    link), and only while the referral waits for an answer (sent or received).
    """

    __tablename__ = "referral_link"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referral.id"), index=True)
    receiving_organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    referral: Mapped[Referral] = relationship(lazy="joined")
