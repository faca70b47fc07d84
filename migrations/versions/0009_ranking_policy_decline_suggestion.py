"""a declined referral's suggested service

When declining, the receiver may suggest another service; re-referral offers it first.
A plain nullable column on ``referral_event`` (no foreign key: an event is never changed,
and outlives a service removed from the directory). Added without rebuilding the table,
so the immutability triggers stay.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 02:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "referral_event",
        sa.Column("suggested_service_id", sa.Uuid(as_uuid=False), nullable=True),
    )


def downgrade():
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.drop_column("suggested_service_id")
