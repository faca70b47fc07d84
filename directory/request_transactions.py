"""A request's transactions: whether they may write, how its session ends, and (in tests
and debugging) a guard that refuses a write from a GET view that did not say it writes.

This is the request-aware half of :mod:`directory.database`, which every model imports and
which knows nothing of Flask; the app factory registers it (:func:`init_request_transactions`).

A GET, HEAD or OPTIONS request reads: on SQLite its transaction begins deferred, so it
never queues behind the writers (WAL readers do not wait). A GET view that writes (opening
a referral records the visit) says so with :func:`writes_on_get`; unmarked, its write would
have to upgrade a deferred transaction, which fails under contention (SQLITE_BUSY_SNAPSHOT)
and only then. ``STRICT_GET_READS`` (default: on when testing or debugging) turns that
into a failure every time: a write statement in an unmarked safe-method request raises
:class:`UnmarkedWriteOnGet` and is recorded in ``app.extensions["unmarked_get_writes"]``.
It is a statement listener that costs a call per statement, so production leaves it off.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from sqlalchemy import Engine, event
from sqlalchemy.exc import InterfaceError, OperationalError

from directory.database import declare_write_intent, reset_write_intent, write_intent

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

View = TypeVar("View", bound=Callable[..., object])

# A statement that changes the database: its first keyword, past comments, or a data-
# changing statement inside a WITH.
_WRITE_STATEMENT = re.compile(
    r"^\s*(?:(?:--[^\n]*(?:\n|$)|/\*.*?\*/)\s*)*"
    r"(?:INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE|CREATE|DROP|ALTER|TRUNCATE"
    r"|WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b)\b",
    re.IGNORECASE | re.DOTALL,
)


class UnmarkedWriteOnGet(RuntimeError):
    """A safe-method request wrote without its view being marked ``@writes_on_get``."""


def writes_on_get(view: View) -> View:
    """Mark a GET view that writes (opening a referral records the visit), so that its
    SQLite transaction takes the write lock at the start instead of failing to upgrade."""
    view.writes_database = True  # type: ignore[attr-defined]
    return view


def is_write_statement(statement: str) -> bool:
    return _WRITE_STATEMENT.match(statement) is not None


def init_request_transactions(app: Flask, engine: Engine) -> None:
    """Register the request hooks; call after ``db.init_app`` and before the other
    ``before_request`` hooks, so every query of a request knows its intent."""
    register_session_teardown(app)
    register_write_intent(app)
    strict = app.config.get("STRICT_GET_READS")
    if strict is None:
        strict = bool(app.config.get("TESTING") or app.debug)
    if strict:
        install_get_write_guard(app, engine)


def register_write_intent(app: Flask) -> None:
    @app.before_request
    def _declare_write_intent() -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        may_write = request.method not in SAFE_METHODS or getattr(view, "writes_database", False)
        g._write_intent_token = declare_write_intent(may_write)

    @app.teardown_request
    def _forget_write_intent(_error: BaseException | None) -> None:
        token = g.pop("_write_intent_token", None)
        if token is not None:
            reset_write_intent(token)


def install_get_write_guard(app: Flask, engine: Engine) -> list[str]:
    """Refuse (and record) every write statement run while the write intent is off: in a
    safe-method request whose view is not marked :func:`writes_on_get`."""
    seen: list[str] = app.extensions.setdefault("unmarked_get_writes", [])

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_unmarked_write(  # type: ignore[no-untyped-def]
        _conn, _cursor, statement: str, _parameters: Any, _context, _executemany
    ):
        if write_intent() or not is_write_statement(statement):
            return
        # The endpoint and the statement's start, never its parameters (client data).
        where = f"{request.method} {request.endpoint}" if request else "?"
        seen.append(f"{where}: {' '.join(statement.split(None, 3)[:3])}")
        raise UnmarkedWriteOnGet(f"{where} writes; mark its view @writes_on_get")

    return seen


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
