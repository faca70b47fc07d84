"""HSDS 3.0 ``metadata``: one row per changed field of one directory record.

HSDS names the columns (``resource_id``, ``resource_type``, ``last_action_date``,
``last_action_type``, ``field_name``, ``previous_value``, ``replacement_value``,
``updated_by``); ``updated_by_id`` and ``organization_id`` are ours, so that an admin can
follow one account or one organization's listing. Only directory data is recorded here,
never anything about a client.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from directory.database import new_id, utcnow
from directory.extensions import Model
from directory.sqltypes import UTCDateTime

ID = Uuid(as_uuid=False)

# What happened to the record: HSDS leaves the vocabulary open.
ACTION_CREATE = "create"
ACTION_UPDATE = "update"
ACTION_DEACTIVATE = "deactivate"
ACTION_REACTIVATE = "reactivate"
ACTION_DELETE = "delete"
ACTION_VERIFY = "verify"
ACTION_TYPES = (
    ACTION_CREATE,
    ACTION_UPDATE,
    ACTION_DEACTIVATE,
    ACTION_REACTIVATE,
    ACTION_DELETE,
    ACTION_VERIFY,
)


class MetadataEntry(Model):
    __tablename__ = "metadata"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    resource_id: Mapped[str] = mapped_column(String(64), index=True)
    resource_type: Mapped[str] = mapped_column(String(40), index=True)
    last_action_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_action_type: Mapped[str] = mapped_column(String(20))
    field_name: Mapped[str] = mapped_column(String(100))
    previous_value: Mapped[str] = mapped_column(Text, default="")
    replacement_value: Mapped[str] = mapped_column(Text, default="")
    # HSDS: "the name of the person who updated the value"; we keep the account's e-mail.
    updated_by: Mapped[str] = mapped_column(String(254))
    updated_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id"), index=True, default=None
    )
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.id"), index=True, default=None
    )
