"""a declined referral's suggested service

When declining, the receiver may suggest another service; re-referral offers it first.
A plain nullable column on ``referral_event`` (no foreign key: an event is never changed,
and outlives a service removed from the directory), added in place (``ALTER TABLE ...
ADD COLUMN``, no batch rebuild). Immutable like the rest of the event: the triggers of
0011 are made again with that column among the fixed ones. Statements frozen as of this
revision (``directory.referrals.guards``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 03:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
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
    AND NEW.link_actor_name IS OLD.link_actor_name
    AND NEW.suggested_service_id IS OLD.suggested_service_id
    AND ((NEW.note IS NULL AND NEW.reason_text IS NULL AND NEW.outcome_reason IS NULL) OR directory_rewrites_event_texts())
)
BEGIN SELECT RAISE(ABORT, 'referral events are immutable'); END""",
    """CREATE TRIGGER referral_event_no_delete BEFORE DELETE ON referral_event
FOR EACH ROW WHEN NOT (directory_deletes_demonstration() AND EXISTS (SELECT 1 FROM referral WHERE referral.id = OLD.referral_id AND referral.demonstration))
BEGIN SELECT RAISE(ABORT, 'referral events are immutable'); END""",
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
            AND NEW.link_actor_name IS NOT DISTINCT FROM OLD.link_actor_name
            AND NEW.suggested_service_id IS NOT DISTINCT FROM OLD.suggested_service_id
            AND ((NEW.note IS NULL AND NEW.reason_text IS NULL AND NEW.outcome_reason IS NULL)
            OR current_setting('directory.rewrite_event_texts', true) = 'on') THEN
            RETURN NEW;
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF current_setting('directory.delete_demonstration', true) = 'on'
            AND EXISTS (SELECT 1 FROM referral WHERE referral.id = OLD.referral_id AND referral.demonstration) THEN
            RETURN OLD;
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

# Those of revision 0011, put back on downgrade.
SQLITE_CREATE_0011 = (
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
    AND NEW.link_actor_name IS OLD.link_actor_name
    AND ((NEW.note IS NULL AND NEW.reason_text IS NULL AND NEW.outcome_reason IS NULL) OR directory_rewrites_event_texts())
)
BEGIN SELECT RAISE(ABORT, 'referral events are immutable'); END""",
    """CREATE TRIGGER referral_event_no_delete BEFORE DELETE ON referral_event
FOR EACH ROW WHEN NOT (directory_deletes_demonstration() AND EXISTS (SELECT 1 FROM referral WHERE referral.id = OLD.referral_id AND referral.demonstration))
BEGIN SELECT RAISE(ABORT, 'referral events are immutable'); END""",
)
POSTGRESQL_CREATE_0011 = (
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
            AND NEW.link_actor_name IS NOT DISTINCT FROM OLD.link_actor_name
            AND ((NEW.note IS NULL AND NEW.reason_text IS NULL AND NEW.outcome_reason IS NULL)
            OR current_setting('directory.rewrite_event_texts', true) = 'on') THEN
            RETURN NEW;
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF current_setting('directory.delete_demonstration', true) = 'on'
            AND EXISTS (SELECT 1 FROM referral WHERE referral.id = OLD.referral_id AND referral.demonstration) THEN
            RETURN OLD;
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


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def _guard(create, drop):
    for statement in drop:
        op.execute(statement)
    for statement in create:
        op.execute(statement)


def upgrade():
    # In place on both databases: no table rebuild, nothing else dropped.
    op.add_column(
        "referral_event",
        sa.Column("suggested_service_id", sa.Uuid(as_uuid=False), nullable=True),
    )
    if _postgresql():
        _guard(POSTGRESQL_CREATE, POSTGRESQL_DROP)
    else:
        _guard(SQLITE_CREATE, SQLITE_DROP)


def downgrade():
    if _postgresql():
        _guard((), POSTGRESQL_DROP)
        op.drop_column("referral_event", "suggested_service_id")
        _guard(POSTGRESQL_CREATE_0011, ())
    else:
        # The batch rebuild drops the triggers: they are made again after it.
        _guard((), SQLITE_DROP)
        with op.batch_alter_table("referral_event", schema=None) as batch_op:
            batch_op.drop_column("suggested_service_id")
        _guard(SQLITE_CREATE_0011, ())
