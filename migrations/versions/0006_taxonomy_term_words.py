"""lay words of taxonomy terms

The words people use for a problem or service type (colloquial, regional, slang,
English, inflected), from ``seed/lay_words.csv``: search understands a query through
them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 23:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "taxonomy_term_word",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("taxonomy_term_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("word", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["taxonomy_term_id"],
            ["taxonomy_term.id"],
            name=op.f("fk_taxonomy_term_word_taxonomy_term_id_taxonomy_term"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_term_word")),
        sa.UniqueConstraint(
            "taxonomy_term_id", "word", name=op.f("uq_taxonomy_term_word_taxonomy_term_id")
        ),
    )
    with op.batch_alter_table("taxonomy_term_word", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_taxonomy_term_word_taxonomy_term_id"),
            ["taxonomy_term_id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("taxonomy_term_word", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_taxonomy_term_word_taxonomy_term_id"))
    op.drop_table("taxonomy_term_word")
