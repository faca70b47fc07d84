"""Column types shared by features, and the raw reading of id columns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    SQLite keeps no offset and hands back naive values; comparing those with
    :func:`directory.database.utcnow` raises. Values are stored in UTC and come back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one (UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def raw_id(column: Any, *, labelled: bool = False) -> Any:
    """An id column read as the driver returns it (32 hex digits on SQLite, a ``uuid.UUID``
    on PostgreSQL), without SQLAlchemy's ``Uuid`` type parsing each one first: that
    conversion was most of the cost of reading the directory's records, the map's
    document and the reports' figures at 10,000 rows. Raw ids are only compared with each
    other; what leaves the reader is made canonical (``8-4-4-4-12``) once per id.

    ``labelled``: named ``<table>_<column>``, for a select that reads two columns of the
    same name.
    """
    raw = type_coerce(column, String)
    return raw.label(f"{column.table.name}_{column.name}") if labelled else raw
