"""A spreadsheet being imported (staged until the admin confirms), and saved mappings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from directory.database import new_id, utcnow
from directory.extensions import Model
from directory.sqltypes import UTCDateTime

ID = Uuid(as_uuid=False)

# Where a staged import stands.
MAPPING = "mapping"  # read; its columns wait to be mapped
PREVIEW = "preview"  # checked; rows, places and duplicates wait for the admin's choices
RUNNING = "running"  # confirmed; rows are being written (``processed`` of ``total``)
DONE = "done"
STATUSES = (MAPPING, PREVIEW, RUNNING, DONE)


class SheetImport(Model):
    """One uploaded sheet. ``rows`` holds the cells as read ([number, [cells]]);
    ``analysis`` the check of each row; ``choices`` the admin's decisions (per place text
    and per row); ``results`` what each written row became. Nothing of the directory
    changes before ``status`` is ``running``."""

    __tablename__ = "sheet_import"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    created_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default=MAPPING)
    headers: Mapped[list[Any]] = mapped_column(JSON)
    rows: Mapped[list[Any]] = mapped_column(JSON)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    choices: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    results: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    # Last sign of life of the writer, so a stalled import can be resumed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SheetMapping(Model):
    """The mapping last confirmed for a set of column headers (``mapping.header_key``)."""

    __tablename__ = "sheet_mapping"

    header_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("user_account.id"), index=True, default=None
    )
