"""Which guard holds each referral rule, on each write path.

Referral writes take two paths. The **ORM flush** (``db.session.add`` then ``flush``):
withdrawing consent, legal holds, the retention purge of a referral's own columns, tests'
factories. **Plain statements** (``session.execute(insert/update(...))``, no unit of work):
``send_referral``, ``transition_referral`` and ``open_referral`` in
:mod:`directory.referrals.operations` (``_insert_as_loaded``, ``_update_unless_stale``,
``_append_event``, ``_INSERT_VIEW``), their notifications
(``notify_referral_event``, a receiver of the referral signals), the purge of the events' texts
(:func:`directory.privacy.retention.purge_client_data`) and the key rotation
(:func:`directory.privacy.commands.reencrypt_all`). A mapper or session event guards the
first path only; so each rule names what holds it on each path:

- **Events are never changed or deleted** (but the purge blanks their texts and the key
  rotation re-encrypts them). ORM flush: the mapper events ``before_update`` and
  ``before_delete`` of ``ReferralEvent`` (``ImmutableEvent``), and the database trigger.
  Plain statements: the database trigger (below), on SQLite and PostgreSQL: any UPDATE or
  DELETE of ``referral_event`` is refused (PostgreSQL: TRUNCATE too), but the two
  exceptions.
- **Of two actors working from one version only the first succeeds** (``StaleReferral``).
  ORM flush: ``version_id_col`` (the mapper's ``StaleDataError``). Plain statements: the
  conditional update ``UPDATE referral ... WHERE id = ? AND version = ?``, its rowcount
  checked (``_update_unless_stale``).
- **``client_reference_hash`` is in step with ``client_reference``.** ORM flush: the
  attribute event on ``Referral.client_reference`` (``set``). Plain statements: the same
  event, for the insert copies the ORM object's state, which the event filled; an UPDATE
  may not name ``client_reference`` (``_update_unless_stale`` refuses it); the key rotation
  recomputes the hash itself.
- **The search change log records every change of a directory record.** ORM flush: the
  session's ``after_flush`` listener (directory tables only). Plain statements: nothing to
  record, for they write referral and notification tables only (a test checks each
  statement's table against the logged ones).
- **Client data is encrypted at rest.** Both paths: the column type (``EncryptedText``),
  through which Core statements on the mapped table bind too (a test reads the stored
  bytes).

The tests behind the plain-statement column: ``tests/test_referral_guards.py``.

The trigger is created with the table (``db.create_all``, through ``after_create`` on the
table in :mod:`directory.referrals.models`) and by migration 0005, whose frozen copy of
the SQL ``tests/test_migrations.py`` compares with this one. On SQLite a migration in
batch mode that rebuilds ``referral_event`` drops its triggers: it must create them again
(the same test checks the head revision has them). The migrations (0005, 0010, 0011, 0013)
build their frozen copies with :mod:`directory.referrals.frozen_event_triggers`: a change
here (a new fixed column) takes a new migration and a new list or function there, never an
edit of an old one.

The exceptions: the retention purge may set the three free texts of an event to NULL,
all at once and nothing else; the key rotation may rewrite them (re-encrypted) inside
:func:`rewriting_event_texts`, which tells the trigger so (PostgreSQL: a setting local to
the transaction; SQLite: a function the app registers on each connection,
:func:`install_sqlite_event_guard`, which a connection without it, the ``sqlite3`` shell,
lacks, so there any UPDATE of an event fails). And ``flask seed remove-demo`` may delete
the events of a *demonstration* referral (``referral.demonstration``, invented history the
seed made) inside :func:`deleting_demonstration_history`, told the same way; the events of
any other referral stay undeletable even then. Migration 0009 holds the frozen copy of
these statements.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Engine, TextClause, event, text
from sqlalchemy.orm import Session

# The columns no UPDATE may change, and the free texts (client data) the purge blanks.
FIXED_EVENT_COLUMNS = (
    "id",
    "referral_id",
    "action",
    "from_status",
    "to_status",
    "actor_id",
    "actor_organization_id",
    "occurred_at",
    "reason_code",
    "outcome_result",
    "outcome_service_delivered",
    "link_actor_name",
    "suggested_service_id",
)
EVENT_TEXTS = ("note", "reason_text", "outcome_reason")

REFUSAL = "referral events are immutable"
SQLITE_REWRITE_FUNCTION = "directory_rewrites_event_texts"
POSTGRESQL_REWRITE_SETTING = "directory.rewrite_event_texts"
SQLITE_DEMONSTRATION_FUNCTION = "directory_deletes_demonstration"
POSTGRESQL_DEMONSTRATION_SETTING = "directory.delete_demonstration"
_OF_A_DEMONSTRATION = (
    "EXISTS (SELECT 1 FROM referral WHERE referral.id = OLD.referral_id AND referral.demonstration)"
)

_fixed = "\n    AND ".join(f"NEW.{name} IS OLD.{name}" for name in FIXED_EVENT_COLUMNS)
_blanked = " AND ".join(f"NEW.{name} IS NULL" for name in EVENT_TEXTS)

SQLITE_CREATE = (
    f"""CREATE TRIGGER referral_event_no_update BEFORE UPDATE ON referral_event
FOR EACH ROW WHEN NOT (
    {_fixed}
    AND (({_blanked}) OR {SQLITE_REWRITE_FUNCTION}())
)
BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
    f"""CREATE TRIGGER referral_event_no_delete BEFORE DELETE ON referral_event
FOR EACH ROW WHEN NOT ({SQLITE_DEMONSTRATION_FUNCTION}() AND {_OF_A_DEMONSTRATION})
BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END""",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS referral_event_no_update",
    "DROP TRIGGER IF EXISTS referral_event_no_delete",
)

_pg_fixed = "\n            AND ".join(
    f"NEW.{name} IS NOT DISTINCT FROM OLD.{name}" for name in FIXED_EVENT_COLUMNS
)
POSTGRESQL_CREATE = (
    f"""CREATE OR REPLACE FUNCTION referral_event_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF {_pg_fixed}
            AND (({_blanked})
            OR current_setting('{POSTGRESQL_REWRITE_SETTING}', true) = 'on') THEN
            RETURN NEW;
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF current_setting('{POSTGRESQL_DEMONSTRATION_SETTING}', true) = 'on'
            AND {_OF_A_DEMONSTRATION} THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
        MESSAGE = '{REFUSAL}: ' || TG_OP || ' refused';
END
$$""",
    """CREATE TRIGGER referral_event_immutable BEFORE UPDATE OR DELETE ON referral_event
FOR EACH ROW EXECUTE FUNCTION referral_event_immutable()""",
    """CREATE TRIGGER referral_event_no_truncate BEFORE TRUNCATE ON referral_event
FOR EACH STATEMENT EXECUTE FUNCTION referral_event_immutable()""",
)
POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS referral_event_no_truncate ON referral_event",
    "DROP TRIGGER IF EXISTS referral_event_immutable ON referral_event",
    "DROP FUNCTION IF EXISTS referral_event_immutable()",
)

_rewriting: ContextVar[bool] = ContextVar("rewriting_event_texts", default=False)
_deleting_demonstration: ContextVar[bool] = ContextVar("deleting_demonstration", default=False)


def install_sqlite_event_guard(engine: Engine) -> None:
    """Register, on each new SQLite connection, the function by which the trigger asks
    whether the texts of events may be rewritten now (:func:`rewriting_event_texts`)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _register_function(dbapi_connection, _record):
        dbapi_connection.create_function(SQLITE_REWRITE_FUNCTION, 0, lambda: int(_rewriting.get()))
        dbapi_connection.create_function(
            SQLITE_DEMONSTRATION_FUNCTION, 0, lambda: int(_deleting_demonstration.get())
        )


@contextmanager
def rewriting_event_texts(session: Session) -> Iterator[None]:
    """Let the statements run inside rewrite the free texts of referral events (the key
    rotation re-encrypts them); nothing else of an event, and nothing after."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    token = _rewriting.set(True)
    if postgresql:
        session.execute(_set_local("on"))
    try:
        yield
    finally:
        _rewriting.reset(token)
        if postgresql:
            session.execute(_set_local("off"))


@contextmanager
def deleting_demonstration_history(session: Session) -> Iterator[None]:
    """Let the statements run inside delete the events of demonstration referrals (``flask
    seed remove-demo``); those of every other referral stay undeletable."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    token = _deleting_demonstration.set(True)
    if postgresql:
        session.execute(_set_local("on", POSTGRESQL_DEMONSTRATION_SETTING))
    try:
        yield
    finally:
        _deleting_demonstration.reset(token)
    # Not after a failure: the transaction is then aborted, and its rollback ends the
    # setting anyway.
    if postgresql:
        session.execute(_set_local("off", POSTGRESQL_DEMONSTRATION_SETTING))


def _set_local(value: str, setting: str = POSTGRESQL_REWRITE_SETTING) -> TextClause:
    return text(f"SET LOCAL {setting} = '{value}'")
