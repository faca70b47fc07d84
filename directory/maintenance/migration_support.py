"""Helpers for Alembic migration scripts (``migrations/versions/``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op


@contextmanager
def sqlite_foreign_keys_off() -> Iterator[None]:
    """SQLite: batch mode rebuilds a table (copy, drop, rename) that rows of other tables
    may reference. SQLite's way (https://sqlite.org/lang_altertable.html): foreign keys off
    outside a transaction, rebuild, check, foreign keys on again. Elsewhere: nothing."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    raw = bind.connection.dbapi_connection

    def outside_transaction(statement: str) -> None:
        if raw.in_transaction:  # type: ignore[union-attr]
            bind.exec_driver_sql("COMMIT")
        bind.exec_driver_sql(statement)
        bind.exec_driver_sql("BEGIN IMMEDIATE")

    outside_transaction("PRAGMA foreign_keys = OFF")
    yield
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
    outside_transaction("PRAGMA foreign_keys = ON")
