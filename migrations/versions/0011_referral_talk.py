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
from directory.referrals import frozen_event_triggers as frozen

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SQLITE_CREATE = frozen.sqlite_create(frozen.FIXED_0011, demonstration=True)
SQLITE_DROP = frozen.SQLITE_DROP
POSTGRESQL_CREATE = frozen.postgresql_create(frozen.FIXED_0011, demonstration=True)
POSTGRESQL_DROP = frozen.POSTGRESQL_DROP

# Those of revision 0010, put back on downgrade.
SQLITE_CREATE_0010 = frozen.sqlite_create(frozen.FIXED_0005, demonstration=True)
POSTGRESQL_CREATE_0010 = frozen.postgresql_create(frozen.FIXED_0005, demonstration=True)


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
