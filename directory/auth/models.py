"""Accounts: staff of LK3 and partner institutions, and the network's administrators.

Counsellors and partners belong to an organization; which side of a referral they are on
follows from it. Passwords are stored as argon2 hashes, API tokens as SHA-256 digests:
neither can be read back.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.database import new_id, utcnow
from directory.extensions import Model
from directory.institutions.models import Organization
from directory.sqltypes import UTCDateTime

ID = Uuid(as_uuid=False)

ADMIN = "admin"
COUNSELLOR = "counsellor"
PARTNER = "partner"
ROLES = (ADMIN, COUNSELLOR, PARTNER)
# Roles that act for an organization and must belong to one.
ORGANIZATION_ROLES = (COUNSELLOR, PARTNER)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Model):
    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "user_account"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    # Stored lower-case, so that the address is unique however it is typed.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id"), index=True, default=None
    )
    # A network coordinator (administrator) responsible for one province (its two-digit
    # Kemendagri code): overdue referrals there are escalated to them (None: everywhere).
    province_code: Mapped[str | None] = mapped_column(String(2), default=None)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Part of the id kept in the session cookie; a new value ends every session that
    # carries the old one (logging out, changing the password).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization | None] = relationship(lazy="joined")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_counsellor(self) -> bool:
        return self.role == COUNSELLOR

    @property
    def is_partner(self) -> bool:
        return self.role == PARTNER

    def can_send_referrals(self) -> bool:
        return self.active and self.is_counsellor and self.organization_id is not None


class ApiToken(Model):
    """A bearer token for the API. Only its SHA-256 digest is kept."""

    __tablename__ = "api_token"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user: Mapped[User] = relationship(lazy="joined")

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at and self.user.is_active


LOGIN_SUCCEEDED = "succeeded"
LOGIN_FAILED = "failed"
# Refused without checking the password: attempted before the wait after failures was over.
LOGIN_THROTTLED = "throttled"


class LoginAttempt(Model):
    """Every attempt to sign in (form or API), kept to slow guessing down and for audit;
    deleted after ``LOGIN_ATTEMPT_RETENTION_HOURS``."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip_address: Mapped[str] = mapped_column(String(45), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    outcome: Mapped[str] = mapped_column(String(20))
