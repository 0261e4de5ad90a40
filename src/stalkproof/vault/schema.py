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
    UniqueConstraint("entry_id", "version", name="uq_events_entry_version"),
    Index("ix_events_case_time", "case_id", "occurred_at"),
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

# Tables whose every row is recorded in the ledger and checked by `verify`.
LEDGERED: dict[str, Table] = {
    table.name: table
    for table in (cases, parties, accounts, attributions, blobs, sources, exhibits, events, assessments)
}
