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

from directory.referrals import frozen_event_triggers as frozen

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SQLITE_CREATE = frozen.sqlite_create(frozen.FIXED_0005, demonstration=True)
SQLITE_DROP = frozen.SQLITE_DROP
POSTGRESQL_CREATE = frozen.postgresql_create(frozen.FIXED_0005, demonstration=True)
POSTGRESQL_DROP = frozen.POSTGRESQL_DROP

# Those of revision 0005, put back on downgrade.
SQLITE_CREATE_0005 = frozen.sqlite_create(frozen.FIXED_0005, demonstration=False)
POSTGRESQL_CREATE_0005 = frozen.postgresql_create(frozen.FIXED_0005, demonstration=False)

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
