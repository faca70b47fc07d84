"""HSDS objects the directory lacked

Programs, funding, required documents, accessibility of locations and organization
identifiers (SIKS-NG id, AHU registration, izin operasional), and a service's
``program_id``.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 02:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.Uuid(as_uuid=False)


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def _fk(table, column, target):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _index(table, *columns):
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade():
    op.create_table(
        "program",
        sa.Column("id", ID, nullable=False),
        sa.Column("organization_id", ID, nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("alternate_name", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        _fk("program", "organization_id", "organization"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program")),
    )
    _index("program", "organization_id")
    op.create_table(
        "organization_identifier",
        sa.Column("id", ID, nullable=False),
        sa.Column("organization_id", ID, nullable=False),
        sa.Column("identifier_scheme", sa.String(length=100), nullable=True),
        sa.Column("identifier_type", sa.String(length=200), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        _fk("organization_identifier", "organization_id", "organization"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization_identifier")),
    )
    _index("organization_identifier", "organization_id")
    op.create_table(
        "funding",
        sa.Column("id", ID, nullable=False),
        sa.Column("organization_id", ID, nullable=True),
        sa.Column("service_id", ID, nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        _fk("funding", "organization_id", "organization"),
        _fk("funding", "service_id", "service"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding")),
    )
    _index("funding", "organization_id", "service_id")
    op.create_table(
        "required_document",
        sa.Column("id", ID, nullable=False),
        sa.Column("service_id", ID, nullable=False),
        sa.Column("document", sa.Text(), nullable=True),
        sa.Column("uri", sa.String(length=500), nullable=True),
        _fk("required_document", "service_id", "service"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_required_document")),
    )
    _index("required_document", "service_id")
    op.create_table(
        "accessibility",
        sa.Column("id", ID, nullable=False),
        sa.Column("location_id", ID, nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        _fk("accessibility", "location_id", "location"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accessibility")),
    )
    _index("accessibility", "location_id")
    # service.program_id is added in place, never by a batch rebuild of ``service``: on
    # SQLite that drops and copies the table, which a database whose services are referred
    # to (locations, referrals) refuses while foreign keys are enforced.
    if _sqlite():
        op.execute(
            "ALTER TABLE service ADD COLUMN program_id CHAR(32) "
            "CONSTRAINT fk_service_program_id_program REFERENCES program (id)"
        )
    else:
        op.add_column("service", sa.Column("program_id", ID, nullable=True))
        op.create_foreign_key(
            op.f("fk_service_program_id_program"), "service", "program", ["program_id"], ["id"]
        )
    op.create_index(op.f("ix_service_program_id"), "service", ["program_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_service_program_id"), table_name="service")
    if _sqlite():
        # In place too (SQLite 3.35+ drops a column with its own REFERENCES clause).
        op.execute("ALTER TABLE service DROP COLUMN program_id")
    else:
        op.drop_constraint(op.f("fk_service_program_id_program"), "service", type_="foreignkey")
        op.drop_column("service", "program_id")
    for table in ("accessibility", "required_document", "funding", "organization_identifier"):
        op.drop_table(table)
    op.drop_table("program")
