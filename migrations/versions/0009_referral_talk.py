"""referral talk: notes, partner links, events by a link holder

``referral_note``: notes between the two organizations (client data, encrypted).
``referral_link``: links by which a receiver without an account answers (only the SHA-256
of each token). ``referral_event``: an action through a link has no account
(``actor_id`` may be NULL) but the name its taker gave (``link_actor_name``), immutable
like the rest of the event: the trigger of 0005 is made again with that column among the
fixed ones (on SQLite the batch rebuild of the table drops it). Statements frozen as of
this revision (``directory.referrals.guards``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 02:00:00

"""

import sqlalchemy as sa
from alembic import op

import directory.privacy.crypto
import directory.sqltypes

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
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
FOR EACH ROW BEGIN SELECT RAISE(ABORT, 'referral events are immutable'); END""",
)
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
SQLITE_DROP = (
    """DROP TRIGGER IF EXISTS referral_event_no_update""",
    """DROP TRIGGER IF EXISTS referral_event_no_delete""",
)
POSTGRESQL_FUNCTION = """CREATE OR REPLACE FUNCTION referral_event_immutable() RETURNS trigger
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
    RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
        MESSAGE = 'referral events are immutable: ' || TG_OP || ' refused';
END
$$"""
POSTGRESQL_FUNCTION_0005 = """CREATE OR REPLACE FUNCTION referral_event_immutable() RETURNS trigger
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
$$"""


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    op.create_table(
        "referral_note",
        sa.Column("id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("referral_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("author_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("organization_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("created_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("text", directory.privacy.crypto.EncryptedText(), nullable=True),
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
        op.alter_column("referral_event", "actor_id", nullable=True)
        op.execute(POSTGRESQL_FUNCTION)
        return
    for statement in SQLITE_DROP:
        op.execute(statement)
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_actor_name", sa.String(length=100), nullable=True))
        batch_op.alter_column("actor_id", existing_type=sa.Uuid(as_uuid=False), nullable=True)
    for statement in SQLITE_CREATE:
        op.execute(statement)


def downgrade():
    # Events taken through a link have no account to fall back on: they go with the column.
    if _postgresql():
        op.execute(POSTGRESQL_FUNCTION_0005)
        op.execute("ALTER TABLE referral_event DISABLE TRIGGER referral_event_immutable")
        op.execute("DELETE FROM referral_event WHERE actor_id IS NULL")
        op.execute("ALTER TABLE referral_event ENABLE TRIGGER referral_event_immutable")
        op.alter_column("referral_event", "actor_id", nullable=False)
        op.drop_column("referral_event", "link_actor_name")
    else:
        for statement in SQLITE_DROP:
            op.execute(statement)
        op.execute("DELETE FROM referral_event WHERE actor_id IS NULL")
        with op.batch_alter_table("referral_event", schema=None) as batch_op:
            batch_op.alter_column("actor_id", existing_type=sa.Uuid(as_uuid=False), nullable=False)
            batch_op.drop_column("link_actor_name")
        for statement in SQLITE_CREATE_0005:
            op.execute(statement)
    op.drop_table("referral_link")
    op.drop_table("referral_note")
