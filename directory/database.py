"""Engine settings and small helpers shared by every feature's models.

Nothing here knows of Flask: every model imports this module, so it stays below the web
layer. Whether a transaction may write is a context variable (:func:`write_intent`),
``True`` outside requests (commands, workers, threads); a request declares it from its
method and its view (:mod:`directory.request_transactions`). The writer queue that makes
writers take turns is its own module, switched by a setting
(:mod:`directory.writer_queue`, ``WRITER_QUEUE``).
"""

from __future__ import annotations

import os
import uuid
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, event

# Whether the transactions begun now may write. True outside requests; a request sets it.
_write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)


def new_id() -> str:
    """A random UUID as text: HSDS ids are UUID strings."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (a callable, never a value fixed at import)."""
    return datetime.now(UTC)


def write_intent() -> bool:
    """Whether the transactions begun now, in this context, may write."""
    return _write_intent.get()


def declare_write_intent(may_write: bool) -> Token[bool]:
    """Say whether what runs now (a request) may write; undo with :func:`reset_write_intent`."""
    return _write_intent.set(may_write)


def reset_write_intent(token: Token[bool]) -> None:
    _write_intent.reset(token)


# The database holds every client's data: readable and writable by its owner only.
PRIVATE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def keep_private(database: Path) -> None:
    """Create the SQLite file owner-only before SQLite does (SQLite gives its -wal and
    -shm files the database file's mode), and take group and other access away from a
    file, or a companion, made earlier with a looser mode."""
    if str(database).startswith("file:"):
        return
    if not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, PRIVATE_MODE))
    for path in (database, *(Path(f"{database}{suffix}") for suffix in SQLITE_COMPANIONS)):
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(PRIVATE_MODE)
        except FileNotFoundError:
            continue


def configure_engine_events(engine: Engine) -> None:
    """SQLite: enforce foreign keys, WAL, a busy timeout, and writes begun immediately.

    ``BEGIN IMMEDIATE`` takes the write lock at the start of a transaction, so two writers
    queue on the busy timeout instead of one failing with "database is locked" half way
    (a deferred transaction that reads, then writes, cannot wait: SQLITE_BUSY_SNAPSHOT).
    Readers never wait for writers in WAL mode, so a transaction begun without write
    intent (a GET request) begins deferred and does not queue behind the writers.

    PostgreSQL needs nothing here. The writer queue, when on, hooks in beside this
    (:func:`directory.writer_queue.install_writer_queue`).
    """
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    file_database = database not in (None, "", ":memory:")
    if database and file_database:
        keep_private(Path(database))

    @event.listens_for(engine, "connect")
    def _sqlite_on_connect(dbapi_connection, _record):
        # Take control of transactions away from the sqlite3 module (see SQLAlchemy's
        # "Serializable isolation / Savepoints / Transactional DDL" notes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if file_database:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
