"""invoices

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 20:07:22.130002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vadesk.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("period_start", vadesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("period_end", vadesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("billed_seconds", sa.BigInteger(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("created_at", vadesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_invoices_client_id_clients")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invoices_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("client_id", "number", name=op.f("uq_invoices_client_id")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_client_id"), ["client_id"], unique=False)

    op.create_table(
        "invoice_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("started_at", vadesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", vadesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("billed_seconds", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("correction", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_entries_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_entries")),
    )
    with op.batch_alter_table("invoice_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_entries_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_invoice_entries_invoice_id"), ["invoice_id"], unique=False
        )
        batch_op.create_index(
            "uq_invoice_entries_billed_once",
            ["entry_id", "day"],
            unique=True,
            sqlite_where=sa.text("correction = false"),
            postgresql_where=sa.text("correction = false"),
        )


def downgrade() -> None:

    with op.batch_alter_table("invoice_entries", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_invoice_entries_billed_once",
            sqlite_where=sa.text("correction = false"),
            postgresql_where=sa.text("correction = false"),
        )
        batch_op.drop_index(batch_op.f("ix_invoice_entries_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_entries_entry_id"))

    op.drop_table("invoice_entries")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_client_id"))

    op.drop_table("invoices")
