"""Engine settings and small helpers shared by every feature's models."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
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


class WriterQueue:
    """Write transactions take turns here, across the threads of a process and, on SQLite,
    across processes too.

    SQLite admits one writer at a time and makes the others poll for its lock with growing
    sleeps (up to 100 ms each): under load a writer waits for seconds while others come
    and go, and the cores idle meanwhile. Here a process's threads queue on a lock of
    their own, each woken the moment the one before is done, and only the thread at the
    head polls a file lock (``flock``) shared with the other processes, every 2 ms at
    most. (A blocking ``flock`` would wake at once too, but cannot time out; the
    ``filelock`` package polls every 50 ms.)

    PostgreSQL locks rows, not the database, and needs no such queue for correctness; its
    writers take turns within each process only (``database=None``). A write costs several
    times a search in CPU, and with every writer running at once the searches shared the
    cores with all of them: ``make load`` gave search p95 640 ms, 49.8 referral actions/s
    without the queue, and 195 ms, 58.1 actions/s with it.

    The database's own locks stay the guard of correctness: a writer that waited
    ``wait_seconds`` here goes on without its turn (on SQLite, to SQLite's busy timeout as
    before), so this queue can slow a write but never lose, corrupt or deadlock one. A
    thread that holds the queue already (a second connection writing inside a first
    transaction) does not wait for itself.
    """

    def __init__(self, database: str | None, wait_seconds: float = 10.0) -> None:
        # No database file (PostgreSQL): the threads of each process take turns only.
        self.path = f"{database}-writers.lock" if database else None
        self.wait_seconds = wait_seconds
        self._pid = -1
        # The thread whose turn it is (any thread may end a turn: the pool can check a
        # connection in from another one).
        self._holder: int | None = None

    def _for_this_process(self) -> None:
        """A fresh lock and file after a fork (gunicorn forks its workers)."""
        if self._pid != os.getpid():
            self._threads = threading.Lock()
            self._file = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600) if self.path else None
            self._pid = os.getpid()

    def acquire(self) -> bool:
        """Wait for our turn; False when this thread holds it already or the wait ran out."""
        if self._holder == threading.get_ident():
            return False
        self._for_this_process()
        deadline = time.monotonic() + self.wait_seconds
        if not self._threads.acquire(timeout=self.wait_seconds):
            log.warning("writer queue: waited %.0f s, going on", self.wait_seconds)
            return False
        pause = 0.0002
        while self._file is not None:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._threads.release()
                    log.warning("writer queue: waited %.0f s, going on", self.wait_seconds)
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
            else:
                break
        self._holder = threading.get_ident()
        return True

    def release(self) -> None:
        self._holder = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()


_HOLDS_QUEUE = "directory_holds_writer_queue"
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
    """SQLite: enforce foreign keys, WAL, a busy timeout, and writes begun immediately,
    one writer after the other (:class:`WriterQueue`). PostgreSQL: the write transactions
    of a process one after the other.

    ``BEGIN IMMEDIATE`` takes the write lock at the start of a transaction, so two writers
    queue on the busy timeout instead of one failing with "database is locked" half way
    (a deferred transaction that reads, then writes, cannot wait: SQLITE_BUSY_SNAPSHOT).
    """
    if engine.dialect.name != "sqlite":
        _queue_writers(engine, WriterQueue(None), begin=None)
        return
    file_database = engine.url.database not in (None, "", ":memory:")
    if file_database:
        keep_private(Path(engine.url.database))

    @event.listens_for(engine, "connect")
    def _sqlite_on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
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

    # Readers never wait for writers in WAL mode, so a read-only request begins a
    # deferred transaction and does not queue behind the writers.
    _queue_writers(
        engine,
        WriterQueue(engine.url.database) if file_database else None,
        begin=("BEGIN IMMEDIATE", "BEGIN"),
    )


def _queue_writers(
    engine: Engine, queue: WriterQueue | None, begin: tuple[str, str] | None
) -> None:
    """A transaction begun with write intent waits for its turn in ``queue``, and ends
    it when it ends. ``begin``: the statements that begin a writing and a reading
    transaction, for a driver whose transactions we begin ourselves (SQLite)."""

    def _leave_queue(info: dict) -> None:  # type: ignore[type-arg]
        if info.pop(_HOLDS_QUEUE, False):
            assert queue is not None
            queue.release()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        writes = _write_intent.get()
        if writes and queue is not None and queue.acquire():
            connection.connection.info[_HOLDS_QUEUE] = True
        if begin is None:
            return
        try:
            connection.exec_driver_sql(begin[0] if writes else begin[1])
        except BaseException:
            _leave_queue(connection.connection.info)
            raise

    # The turn ends with the transaction. A connection's commit and rollback events come
    # just before the database's own COMMIT or ROLLBACK, which take well under a
    # millisecond: on SQLite a next writer that begins meanwhile waits on SQLite's busy
    # handler for that moment.
    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _transaction_ends(connection):  # type: ignore[no-untyped-def]
        # A connection the database dropped was invalidated first, and left the queue
        # then (below); asking it for its DBAPI connection now would raise.
        if not connection.invalidated:
            _leave_queue(connection.connection.info)

    # A connection that ends otherwise (invalidated after an error, closed, handed back
    # to the pool and reset) leaves the queue too.
    @event.listens_for(engine, "invalidate")
    @event.listens_for(engine, "soft_invalidate")
    def _connection_invalidated(_dbapi_connection, record, _error):  # type: ignore[no-untyped-def]
        _leave_queue(record.info)

    @event.listens_for(engine, "reset")
    def _connection_reset(_dbapi_connection, record, _reset_state):  # type: ignore[no-untyped-def]
        _leave_queue(record.info)

    @event.listens_for(engine, "close")
    @event.listens_for(engine, "checkin")
    def _connection_returned(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        if record is not None:
            _leave_queue(record.info)


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
