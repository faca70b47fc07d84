"""SQLite writers take turns in a queue across threads and processes
(``directory.writer_queue.WriterQueue``) instead of polling SQLite's lock together.

The tests that use ``app`` run twice: with the queue (``WRITER_QUEUE = True``) and
without it; the guarantees that do not depend on the queue hold under both."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from directory.extensions import db
from directory.institutions.models import Organization
from directory.writer_queue import WriterQueue
from tests.factories import OrganizationFactory
from tests.support.writer_settings import app_under_both_writer_settings

app = app_under_both_writer_settings


def queue_is_free(path: str) -> bool:
    """Whether another file handle could take the queue's file lock now."""
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True
    finally:
        os.close(handle)


@contextmanager
def process_holding_its_turn(database: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process that takes its turn in the queue of ``database``, then sleeps."""
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\n"
            "from directory.writer_queue import WriterQueue\n"
            f"assert WriterQueue({str(database)!r}).acquire()\n"
            "print('held', flush=True)\n"
            f"time.sleep({seconds})\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder


def test_threads_take_turns_and_the_next_goes_as_soon_as_the_first_is_done(tmp_path):
    queue = WriterQueue(str(tmp_path / "db.sqlite"))
    assert queue.acquire()
    turns: list[tuple[str, float]] = []

    def second() -> None:
        assert queue.acquire()
        turns.append(("second", time.monotonic()))
        queue.release()

    waiting = threading.Thread(target=second)
    waiting.start()
    time.sleep(0.2)
    assert turns == []  # still waiting
    released_at = time.monotonic()
    queue.release()
    waiting.join(timeout=5)
    assert [who for who, _ in turns] == ["second"]
    assert turns[0][1] - released_at < 0.05
    assert queue_is_free(queue.path)


def test_a_thread_does_not_wait_for_its_own_turn(tmp_path):
    queue = WriterQueue(str(tmp_path / "db.sqlite"), wait_seconds=5)
    assert queue.acquire()
    started = time.monotonic()
    assert not queue.acquire()  # a second connection inside the first transaction
    assert time.monotonic() - started < 0.1
    queue.release()


def test_another_process_holding_the_queue_makes_us_wait_for_it(tmp_path):
    queue = WriterQueue(str(tmp_path / "db.sqlite"))
    with process_holding_its_turn(tmp_path / "db.sqlite", 0.5):
        started = time.monotonic()
        assert queue.acquire()
        waited = time.monotonic() - started
        queue.release()
    assert 0.2 < waited < 2


def test_a_wait_that_runs_out_goes_on_to_sqlites_own_lock(tmp_path):
    queue = WriterQueue(str(tmp_path / "db.sqlite"), wait_seconds=0.3)
    handle = os.open(queue.path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        assert not queue.acquire()
        assert 0.3 <= time.monotonic() - started < 2
    finally:
        os.close(handle)
    assert queue.acquire()  # nothing was left held by the wait that ran out
    queue.release()


@pytest.fixture
def queue_path(app) -> str:  # type: ignore[no-untyped-def]
    if db.engine.dialect.name != "sqlite" or not db.engine.url.database:
        pytest.skip("the queue is for SQLite's single writer")
    if not app.config["WRITER_QUEUE"]:
        pytest.skip("the writer queue is off")
    return f"{db.engine.url.database}-writers.lock"


def queue_on(app) -> bool:  # type: ignore[no-untyped-def]
    return app.extensions["writer_queue"] is not None


def test_a_write_transaction_holds_the_queue_until_it_commits(app, queue_path):
    db.session.commit()
    assert queue_is_free(queue_path)
    OrganizationFactory()
    db.session.flush()  # the transaction has begun, immediately: our turn
    assert not queue_is_free(queue_path)
    db.session.commit()
    assert queue_is_free(queue_path)


def test_a_failed_write_stores_nothing_and_leaves_the_queue(app):
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(Organization))
    db.session.commit()
    OrganizationFactory()
    db.session.flush()
    queue = app.extensions["writer_queue"]
    assert queue_on(app) == (queue is not None and queue._holder == threading.get_ident())
    db.session.rollback()
    assert queue is None or queue._holder is None
    if queue is not None and queue.path:
        assert queue_is_free(queue.path)
    assert db.session.scalar(select(func.count()).select_from(Organization)) == before


def test_the_setting_switches_the_queue(app):
    """On: a write transaction holds the queue. Off: nothing takes a turn, and on SQLite
    no lock file is made beside the database."""
    db.session.commit()
    OrganizationFactory()
    db.session.flush()
    queue = app.extensions["writer_queue"]
    if app.config["WRITER_QUEUE"]:
        assert queue is not None and queue._holder == threading.get_ident()
    else:
        assert queue is None
        if db.engine.dialect.name == "sqlite":
            assert not Path(f"{db.engine.url.database}-writers.lock").exists()
    db.session.commit()


def test_a_begin_that_fails_leaves_the_queue(app):
    """A transaction whose BEGIN fails after it took its turn hands its connection back,
    and with it the turn: the next writer does not wait for it."""
    db.session.commit()

    def refuse(_connection):  # type: ignore[no-untyped-def]
        raise RuntimeError("BEGIN refused")

    sa_event.listen(db.engine, "begin", refuse)
    try:
        with pytest.raises(RuntimeError, match="BEGIN refused"):
            OrganizationFactory()
            db.session.flush()
    finally:
        sa_event.remove(db.engine, "begin", refuse)
    db.session.rollback()
    queue = app.extensions["writer_queue"]
    assert queue is None or queue._holder is None
    if queue is not None and queue.path:
        assert queue_is_free(queue.path)
    OrganizationFactory(name="Lembaga sesudah BEGIN gagal")
    db.session.commit()
    assert (
        db.session.scalar(
            select(func.count()).where(Organization.name == "Lembaga sesudah BEGIN gagal")
        )
        == 1
    )


def test_the_queue_file_lies_beside_the_database(app, queue_path):
    assert Path(queue_path).parent == Path(db.engine.url.database).parent


def test_a_writer_killed_in_its_turn_does_not_block_the_others(tmp_path):
    queue = WriterQueue(str(tmp_path / "db.sqlite"))
    with process_holding_its_turn(tmp_path / "db.sqlite", 60) as holder:
        assert not queue_is_free(queue.path)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        started = time.monotonic()
        assert queue.acquire()
        assert time.monotonic() - started < 1
        queue.release()


def test_without_a_database_file_only_the_threads_of_a_process_take_turns():
    queue = WriterQueue(None)
    assert queue.path is None
    assert queue.acquire()
    turns: list[str] = []

    def second() -> None:
        assert queue.acquire()
        turns.append("second")
        queue.release()

    waiting = threading.Thread(target=second)
    waiting.start()
    time.sleep(0.2)
    assert turns == []
    queue.release()
    waiting.join(timeout=5)
    assert turns == ["second"]


def test_a_second_writer_waits_until_the_first_transaction_ends(app):
    """With the queue on either database, and on SQLite without it (its write lock, taken
    by BEGIN IMMEDIATE): another thread's write begins only after ours commits. Without
    the queue on PostgreSQL, two inserts of different rows need not wait: both are kept."""
    serialised = app.config["WRITER_QUEUE"] or db.engine.dialect.name == "sqlite"
    db.session.commit()
    OrganizationFactory(name="Lembaga penulis pertama")
    db.session.flush()  # our write transaction holds the turn
    began: list[float] = []

    def other_writer() -> None:
        with app.app_context():
            OrganizationFactory(name="Lembaga penulis kedua")
            db.session.flush()
            began.append(time.monotonic())
            db.session.commit()

    writer = threading.Thread(target=other_writer)
    writer.start()
    time.sleep(0.3)
    if serialised:
        assert began == []  # still waiting for its turn
    committed_at = time.monotonic()
    db.session.commit()
    writer.join(timeout=10)
    assert began
    if serialised:
        assert began[0] >= committed_at
    names = set(db.session.scalars(select(Organization.name)))
    assert {"Lembaga penulis pertama", "Lembaga penulis kedua"} <= names


def test_a_connection_dropped_in_its_turn_leaves_the_queue(app):
    """As when the database restarts under a write: the rollback after it does not fail."""
    queue = app.extensions["writer_queue"]
    db.session.commit()
    OrganizationFactory()
    db.session.flush()
    if queue is not None and queue.path:
        assert not queue_is_free(queue.path)
    db.session.connection().invalidate()
    assert queue is None or queue._holder is None
    if queue is not None and queue.path:
        assert queue_is_free(queue.path)
    db.session.rollback()
    OrganizationFactory(name="Lembaga sesudah putus")
    db.session.commit()  # a new connection takes a new turn
    assert queue is None or queue._holder is None
    assert (
        db.session.scalar(select(func.count()).where(Organization.name == "Lembaga sesudah putus"))
        == 1
    )
