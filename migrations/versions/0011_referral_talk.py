"""referral talk: notes, partner links, events by a link holder

``referral_note``: notes between the two organizations (client data, encrypted).
``referral_link``: links by which a receiver without an account answers (only the SHA-256
of each token). ``referral_event``: an action through a link has no account
(``actor_id`` is NULL, as for the system's events since 0010) but the name its taker gave (``link_actor_name``), immutable
like the rest of the event: the triggers of 0010 are made again with that column among the
fixed ones (on SQLite the batch rebuild of the table drops it). Statements frozen as of
this revision (``directory.referrals.guards``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 02:00:00

"""

import sqlalchemy as sa
from alembic import op

import directory.crypto
import directory.sqltypes

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
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

# Those of revision 0010, put back on downgrade.
SQLITE_CREATE_0010 = (
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
POSTGRESQL_CREATE_0010 = (
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


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def _guard(create, drop):
    for statement in drop:
        op.execute(statement)
    for statement in create:
        op.execute(statement)


def upgrade():
    op.create_table(
        "referral_note",
        sa.Column("id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("referral_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("author_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("organization_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("created_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", directory.crypto.EncryptedText(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_referral_note_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_referral_note_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_referral_note_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_note")),
    )
    with op.batch_alter_table("referral_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_note_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referral_note_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referral_note_referral_id"), ["referral_id"], unique=False
        )

    op.create_table(
        "referral_link",
        sa.Column("id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("referral_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("receiving_organization_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("created_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_referral_link_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["receiving_organization_id"],
            ["organization.id"],
            name=op.f("fk_referral_link_receiving_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_referral_link_referral_id_referral")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_referral_link_token_hash")),
    )
    with op.batch_alter_table("referral_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_link_referral_id"), ["referral_id"], unique=False
        )

    if _postgresql():
        op.add_column("referral_event", sa.Column("link_actor_name", sa.String(100)))
        _guard(POSTGRESQL_CREATE, POSTGRESQL_DROP)
        return
    _guard((), SQLITE_DROP)
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_actor_name", sa.String(length=100), nullable=True))
    _guard(SQLITE_CREATE, ())


def downgrade():
    # Events taken through a link go with the column that says who took them.
    if _postgresql():
        _guard((), POSTGRESQL_DROP)
        op.execute("DELETE FROM referral_event WHERE link_actor_name IS NOT NULL")
        op.drop_column("referral_event", "link_actor_name")
        _guard(POSTGRESQL_CREATE_0010, ())
    else:
        _guard((), SQLITE_DROP)
        op.execute("DELETE FROM referral_event WHERE link_actor_name IS NOT NULL")
        with op.batch_alter_table("referral_event", schema=None) as batch_op:
            batch_op.drop_column("link_actor_name")
        _guard(SQLITE_CREATE_0010, ())
    op.drop_table("referral_link")
    op.drop_table("referral_note")
