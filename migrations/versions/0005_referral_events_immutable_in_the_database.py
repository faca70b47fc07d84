"""referral events immutable in the database

A trigger (SQLite and PostgreSQL) refuses every UPDATE and DELETE of ``referral_event``
(PostgreSQL: TRUNCATE too), whatever the write path: the ORM's own events guard its flush
only, and referral writes are plain statements. Two changes pass: the retention purge
setting the three free texts of an event to NULL, all at once and nothing else; and the
key rotation rewriting them (re-encrypted) when it says so (PostgreSQL: the transaction's
``directory.rewrite_event_texts`` setting; SQLite: the function
``directory_rewrites_event_texts()`` the app registers on each connection). See
``directory.referrals.guards``, whose statements these are, frozen as of this revision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 23:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SQLITE_CREATE = (
    """CREATE TRIGGER referral_event_no_update BEFORE UPDATE ON referral_event
FOR EACH ROW WHEN NOT (
    NEW.id IS OLD.id
    AND NEW.referral_id IS OLD.referral_id
    AND NEW.action IS OLD.action
    AND NEW.from_status IS OLD.from_status
    AND NEW.to_status IS OLD.to_status
    AND NEW.actor_id IS OLD.actor_id
    AND NEW.actor_organization_id IS OLD.actor_organization_id
    AND NEW.occurred_at IS OLD.occurred_at
    AND NEW.reason_code IS OLD.reason_code
    AND NEW.outcome_result IS OLD.outcome_result
    AND NEW.outcome_service_delivered IS OLD.outcome_service_delivered
    AND ((NEW.note IS NULL AND NEW.reason_text IS NULL AND NEW.outcome_reason IS NULL) OR directory_rewrites_event_texts())
)
BEGIN SELECT RAISE(ABORT, 'referral events are immutable'); END""",
    """CREATE TRIGGER referral_event_no_delete BEFORE DELETE ON referral_event
FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'referral events are immutable'); END""",
)
SQLITE_DROP = (
    """DROP TRIGGER IF EXISTS referral_event_no_update""",
    """DROP TRIGGER IF EXISTS referral_event_no_delete""",
)
POSTGRESQL_CREATE = (
    """CREATE OR REPLACE FUNCTION referral_event_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.id IS NOT DISTINCT FROM OLD.id
            AND NEW.referral_id IS NOT DISTINCT FROM OLD.referral_id
            AND NEW.action IS NOT DISTINCT FROM OLD.action
            AND NEW.from_status IS NOT DISTINCT FROM OLD.from_status
            AND NEW.to_status IS NOT DISTINCT FROM OLD.to_status
            AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
            AND NEW.actor_organization_id IS NOT DISTINCT FROM OLD.actor_organization_id
            AND NEW.occurred_at IS NOT DISTINCT FROM OLD.occurred_at
            AND NEW.reason_code IS NOT DISTINCT FROM OLD.reason_code
            AND NEW.outcome_result IS NOT DISTINCT FROM OLD.outcome_result
            AND NEW.outcome_service_delivered IS NOT DISTINCT FROM OLD.outcome_service_delivered
            AND ((NEW.note IS NULL AND NEW.reason_text IS NULL AND NEW.outcome_reason IS NULL)
            OR current_setting('directory.rewrite_event_texts', true) = 'on') THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
        MESSAGE = 'referral events are immutable: ' || TG_OP || ' refused';
END
$$""",
    """CREATE TRIGGER referral_event_immutable BEFORE UPDATE OR DELETE ON referral_event
FOR EACH ROW EXECUTE FUNCTION referral_event_immutable()""",
    """CREATE TRIGGER referral_event_no_truncate BEFORE TRUNCATE ON referral_event
FOR EACH STATEMENT EXECUTE FUNCTION referral_event_immutable()""",
)
POSTGRESQL_DROP = (
    """DROP TRIGGER IF EXISTS referral_event_no_truncate ON referral_event""",
    """DROP TRIGGER IF EXISTS referral_event_immutable ON referral_event""",
    """DROP FUNCTION IF EXISTS referral_event_immutable()""",
)


def _statements(create):
    if op.get_bind().dialect.name == "postgresql":
        return POSTGRESQL_CREATE if create else POSTGRESQL_DROP
    return SQLITE_CREATE if create else SQLITE_DROP


def upgrade():
    for statement in _statements(create=True):
        op.execute(statement)


def downgrade():
    for statement in _statements(create=False):
        op.execute(statement)
