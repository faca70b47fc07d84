"""referral events immutable in the database

A trigger (SQLite and PostgreSQL) refuses every UPDATE and DELETE of ``referral_event``
(PostgreSQL: TRUNCATE too), whatever the write path: the ORM's own events guard its flush
only, and referral writes are plain statements. Two changes pass: the retention purge
setting the three free texts of an event to NULL, all at once and nothing else; and the
key rotation rewriting them (re-encrypted) when it says so (PostgreSQL: the transaction's
``directory.rewrite_event_texts`` setting; SQLite: the function
``directory_rewrites_event_texts()`` the app registers on each connection). See
``directory.referrals.guards``, whose statements these are, frozen as of this revision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 23:00:00.000000

"""

from alembic import op

from directory.referrals import frozen_event_triggers as frozen

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SQLITE_CREATE = frozen.sqlite_create(frozen.FIXED_0005, demonstration=False)
SQLITE_DROP = frozen.SQLITE_DROP
POSTGRESQL_CREATE = frozen.postgresql_create(frozen.FIXED_0005, demonstration=False)
POSTGRESQL_DROP = frozen.POSTGRESQL_DROP


def _statements(create):
    if op.get_bind().dialect.name == "postgresql":
        return POSTGRESQL_CREATE if create else POSTGRESQL_DROP
    return SQLITE_CREATE if create else SQLITE_DROP


def upgrade():
    for statement in _statements(create=True):
        op.execute(statement)


def downgrade():
    for statement in _statements(create=False):
        op.execute(statement)
