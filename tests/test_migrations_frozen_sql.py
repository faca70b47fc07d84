"""The migrations that make the referral events' triggers run the same SQL forever.

They build it with :mod:`directory.referrals.frozen_event_triggers`; the digests below were
taken once from the statements the migrations held written out in full (before that
module), so an edit of the module, or of a migration's call, that changes one character
of what an old revision runs fails here.
"""

import hashlib
import importlib.util
from pathlib import Path

import pytest

from directory.referrals import frozen_event_triggers, guards

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"

# sha256 (first 16 hex digits) of each constant's statements joined by a newline.
CAPTURED = {
    "0005.POSTGRESQL_CREATE": "8e24a8533e2617c6",
    "0005.POSTGRESQL_DROP": "45c66471d9467aa0",
    "0005.SQLITE_CREATE": "61e9743357faff6d",
    "0005.SQLITE_DROP": "899328d6e2454679",
    "0010.POSTGRESQL_CREATE": "28e24f4e2591c475",
    "0010.POSTGRESQL_CREATE_0005": "8e24a8533e2617c6",
    "0010.POSTGRESQL_DROP": "45c66471d9467aa0",
    "0010.SQLITE_CREATE": "0f4acf35e98ea2fa",
    "0010.SQLITE_CREATE_0005": "61e9743357faff6d",
    "0010.SQLITE_DROP": "899328d6e2454679",
    "0011.POSTGRESQL_CREATE": "de501917d4033baa",
    "0011.POSTGRESQL_CREATE_0010": "28e24f4e2591c475",
    "0011.POSTGRESQL_DROP": "45c66471d9467aa0",
    "0011.SQLITE_CREATE": "6bb4c2f7e2996502",
    "0011.SQLITE_CREATE_0010": "0f4acf35e98ea2fa",
    "0011.SQLITE_DROP": "899328d6e2454679",
    "0013.POSTGRESQL_CREATE": "c5a1ae5c5a95fe36",
    "0013.POSTGRESQL_CREATE_0011": "de501917d4033baa",
    "0013.POSTGRESQL_DROP": "45c66471d9467aa0",
    "0013.SQLITE_CREATE": "56cadd40386b7292",
    "0013.SQLITE_CREATE_0011": "6bb4c2f7e2996502",
    "0013.SQLITE_DROP": "899328d6e2454679",
}


def digest(statements) -> str:
    return hashlib.sha256("\n".join(statements).encode()).hexdigest()[:16]


def trigger_statements(revision: str) -> dict[str, tuple[str, ...]]:
    """The statement constants of one revision, loaded from its file as Alembic does."""
    (path,) = VERSIONS.glob(f"{revision}_*.py")
    spec = importlib.util.spec_from_file_location(f"revision_{revision}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {
        f"{revision}.{name}": tuple(value)
        for name, value in vars(module).items()
        if name.startswith(("SQLITE_", "POSTGRESQL_"))
    }


@pytest.mark.parametrize("revision", ["0005", "0010", "0011", "0013"])
def test_each_migration_makes_the_statements_it_always_made(revision):
    found = {name: digest(value) for name, value in trigger_statements(revision).items()}
    assert found == {name: d for name, d in CAPTURED.items() if name.startswith(revision)}


def test_a_digest_tells_a_changed_statement():
    """The check above can fail: one column more, or one space, is another digest."""
    statements = frozen_event_triggers.sqlite_create(
        frozen_event_triggers.FIXED_0011, demonstration=True
    )
    assert digest(statements) == CAPTURED["0011.SQLITE_CREATE"]
    assert digest((statements[0] + " ", statements[1])) != CAPTURED["0011.SQLITE_CREATE"]
    more = frozen_event_triggers.sqlite_create(
        (*frozen_event_triggers.FIXED_0011, "note"), demonstration=True
    )
    assert digest(more) != CAPTURED["0011.SQLITE_CREATE"]


def test_the_head_columns_are_the_live_ones():
    """The last frozen list is the one the app's guard (create_all) fixes today; a new
    column of the event needs a new migration, and a new list here."""
    assert frozen_event_triggers.FIXED_0013 == guards.FIXED_EVENT_COLUMNS


def test_the_first_revision_lets_no_event_be_deleted_and_later_ones_only_demonstrations():
    old_sqlite = frozen_event_triggers.sqlite_create(
        frozen_event_triggers.FIXED_0005, demonstration=False
    )
    old_postgresql = frozen_event_triggers.postgresql_create(
        frozen_event_triggers.FIXED_0005, demonstration=False
    )
    assert "demonstration" not in "".join(old_sqlite + old_postgresql)
    new_sqlite = frozen_event_triggers.sqlite_create(
        frozen_event_triggers.FIXED_0013, demonstration=True
    )
    assert "directory_deletes_demonstration()" in new_sqlite[1]
    assert "NEW.suggested_service_id IS OLD.suggested_service_id" in new_sqlite[0]
