"""timestamps: RFC 3161 receipts for signed checkpoints

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

- New ledgered table `timestamps`: one row per receipt a time-stamping authority gave for a checkpoint,
  linking the checkpoint's seq to the receipt (a blob) and, when the user gave it, the authority's CA
  certificate (a blob). Receipts are only ever asked for by the user (`stalkproof timestamp request`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.String(32)
SHA256 = sa.String(64)
TIME = sa.String(40)


def upgrade() -> None:
    op.create_table(
        "timestamps",
        sa.Column("id", ID, primary_key=True),
        sa.Column("checkpoint_seq", sa.BigInteger(), sa.ForeignKey("checkpoints.seq"), nullable=False),
        sa.Column("message_sha256", SHA256, nullable=False),
        sa.Column("blob_id", SHA256, sa.ForeignKey("blobs.id"), nullable=False),
        sa.Column("ca_blob_id", SHA256, sa.ForeignKey("blobs.id")),
        sa.Column("tsa_url", sa.Text(), nullable=False),
        sa.Column("gen_time", TIME, nullable=False),
        sa.Column("serial_number", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_timestamps_checkpoint_seq", "timestamps", ["checkpoint_seq"])


def downgrade() -> None:
    op.drop_index("ix_timestamps_checkpoint_seq", table_name="timestamps")
    op.drop_table("timestamps")
