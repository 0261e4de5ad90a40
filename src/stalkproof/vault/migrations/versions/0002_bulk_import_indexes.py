"""leaner indexes for bulk imports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

- `ix_events_entry_id` goes: `uq_events_entry_version` (entry_id, version) already serves every lookup by
  entry id, and each extra index is written for every imported message.
- On SQLite, `ledger.seq` becomes INTEGER so it is the table's rowid: entries are stored in seq order with
  no separate primary-key index to maintain. The rows are copied unchanged, so every ledger hash and
  checkpoint stays valid. PostgreSQL keeps BIGINT.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_events_entry_id", table_name="events")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("ledger", recreate="always") as batch_op:
            batch_op.alter_column("seq", existing_type=sa.BigInteger(), type_=sa.Integer())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("ledger", recreate="always") as batch_op:
            batch_op.alter_column("seq", existing_type=sa.Integer(), type_=sa.BigInteger())
    op.create_index("ix_events_entry_id", "events", ["entry_id"], unique=False)
