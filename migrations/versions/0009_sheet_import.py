"""sheet import

Spreadsheet onboarding: the sheets staged for import (cells, mapping, checks, the
admin's choices, progress and results) and the column mappings saved per header set.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 02:10:00

"""

import sqlalchemy as sa
from alembic import op

import directory.sqltypes

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sheet_import",
        sa.Column("id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("created_by_id", sa.Uuid(as_uuid=False), nullable=True),
        sa.Column("created_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("analysis", sa.JSON(), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("heartbeat_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_sheet_import_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sheet_import")),
    )
    with op.batch_alter_table("sheet_import", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_import_created_by_id"), ["created_by_id"], unique=False
        )
    op.create_table(
        "sheet_mapping",
        sa.Column("header_key", sa.String(length=64), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("updated_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(as_uuid=False), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_sheet_mapping_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("header_key", name=op.f("pk_sheet_mapping")),
    )
    with op.batch_alter_table("sheet_mapping", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sheet_mapping_updated_by_id"), ["updated_by_id"], unique=False
        )


def downgrade():
    op.drop_table("sheet_mapping")
    op.drop_table("sheet_import")
