"""Engine settings and small helpers shared by every feature's models."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TypeVar

from flask import Flask, current_app, g, request
from sqlalchemy import Engine, event
from sqlalchemy.exc import InterfaceError, OperationalError

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Whether the transactions begun now may write. True outside requests (commands, workers,
# threads); a request sets it from its method and its view (see ``writes_on_get``).
_write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)

View = TypeVar("View", bound=Callable[..., object])


def new_id() -> str:
    """A random UUID as text: HSDS ids are UUID strings."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (a callable, never a value fixed at import)."""
    return datetime.now(UTC)


def configure_engine_events(engine: Engine) -> None:
    """SQLite: enforce foreign keys, WAL, a busy timeout, and writes begun immediately.

    ``BEGIN IMMEDIATE`` takes the write lock at the start of a transaction, so two writers
    queue on the busy timeout instead of one failing with "database is locked" half way
    (a deferred transaction that reads, then writes, cannot wait: SQLITE_BUSY_SNAPSHOT).
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
        # Readers never wait for writers in WAL mode, so a read-only request begins a
        # deferred transaction and does not queue behind the writers.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def writes_on_get(view: View) -> View:
    """Mark a GET view that writes (opening a referral records the visit), so that its
    SQLite transaction takes the write lock at the start instead of failing to upgrade."""
    view.writes_database = True  # type: ignore[attr-defined]
    return view


def register_write_intent(app: Flask) -> None:
    @app.before_request
    def _declare_write_intent() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        may_write = request.method not in SAFE_METHODS or getattr(view, "writes_database", False)
        g._write_intent_token = _write_intent.set(may_write)

    @app.teardown_request
    def _forget_write_intent(_error: BaseException | None) -> None:
        token = g.pop("_write_intent_token", None)
        if token is not None:
            _write_intent.reset(token)


def register_session_teardown(app: Flask) -> None:
    """End each app context's session even when its connection was lost.

    Flask-SQLAlchemy's own teardown rolls the session back, which raises on a connection
    the database dropped after the request's last query (a restart); raised there, past
    every error handler, it turns an answered request into a 500. Registered after
    ``db.init_app``, this runs first (teardowns run in reverse): a dead session is
    dropped, its connection already invalidated by SQLAlchemy, and the pool reconnects.
    """
    from directory.extensions import db

    @app.teardown_appcontext
    def _remove_session(_error: BaseException | None) -> None:
        try:
            db.session.remove()
        except (OperationalError, InterfaceError) as error:
            log.warning("database connection lost at a request's end: %s", type(error).__name__)
            db.session.registry.clear()
