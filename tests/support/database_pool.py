"""Fresh PostgreSQL databases for tests, copied from a template ahead of time.

``CREATE DATABASE ... TEMPLATE`` takes about 80 ms and ``DROP DATABASE`` about 10 ms, on
the server's core: done in the test's own time, that is several minutes of a suite of
thousands of tests. Here one thread keeps ``ahead`` copies ready and another drops the
used ones, both while tests run; a test takes a ready copy at once. A copy is only ever
used by one test, so nothing carries over from one test to the next.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading

import sqlalchemy as sa


class DatabasePool:
    def __init__(self, admin: sa.Engine, template: str, ahead: int = 2) -> None:
        self._admin = admin
        self._template = template
        self._names = (f"test_{os.getpid()}_{number}" for number in itertools.count())
        self._ready: queue.Queue[str | BaseException] = queue.Queue(maxsize=ahead)
        self._used: queue.Queue[str | None] = queue.Queue()
        self._stopping = threading.Event()
        self._drop_failure: BaseException | None = None
        self._threads = [
            threading.Thread(target=self._make_copies, name="db-pool-create", daemon=True),
            threading.Thread(target=self._drop_copies, name="db-pool-drop", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _execute(self, statement: str) -> None:
        with self._admin.connect() as connection:
            connection.exec_driver_sql(statement)

    def _make_copies(self) -> None:
        while not self._stopping.is_set():
            name = next(self._names)
            try:
                # FILE_COPY copies the template's files (cheaper than WAL_LOG for a small
                # database; the server runs with fsync off, so its checkpoint is cheap).
                self._execute(
                    f"CREATE DATABASE {name} TEMPLATE {self._template} STRATEGY FILE_COPY"
                )
            except BaseException as error:  # handed to the test that waits for a copy
                self._ready.put(error)
                return
            while not self._stopping.is_set():
                try:
                    self._ready.put(name, timeout=0.2)
                    break
                except queue.Full:
                    continue

    def _drop_copies(self) -> None:
        while (name := self._used.get()) is not None:
            try:
                self._execute(f"DROP DATABASE {name} WITH (FORCE)")
            except BaseException as error:  # raised by close(), at the end of the session
                self._drop_failure = error
                return

    def take(self) -> str:
        """The name of a fresh copy of the template, for one test."""
        ready = self._ready.get(timeout=120)
        if isinstance(ready, BaseException):
            raise RuntimeError("could not copy the template database") from ready
        return ready

    def give_back(self, name: str) -> None:
        """Drop a used copy (in the background)."""
        self._used.put(name)

    def close(self) -> None:
        """Stop making copies and wait for the used ones to be dropped."""
        self._stopping.set()
        self._used.put(None)
        for thread in self._threads:
            thread.join(timeout=60)
        if self._drop_failure is not None:
            raise RuntimeError("could not drop a used test database") from self._drop_failure
