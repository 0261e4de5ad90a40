"""Whole-vault verification: every blob, every row, every ledger entry, every checkpoint.

Nothing is trusted from a previous run. Each problem names what is wrong and where, so a person (or an
expert for the defence) can see exactly which item no longer matches its record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyrage
from sqlalchemy import Connection, Row, Select, Table, distinct, func, select
from sqlalchemy.exc import DatabaseError

from stalkproof.vault.checkpoint import Checkpoint
from stalkproof.vault.ledger import GENESIS, payload_hash, row_hash, walk
from stalkproof.vault.merkle import Frontier
from stalkproof.vault.schema import LEDGERED, blobs, checkpoints, ledger
from stalkproof.vault.vault import VAULT_OBJECT, Vault, vault_payload

Progress = Callable[[int], None]
PAGE_ROWS = 2_000


@dataclass(frozen=True)
class Problem:
    kind: str
    object: str
    detail: str


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, what: str, detail: str) -> None:
        self.problems.append(Problem(kind, what, detail))


@dataclass
class _LedgerState:
    """What walking the ledger leaves behind for the checkpoint checks: its size and the Merkle root at
    each checkpointed size. Nothing per entry is kept, so verify's memory does not grow with the vault."""

    size: int = 0
    roots: dict[int, str] = field(default_factory=dict)


def verify_vault(vault: Vault, progress: Progress | None = None) -> Report:
    report = Report()
    try:
        blob_rows = _check_records(vault, report)
    except DatabaseError as error:
        report.add("database_unreadable", "vault database", f"part of it cannot be read ({error.orig})")
        return report
    _check_blobs(vault, blob_rows, report, progress)
    return report


def _check_records(vault: Vault, report: Report) -> list[tuple[str, int, str]]:
    with vault.read() as connection:
        _check_pages(connection, report)
        stored = [
            Checkpoint(**{k: v for k, v in row._mapping.items() if k != "frontier"})
            for row in connection.execute(select(checkpoints).order_by(checkpoints.c.seq))
        ]
        state = _check_ledger(connection, {c.tree_size for c in stored}, report)
        _check_checkpoints(vault, stored, state, report)
        _check_vault_entry(vault, connection, report)
        _check_rows(connection, report)
        rows = connection.execute(select(blobs.c.id, blobs.c.size, blobs.c.storage_name)).all()
    return [(row.id, row.size, row.storage_name) for row in rows]


def _check_pages(connection: Connection, report: Report) -> None:
    """SQLCipher authenticates every page: damage in a page no query happens to read shows up here."""
    if connection.dialect.name != "sqlite":
        return
    for (message,) in connection.exec_driver_sql("PRAGMA cipher_integrity_check"):
        report.add("database_damaged", "vault database", str(message))
    for (message,) in connection.exec_driver_sql("PRAGMA quick_check"):
        if message != "ok":
            report.add("database_damaged", "vault database", str(message))


def _check_ledger(connection: Connection, sizes: set[int], report: Report) -> _LedgerState:
    state, frontier, previous = _LedgerState(), Frontier(), GENESIS
    for entry in walk(connection):
        expected_seq = state.size + 1
        if entry.seq != expected_seq:
            report.add(
                "ledger_gap",
                f"ledger entries {expected_seq}-{entry.seq - 1}",
                "these entries are missing: they were deleted outside stalkproof",
            )
        if entry.expected_hash() != entry.entry_hash:
            report.add(
                "ledger_entry_altered",
                f"ledger entry {entry.seq}",
                f"it no longer matches its hash ({entry.action} {entry.object_type} {entry.object_id})",
            )
        elif entry.prev_hash != previous:
            report.add(
                "ledger_chain_broken",
                f"ledger entry {entry.seq}",
                "it does not follow on from the entry before it",
            )
        previous = entry.entry_hash
        frontier.append(bytes.fromhex(entry.entry_hash))
        state.size = entry.seq
        if frontier.size in sizes:
            state.roots[frontier.size] = frontier.root().hex()
    report.counts["ledger_entries"] = frontier.size
    return state


def _check_checkpoints(vault: Vault, stored: list[Checkpoint], state: _LedgerState, report: Report) -> None:
    report.counts["checkpoints"] = len(stored)
    own_key = vault.keys.verifier
    if not stored:
        report.add("checkpoint_missing", "checkpoints", "there is no signed checkpoint at all")
    for number, checkpoint in enumerate(stored, start=1):
        what = f"checkpoint {checkpoint.seq}"
        if checkpoint.seq != number:
            report.add("checkpoint_missing", what, f"checkpoint {number} is missing")
        if not checkpoint.signature_valid(vault.header.vault_id, own_key):
            report.add(
                "checkpoint_signature_invalid", what, "its signature is not valid for this vault's key"
            )
        if checkpoint.tree_size > state.size:
            report.add(
                "ledger_truncated",
                what,
                f"it covers {checkpoint.tree_size} ledger entries but only {state.size} remain",
            )
        elif state.roots.get(checkpoint.tree_size) != checkpoint.root_hash:
            report.add(
                "checkpoint_mismatch",
                what,
                f"the first {checkpoint.tree_size} ledger entries are not the ones it signed",
            )
    signed = stored[-1].tree_size if stored else 0
    if state.size > signed:
        report.notes.append(
            f"{state.size - signed} ledger entries are newer than the last checkpoint (a command was "
            "interrupted); the next change signs them."
        )


def _check_vault_entry(vault: Vault, connection: Connection, report: Report) -> None:
    recorded = _latest_hashes(connection, VAULT_OBJECT, [vault.header.vault_id]).get(vault.header.vault_id)
    if recorded != payload_hash(vault_payload(vault.header)):
        report.add(
            "header_altered",
            "vault header",
            "the vault's identity or public keys differ from those recorded when it was made",
        )


def _check_rows(connection: Connection, report: Report) -> None:
    """Each row against the newest ledger hash for it, a page of rows at a time, then whether the ledger
    names any row that is no longer there. The chain walk has already shown the ledger itself is intact,
    so its index can be trusted to find the newest entry for each row."""
    rows_checked = 0
    for name, table in LEDGERED.items():
        key = next(iter(table.primary_key.columns)).name
        recorded_rows = 0
        for page in _pages(connection, select(table)):
            latest = _latest_hashes(connection, name, [str(row._mapping[key]) for row in page])
            for row in page:
                payload = dict(row._mapping)
                recorded = latest.get(str(payload[key]))
                rows_checked += 1
                if recorded is None:
                    report.add(
                        "row_unrecorded",
                        f"{name} row {payload[key]}",
                        "it is not in the ledger: it was added outside stalkproof",
                    )
                    continue
                recorded_rows += 1
                if recorded != row_hash(name, payload):
                    report.add(
                        "row_altered",
                        f"{name} row {payload[key]}",
                        "its contents differ from what the ledger recorded",
                    )
        if _ledgered_objects(connection, name) != recorded_rows:
            _name_missing_rows(connection, name, table, key, report)
    report.counts["rows"] = rows_checked


def _latest_hashes(connection: Connection, object_type: str, object_ids: list[str]) -> dict[str, str]:
    """The payload hash of the newest ledger entry for each of these objects."""
    query = (
        select(ledger.c.object_id, ledger.c.payload_sha256)
        .where(ledger.c.object_type == object_type, ledger.c.object_id.in_(object_ids))
        .order_by(ledger.c.seq)
    )
    return {str(object_id): str(digest) for object_id, digest in connection.execute(query)}


def _ledgered_objects(connection: Connection, object_type: str) -> int:
    query = select(func.count(distinct(ledger.c.object_id))).where(ledger.c.object_type == object_type)
    return int(connection.execute(query).scalar_one())


def _name_missing_rows(connection: Connection, name: str, table: Table, key: str, report: Report) -> None:
    """Only reached when the counts differ, so the usual run never pays for it."""
    column = table.c[key]
    ids = select(ledger.c.object_id).where(ledger.c.object_type == name).distinct()
    for page in _pages(connection, ids):
        wanted = [str(object_id) for (object_id,) in page]
        present = {str(found) for found in connection.execute(select(column).where(column.in_(wanted)))}
        for object_id in wanted:
            if object_id not in present:
                report.add(
                    "row_missing",
                    f"{name} row {object_id}",
                    "the ledger records it but it is gone: it was deleted outside stalkproof",
                )


def _pages(connection: Connection, query: Select[Any], size: int = PAGE_ROWS) -> Iterator[Sequence[Row[Any]]]:
    """Rows in pages, so a large table is checked in constant memory."""
    yield from connection.execution_options(yield_per=size).execute(query).partitions()


def _check_blobs(
    vault: Vault, rows: list[tuple[str, int, str]], report: Report, progress: Progress | None
) -> None:
    on_disk = vault.store.stored_names()
    checked_bytes = 0
    for sha256, size, name in rows:
        what = f"blob {sha256}"
        if name not in on_disk:
            report.add("blob_missing", what, f"its encrypted file {vault.store.path_for(name).name} is gone")
            continue
        on_disk.discard(name)
        try:
            digest, length = vault.store.measure(name)
        except (pyrage.DecryptError, OSError) as error:
            report.add("blob_altered", what, f"its encrypted file cannot be decrypted ({error})")
            continue
        if digest != sha256 or length != size:
            report.add("blob_altered", what, "its contents no longer match the SHA-256 recorded for it")
        checked_bytes += length
        if progress:
            progress(length)
    for name in sorted(on_disk):
        report.add(
            "blob_unrecorded",
            f"file {vault.store.path_for(name).name}",
            "an encrypted file in the store has no record",
        )
    report.counts["blobs"] = len(rows)
    report.counts["blob_bytes"] = checked_bytes
