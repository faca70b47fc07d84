"""The triggers that keep ``referral_event`` immutable, as the migrations made them.

FROZEN HISTORY: the migrations 0005, 0010, 0011 and 0013 build their statements here, and
a migration must run the same SQL forever. Never edit a function or a column list of this
module, not even its white space (``tests/test_migrations_frozen_sql.py`` holds a digest
of every statement each migration makes). A later migration that needs other triggers
adds a new column list or a new function, under a new name, and leaves these alone.

The live statements, which ``db.create_all`` uses and the head revision must match, are
those of :mod:`directory.referrals.guards`; this module imports nothing of the app, so
that changing the app never changes what an old migration does.

It lives in the package rather than under ``migrations/``: Alembic loads a revision from
its file, with no package and nothing of ``migrations/`` on ``sys.path``, whereas the
``directory`` package is importable wherever the migrations run (from a checkout, where
``migrations/`` stands beside it, and from ``pip install .``, which copies ``migrations/``
into the package); the revisions already import ``directory.sqltypes`` and
``directory.crypto`` the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

# The columns no UPDATE may change, as of each revision that changed the list.
FIXED_0005 = (
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
)
FIXED_0011 = (*FIXED_0005, "link_actor_name")
FIXED_0013 = (*FIXED_0011, "suggested_service_id")

SQLITE_DROP = (
    """DROP TRIGGER IF EXISTS referral_event_no_update""",
    """DROP TRIGGER IF EXISTS referral_event_no_delete""",
)
POSTGRESQL_DROP = (
    """DROP TRIGGER IF EXISTS referral_event_no_truncate ON referral_event""",
    """DROP TRIGGER IF EXISTS referral_event_immutable ON referral_event""",
    """DROP FUNCTION IF EXISTS referral_event_immutable()""",
)

_BLANKED = "(NEW.note IS NULL AND NEW.reason_text IS NULL AND NEW.outcome_reason IS NULL)"
_OF_A_DEMONSTRATION = (
    "EXISTS (SELECT 1 FROM referral WHERE referral.id = OLD.referral_id AND referral.demonstration)"
)


def sqlite_create(fixed: Sequence[str], *, demonstration: bool) -> tuple[str, str]:
    """SQLite's two triggers: no UPDATE but of the texts (blanked, or rewritten when the
    connection's ``directory_rewrites_event_texts()`` says so) and no DELETE (with
    ``demonstration``, since 0010: but of a demonstration referral's events when
    ``directory_deletes_demonstration()`` says so)."""
    unchanged = "".join(f"\n    AND NEW.{name} IS OLD.{name}" for name in fixed[1:])
    when = (
        f" WHEN NOT (directory_deletes_demonstration() AND {_OF_A_DEMONSTRATION})\n"
        if demonstration
        else " "
    )
    return (
        f"""CREATE TRIGGER referral_event_no_update BEFORE UPDATE ON referral_event
FOR EACH ROW WHEN NOT (
    NEW.{fixed[0]} IS OLD.{fixed[0]}{unchanged}
    AND ({_BLANKED} OR directory_rewrites_event_texts())
)
BEGIN SELECT RAISE(ABORT, 'referral events are immutable'); END""",
        f"""CREATE TRIGGER referral_event_no_delete BEFORE DELETE ON referral_event
FOR EACH ROW{when}BEGIN SELECT RAISE(ABORT, 'referral events are immutable'); END""",
    )


def postgresql_create(fixed: Sequence[str], *, demonstration: bool) -> tuple[str, str, str]:
    """PostgreSQL's trigger function and its two triggers (UPDATE or DELETE; TRUNCATE):
    the same rules as :func:`sqlite_create`, told by the transaction's settings
    ``directory.rewrite_event_texts`` and ``directory.delete_demonstration``."""
    unchanged = "".join(
        f"\n            AND NEW.{name} IS NOT DISTINCT FROM OLD.{name}" for name in fixed[1:]
    )
    deleting = (
        f"""
    IF TG_OP = 'DELETE' THEN
        IF current_setting('directory.delete_demonstration', true) = 'on'
            AND {_OF_A_DEMONSTRATION} THEN
            RETURN OLD;
        END IF;
    END IF;"""
        if demonstration
        else ""
    )
    return (
        f"""CREATE OR REPLACE FUNCTION referral_event_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.{fixed[0]} IS NOT DISTINCT FROM OLD.{fixed[0]}{unchanged}
            AND ({_BLANKED}
            OR current_setting('directory.rewrite_event_texts', true) = 'on') THEN
            RETURN NEW;
        END IF;
    END IF;{deleting}
    RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
        MESSAGE = 'referral events are immutable: ' || TG_OP || ' refused';
END
$$""",
        """CREATE TRIGGER referral_event_immutable BEFORE UPDATE OR DELETE ON referral_event
FOR EACH ROW EXECUTE FUNCTION referral_event_immutable()""",
        """CREATE TRIGGER referral_event_no_truncate BEFORE TRUNCATE ON referral_event
FOR EACH STATEMENT EXECUTE FUNCTION referral_event_immutable()""",
    )
