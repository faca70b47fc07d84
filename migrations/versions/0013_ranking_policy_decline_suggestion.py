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

from directory.referrals import frozen_event_triggers as frozen

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SQLITE_CREATE = frozen.sqlite_create(frozen.FIXED_0013, demonstration=True)
SQLITE_DROP = frozen.SQLITE_DROP
POSTGRESQL_CREATE = frozen.postgresql_create(frozen.FIXED_0013, demonstration=True)
POSTGRESQL_DROP = frozen.POSTGRESQL_DROP

# Those of revision 0011, put back on downgrade.
SQLITE_CREATE_0011 = frozen.sqlite_create(frozen.FIXED_0011, demonstration=True)
POSTGRESQL_CREATE_0011 = frozen.postgresql_create(frozen.FIXED_0011, demonstration=True)


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
