"""audit trail, listing review queue, verification, deactivation

The HSDS ``metadata`` table records every changed field of a directory record (who, when,
old and new value); ``listing_change`` holds partners' proposed changes until an admin
reviews them; organizations gain the date their listing was last verified and the date
their staff were last reminded of it. Organizations and taxonomy terms can be deactivated
rather than deleted. Notifications may concern an organization's listing instead of a
referral, and each queued e-mail says which fixed text it carries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 05:42:29.255129

"""

import sqlalchemy as sa
from alembic import op

import directory.sqltypes
from directory.maintenance.migration_support import sqlite_foreign_keys_off


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with sqlite_foreign_keys_off():
        _upgrade()


def _upgrade():
    op.create_table(
        "listing_change",
        sa.Column("id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("organization_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_by_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("submitted_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("reviewed_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_listing_change_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["user_account.id"],
            name=op.f("fk_listing_change_reviewed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["user_account.id"],
            name=op.f("fk_listing_change_submitted_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_change")),
    )
    with op.batch_alter_table("listing_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_listing_change_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_listing_change_resource_id"), ["resource_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_listing_change_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_listing_change_submitted_at"), ["submitted_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_listing_change_submitted_by_id"), ["submitted_by_id"], unique=False
        )

    op.create_table(
        "metadata",
        sa.Column("id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column(
            "last_action_date", directory.sqltypes.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("last_action_type", sa.String(length=20), nullable=False),
        sa.Column("field_name", sa.String(length=100), nullable=False),
        sa.Column("previous_value", sa.Text(), nullable=False),
        sa.Column("replacement_value", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("organization_id", sa.Uuid(as_uuid=False), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_metadata_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_metadata_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metadata")),
    )
    with op.batch_alter_table("metadata", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_metadata_last_action_date"), ["last_action_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_metadata_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_metadata_resource_id"), ["resource_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_metadata_resource_type"), ["resource_type"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_metadata_updated_by_id"), ["updated_by_id"], unique=False
        )

    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), server_default="referral", nullable=False)
        )

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organization_id", sa.Uuid(as_uuid=False), nullable=True))
        batch_op.alter_column("referral_id", existing_type=sa.CHAR(length=32), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_notification_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_organization_id_organization"),
            "organization",
            ["organization_id"],
            ["id"],
        )

    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("verified_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "stale_reminder_sent_at",
                directory.sqltypes.UTCDateTime(timezone=True),
                nullable=True,
            )
        )

    with op.batch_alter_table("taxonomy_term", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():
    with sqlite_foreign_keys_off():
        _downgrade()


def _downgrade():
    with op.batch_alter_table("taxonomy_term", schema=None) as batch_op:
        batch_op.drop_column("active")

    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("stale_reminder_sent_at")
        batch_op.drop_column("verified_at")
        batch_op.drop_column("active")

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_notification_organization_id_organization"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_notification_organization_id"))
        batch_op.alter_column("referral_id", existing_type=sa.CHAR(length=32), nullable=False)
        batch_op.drop_column("organization_id")

    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.drop_column("kind")

    with op.batch_alter_table("metadata", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metadata_updated_by_id"))
        batch_op.drop_index(batch_op.f("ix_metadata_resource_type"))
        batch_op.drop_index(batch_op.f("ix_metadata_resource_id"))
        batch_op.drop_index(batch_op.f("ix_metadata_organization_id"))
        batch_op.drop_index(batch_op.f("ix_metadata_last_action_date"))

    op.drop_table("metadata")
    with op.batch_alter_table("listing_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_listing_change_submitted_by_id"))
        batch_op.drop_index(batch_op.f("ix_listing_change_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_listing_change_status"))
        batch_op.drop_index(batch_op.f("ix_listing_change_resource_id"))
        batch_op.drop_index(batch_op.f("ix_listing_change_organization_id"))

    op.drop_table("listing_change")
