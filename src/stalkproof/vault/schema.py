"""The vault's tables, shared by the embedded SQLCipher file and a PostgreSQL server.

Evidence rows are written once. A correction is a new row (a new version of a diary entry, a new
attribution of an account) and the only in-place change allowed is a redaction the user asks for, which
is itself a ledger entry. Times are ISO 8601 text and lists are canonical JSON text, so a row reads back
identically on both databases and its ledger hash can be recomputed anywhere.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

ID = String(32)
SHA256 = String(64)
TIME = String(40)


def _id() -> Column[str]:
    return Column("id", ID, primary_key=True)


settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    Column("reference", Text),
    Column("created_at", TIME, nullable=False),
)

parties = Table(
    "parties",
    metadata,
    _id(),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("notes", Text),
    Column("created_at", TIME, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    _id(),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("platform", String(64), nullable=False),
    Column("identifier", Text, nullable=False),
    Column("display_name", Text),
    Column("created_at", TIME, nullable=False),
    UniqueConstraint("case_id", "platform", "identifier", name="uq_accounts_case_platform_identifier"),
)

# Which party an account belongs to is a claim the user makes, possibly long after import: its own row.
attributions = Table(
    "attributions",
    metadata,
    _id(),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False, index=True),
    Column("party_id", ID, ForeignKey("parties.id"), nullable=False, index=True),
    Column("note", Text),
    Column("created_at", TIME, nullable=False),
)

blobs = Table(
    "blobs",
    metadata,
    Column("id", SHA256, primary_key=True),  # SHA-256 of the original bytes
    Column("size", BigInteger, nullable=False),
    Column("storage_name", String(64), nullable=False, unique=True),
    Column("stored_at", TIME, nullable=False),
)

sources = Table(
    "sources",
    metadata,
    _id(),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("name", Text),
    Column("blob_id", SHA256, ForeignKey("blobs.id")),
    Column("parser", String(64)),
    Column("parser_version", String(32)),
    Column("details", Text),
    Column("created_at", TIME, nullable=False),
)

exhibits = Table(
    "exhibits",
    metadata,
    _id(),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("ref", String(64), nullable=False),
    Column("description", Text),
    Column("blob_id", SHA256, ForeignKey("blobs.id"), nullable=False),
    Column("original_name", Text),
    Column("media_type", String(128)),
    Column("size", BigInteger, nullable=False),
    Column("captured_by", Text),
    Column("captured_at", TIME),
    Column("capture_method", Text),
    Column("source_app", Text),
    Column("url", Text),
    Column("username", Text),
    Column("profile_id", Text),
    Column("post_id", Text),
    Column("content_time", Text),
    Column("derived_from", ID, ForeignKey("exhibits.id")),
    Column("created_at", TIME, nullable=False),
    UniqueConstraint("case_id", "ref", name="uq_exhibits_case_ref"),
    Index("ix_exhibits_case_blob", "case_id", "blob_id"),
)

# One row per version of an event. `entry_id` is stable across versions; `supersedes` links a
# correction to the row it corrects. Imported messages have one version, diary entries may have many.
events = Table(
    "events",
    metadata,
    _id(),
    Column("entry_id", ID, nullable=False),
    Column("version", Integer, nullable=False),
    Column("supersedes", ID, ForeignKey("events.id"), unique=True),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("number", Integer),
    Column("kind", String(32), nullable=False),
    Column("channel", String(64)),
    Column("occurred_at", TIME, nullable=False),
    Column("occurred_until", TIME),
    Column("occurred_local", String(40)),
    Column("occurred_zone", String(64)),
    Column("precision", String(16), nullable=False),
    Column("recorded_at", TIME, nullable=False),
    Column("text", Text),
    Column("place", Text),
    Column("sender_account_id", ID, ForeignKey("accounts.id")),
    Column("recipients", Text),
    Column("parties", Text),
    Column("witnesses", Text),
    Column("behaviours", Text),
    Column("impact", Text),
    Column("actions", Text),
    Column("how_saved", Text),
    Column("risk_notes", Text),
    Column("exhibit_refs", Text),
    Column("source_id", ID, ForeignKey("sources.id")),
    Column("locator", Text),
    Column("raw_sha256", SHA256),
    Column("change_note", Text),
    Column("redacted", Boolean, nullable=False),
    # Added by migration 0003 for imports (see LATE_COLUMNS). `dedup_key` makes re-imports idempotent;
    # `text_normalised` is the search copy, set only when it differs from the text as found.
    Column("dedup_key", String(60)),
    Column("markers", Text),
    Column("details", Text),
    Column("text_normalised", Text),
    UniqueConstraint("entry_id", "version", name="uq_events_entry_version"),
    Index("ix_events_case_time", "case_id", "occurred_at"),
    # Partial: diary entries and later versions have no key, and should not cost an index entry each.
    Index(
        "uq_events_case_dedup",
        "case_id",
        "dedup_key",
        unique=True,
        sqlite_where=text("dedup_key IS NOT NULL"),
        postgresql_where=text("dedup_key IS NOT NULL"),
    ),
)

assessments = Table(
    "assessments",
    metadata,
    _id(),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("subject", Text),
    Column("instrument", String(64)),
    Column("instrument_version", String(32)),
    Column("result", Text, nullable=False),
    Column("supersedes", ID, ForeignKey("assessments.id")),
    Column("created_at", TIME, nullable=False),
)

# One row per run of `import` on one input. A crashed import is resumed, not started again: its batches
# say how many records are already stored.
imports = Table(
    "imports",
    metadata,
    _id(),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False),
    Column("source_id", ID, ForeignKey("sources.id")),
    Column("source_name", String(32), nullable=False),
    Column("parser_version", String(32), nullable=False),
    Column("input_name", Text, nullable=False),
    Column("input_sha256", SHA256, nullable=False),
    Column("options", Text, nullable=False),
    Column("options_sha256", SHA256, nullable=False),
    Column("expected_records", BigInteger, nullable=False),
    Column("started_at", TIME, nullable=False),
    Index("ix_imports_case_input", "case_id", "input_sha256"),
)

import_batches = Table(
    "import_batches",
    metadata,
    _id(),
    Column("import_id", ID, ForeignKey("imports.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("records_through", BigInteger, nullable=False),
    Column("position", Text),
    Column("new", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("exhibits", Integer, nullable=False),
    Column("final", Boolean, nullable=False),
    Column("committed_at", TIME, nullable=False),
    UniqueConstraint("import_id", "seq", name="uq_import_batches_seq"),
)

# Everything an import did not understand or wants checked, kept for the per-import report.
import_warnings = Table(
    "import_warnings",
    metadata,
    _id(),
    Column("import_id", ID, ForeignKey("imports.id"), nullable=False),
    Column("ordinal", BigInteger, nullable=False),
    Column("code", String(32), nullable=False),
    Column("member", Text),
    Column("line", Integer),
    Column("byte_offset", BigInteger),
    Column("raw", Text),
    Column("reason", Text, nullable=False),
    Column("created_at", TIME, nullable=False),
    Index("ix_import_warnings_import", "import_id", "ordinal"),
)

ledger = Table(
    "ledger",
    metadata,
    # INTEGER on SQLite makes seq the rowid: entries are stored in order with no separate key index.
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False),
    Column("recorded_at", TIME, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("payload_sha256", SHA256, nullable=False),
    Column("prev_hash", SHA256, nullable=False),
    Column("entry_hash", SHA256, nullable=False),
    Index("ix_ledger_object", "object_type", "object_id"),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("tree_size", BigInteger, nullable=False),
    Column("root_hash", SHA256, nullable=False),
    Column("created_at", TIME, nullable=False),
    Column("public_key", SHA256, nullable=False),
    Column("signature", String(128), nullable=False),
    # The Merkle frontier (roots of the perfect subtrees) at tree_size, so the next checkpoint hashes only
    # the new entries. It is checked against the signed root before use.
    Column("frontier", Text, nullable=False),
)

# RFC 3161 receipts, asked for by the user: a time-stamping authority's signed statement that a checkpoint's
# signed message existed at `gen_time`. The response (DER) and the authority's CA certificate, when given,
# are blobs; this row links them to the checkpoint. Added by migration 0004.
timestamps = Table(
    "timestamps",
    metadata,
    _id(),
    Column("checkpoint_seq", BigInteger, ForeignKey("checkpoints.seq"), nullable=False, index=True),
    Column("message_sha256", SHA256, nullable=False),
    Column("blob_id", SHA256, ForeignKey("blobs.id"), nullable=False),
    Column("ca_blob_id", SHA256, ForeignKey("blobs.id")),
    Column("tsa_url", Text, nullable=False),
    Column("gen_time", TIME, nullable=False),
    Column("serial_number", Text, nullable=False),
    Column("created_at", TIME, nullable=False),
)

# Tables whose every row is recorded in the ledger and checked by `verify`.
LEDGERED: dict[str, Table] = {
    table.name: table
    for table in (
        cases,
        parties,
        accounts,
        attributions,
        blobs,
        sources,
        exhibits,
        events,
        assessments,
        imports,
        import_batches,
        import_warnings,
        timestamps,
    )
}

# Columns added to a ledgered table after rows were already hashed. A row's canonical form leaves them out
# while they are empty, so rows written before the migration still match their ledger entries.
LATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "events": ("dedup_key", "markers", "details", "text_normalised"),
}
