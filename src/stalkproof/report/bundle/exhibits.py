"""The exhibits a pack holds: their records, and their original bytes copied out of the vault."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from stalkproof.errors import NotFoundError
from stalkproof.evidence.exhibits import export_exhibit
from stalkproof.report.bundle.layout import exhibit_path
from stalkproof.report.exhibit_entries import ExhibitEntry
from stalkproof.vault.schema import exhibits
from stalkproof.vault.vault import Vault


def chosen_exhibits(vault: Vault, case_id: str, refs: Sequence[str]) -> list[dict[str, Any]]:
    """The exhibit rows of the case (all of them, or only `refs`), oldest first."""
    query = select(exhibits).where(exhibits.c.case_id == case_id)
    if refs:
        query = query.where(exhibits.c.ref.in_(refs))
    with vault.read() as connection:
        rows = [dict(row._mapping) for row in connection.execute(query.order_by(exhibits.c.created_at))]
    missing = sorted(set(refs) - {row["ref"] for row in rows})
    if missing:
        raise NotFoundError(f"This case has no exhibit labelled {', '.join(missing)}.")
    return rows


def copy_exhibits(vault: Vault, case_id: str, rows: list[dict[str, Any]], folder: Path) -> list[ExhibitEntry]:
    """Write each original into `folder`, byte for byte, and describe it for the exhibit list."""
    entries = []
    for row in rows:
        entry = _entry(row)
        target = folder / entry.pack_path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as handle:
            export_exhibit(vault, case_id, entry.ref, handle)
        entries.append(entry)
    return entries


def _entry(row: dict[str, Any]) -> ExhibitEntry:
    return ExhibitEntry(
        ref=str(row["ref"]),
        description=row["description"],
        original_name=row["original_name"],
        media_type=row["media_type"],
        size=int(row["size"]),
        sha256=str(row["blob_id"]),
        captured_by=row["captured_by"],
        captured_at=row["captured_at"],
        capture_method=row["capture_method"],
        pack_path=exhibit_path(str(row["ref"]), row["original_name"]),
    )
