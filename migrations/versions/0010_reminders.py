"""reminders, coordinators' provinces, demonstration history

- ``referral_event.actor_id`` may be NULL: what the system did on its own (an overdue
  referral reminded to its receiver, escalated to the coordinators); a partial unique
  index lets each referral have one ``remind`` and one ``escalate`` event at most.
- ``user_account.province_code``: the province a coordinator is responsible for.
- ``email_outbox.details``: the figures (no client data) a reminder's text is filled with.
- ``referral.demonstration``: invented history made by the demonstration seed; the
  events' trigger lets ``flask seed remove-demo`` delete the events of these referrals
  (and no others) when it says so (``directory.referrals.guards``, whose statements these
  are, frozen as of this revision). On SQLite the batch rebuild of ``referral_event``
  drops its triggers: they are created again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 02:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
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

# Those of revision 0005, put back on downgrade.
SQLITE_CREATE_0005 = (
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
POSTGRESQL_CREATE_0005 = (
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

OVERDUE_ONCE = "action IN ('remind', 'escalate')"


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def _guard(create, drop):
    for statement in drop:
        op.execute(statement)
    for statement in create:
        op.execute(statement)


def upgrade():
    # Added in place (no batch rebuild: other tables refer to these, rows may exist).
    op.add_column("user_account", sa.Column("province_code", sa.String(length=2), nullable=True))
    op.add_column("email_outbox", sa.Column("details", sa.String(length=1000), nullable=True))
    op.add_column(
        "referral",
        sa.Column("demonstration", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.alter_column("actor_id", existing_type=sa.Uuid(as_uuid=False), nullable=True)
    op.create_index(
        "uq_referral_event_overdue_once",
        "referral_event",
        ["referral_id", "action"],
        unique=True,
        sqlite_where=sa.text(OVERDUE_ONCE),
        postgresql_where=sa.text(OVERDUE_ONCE),
    )
    if _postgresql():
        _guard(POSTGRESQL_CREATE, POSTGRESQL_DROP)
    else:
        _guard(SQLITE_CREATE, SQLITE_DROP)


def downgrade():
    op.drop_index("uq_referral_event_overdue_once", table_name="referral_event")
    # Events without an actor and demonstration referrals cannot be kept by 0008's schema.
    if _postgresql():
        _guard((), POSTGRESQL_DROP)
    else:
        _guard((), SQLITE_DROP)
    op.execute("DELETE FROM referral_event WHERE actor_id IS NULL")
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.alter_column("actor_id", existing_type=sa.Uuid(as_uuid=False), nullable=False)
    if _postgresql():
        _guard(POSTGRESQL_CREATE_0005, ())
    else:
        _guard(SQLITE_CREATE_0005, ())
    # SQLite drops a column in place (3.35+): a batch rebuild of these tables, which
    # others refer to, would fail their foreign keys while rows exist.
    for table, column in (
        ("referral", "demonstration"),
        ("email_outbox", "details"),
        ("user_account", "province_code"),
    ):
        if _postgresql():
            op.drop_column(table, column)
        else:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
