"""Engine settings and small helpers shared by every feature's models."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine, event


def new_id() -> str:
    """A random UUID as text: HSDS ids are UUID strings."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (a callable, never a value fixed at import)."""
    return datetime.now(UTC)


def configure_engine_events(engine: Engine) -> None:
    """SQLite: enforce foreign keys, WAL, a busy timeout, and writes begun immediately.

    ``BEGIN IMMEDIATE`` takes the write lock at the start of a transaction, so two writers
    queue on the busy timeout instead of one failing with "database is locked" half way.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Take control of transactions away from the sqlite3 module (see SQLAlchemy's
        # "Serializable isolation / Savepoints / Transactional DDL" notes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_on_begin(connection):  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")
