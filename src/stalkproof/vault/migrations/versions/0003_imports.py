"""imports: idempotent, resumable imports with a kept report

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

- `events` gains `dedup_key` (unique per case, so a re-import adds only what is new), `markers`,
  `details` and `text_normalised`. They are late columns: while empty they are left out of a row's
  canonical form, so every event hashed before this migration still verifies (schema.LATE_COLUMNS).
- `exhibits` gets an index on (case_id, blob_id): an import reuses the exhibit of an original it has seen.
- New ledgered tables `imports`, `import_batches` and `import_warnings`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.String(32)
SHA256 = sa.String(64)
TIME = sa.String(40)


def upgrade() -> None:
    op.add_column("events", sa.Column("dedup_key", sa.String(60)))
    op.add_column("events", sa.Column("markers", sa.Text()))
    op.add_column("events", sa.Column("details", sa.Text()))
    op.add_column("events", sa.Column("text_normalised", sa.Text()))
    op.create_index(
        "uq_events_case_dedup",
        "events",
        ["case_id", "dedup_key"],
        unique=True,
        sqlite_where=sa.text("dedup_key IS NOT NULL"),
        postgresql_where=sa.text("dedup_key IS NOT NULL"),
    )
    op.create_index("ix_exhibits_case_blob", "exhibits", ["case_id", "blob_id"])
    op.create_table(
        "imports",
        sa.Column("id", ID, primary_key=True),
        sa.Column("case_id", ID, sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("source_id", ID, sa.ForeignKey("sources.id")),
        sa.Column("source_name", sa.String(32), nullable=False),
        sa.Column("parser_version", sa.String(32), nullable=False),
        sa.Column("input_name", sa.Text(), nullable=False),
        sa.Column("input_sha256", SHA256, nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("options_sha256", SHA256, nullable=False),
        sa.Column("expected_records", sa.BigInteger(), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
    )
    op.create_index("ix_imports_case_input", "imports", ["case_id", "input_sha256"])
    op.create_table(
        "import_batches",
        sa.Column("id", ID, primary_key=True),
        sa.Column("import_id", ID, sa.ForeignKey("imports.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("records_through", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Text()),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("exhibits", sa.Integer(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("committed_at", TIME, nullable=False),
        sa.UniqueConstraint("import_id", "seq", name="uq_import_batches_seq"),
    )
    op.create_table(
        "import_warnings",
        sa.Column("id", ID, primary_key=True),
        sa.Column("import_id", ID, sa.ForeignKey("imports.id"), nullable=False),
        sa.Column("ordinal", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("member", sa.Text()),
        sa.Column("line", sa.Integer()),
        sa.Column("byte_offset", sa.BigInteger()),
        sa.Column("raw", sa.Text()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_import_warnings_import", "import_warnings", ["import_id", "ordinal"])


def downgrade() -> None:
    op.drop_index("ix_import_warnings_import", table_name="import_warnings")
    op.drop_table("import_warnings")
    op.drop_table("import_batches")
    op.drop_index("ix_imports_case_input", table_name="imports")
    op.drop_table("imports")
    op.drop_index("ix_exhibits_case_blob", table_name="exhibits")
    op.drop_index("uq_events_case_dedup", table_name="events")
    with op.batch_alter_table("events") as batch_op:
        for name in ("text_normalised", "details", "markers", "dedup_key"):
            batch_op.drop_column(name)
