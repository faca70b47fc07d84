"""The keys of idempotent requests and the answers they got."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from directory.crypto import EncryptedText
from directory.database import utcnow
from directory.extensions import Model
from directory.sqltypes import UTCDateTime


class IdempotencyKey(Model):
    """One account's key: the request it came with (a fingerprint of method, path and
    body) and, once answered, the answer (status, location, body). The answer of a
    referral holds client data: encrypted like it. Kept 24 hours (``purge_expired``).

    A row without ``status_code`` is a request under way (or one that ended without
    committing anything, which a retry may take over after ``TAKEOVER_SECONDS``).
    """

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_key_user_id_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    key: Mapped[str] = mapped_column(String(300))
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    location: Mapped[str | None] = mapped_column(String(500), default=None)
    response_body: Mapped[str | None] = mapped_column(EncryptedText, default=None)
