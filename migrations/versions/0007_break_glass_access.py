"""break-glass access to client data

An administrator reads a referral's client data only after stating a purpose: each grant
(or refusal past the hourly limit) is a row of ``break_glass_access``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 22:43:16.360315

"""

import sqlalchemy as sa
from alembic import op

import directory.crypto
import directory.sqltypes

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "break_glass_access",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("referral_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("user_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("purpose", directory.crypto.EncryptedText(), nullable=True),
        sa.Column("requested_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", directory.sqltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral.id"],
            name=op.f("fk_break_glass_access_referral_id_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_break_glass_access_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass_access")),
    )
    with op.batch_alter_table("break_glass_access", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_break_glass_access_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_break_glass_access_requested_at"), ["requested_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_break_glass_access_user_id"), ["user_id"], unique=False)


def downgrade():
    op.drop_table("break_glass_access")
