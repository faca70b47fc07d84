"""Write transactions take turns in a queue: a speed trick, switched by ``WRITER_QUEUE``
(on by default), hooked onto the engine by the app factory
(:func:`install_writer_queue`). Off, writers meet at the database's own locks alone
(SQLite's busy timeout, PostgreSQL's row locks), as they would without this module.

Which transactions queue is read from :func:`directory.database.write_intent`: a
transaction begun with write intent waits for its turn and ends it when it ends.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time

from sqlalchemy import Engine, event

from directory.database import write_intent

log = logging.getLogger(__name__)

_HOLDS_QUEUE = "directory_holds_writer_queue"


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


def queue_for(engine: Engine) -> WriterQueue | None:
    """The queue an engine's writers take turns in: across processes for a SQLite file,
    within the process for PostgreSQL, none for an in-memory SQLite database."""
    if engine.dialect.name != "sqlite":
        return WriterQueue(None)
    if engine.url.database in (None, "", ":memory:"):
        return None
    return WriterQueue(engine.url.database)


def install_writer_queue(engine: Engine, queue: WriterQueue | None = None) -> WriterQueue | None:
    """Make the write transactions of ``engine`` take turns in ``queue`` (by default
    :func:`queue_for` the engine); returns it.

    The turn is taken before the transaction begins (listened to first, before the
    ``BEGIN IMMEDIATE`` of :func:`directory.database.configure_engine_events`), and ends
    with it: at its commit or rollback, or when its connection is invalidated, reset,
    closed or handed back to the pool (a ``BEGIN`` that fails hands its connection back).
    """
    queue = queue or queue_for(engine)
    if queue is None:
        return None

    def _leave_queue(info: dict) -> None:  # type: ignore[type-arg]
        if info.pop(_HOLDS_QUEUE, False):
            queue.release()

    # insert=True: before the listener that begins SQLite's transaction, whatever the
    # order they were installed in.
    @event.listens_for(engine, "begin", insert=True)
    def _take_turn(connection):  # type: ignore[no-untyped-def]
        if write_intent() and queue.acquire():
            connection.connection.info[_HOLDS_QUEUE] = True

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

    return queue
