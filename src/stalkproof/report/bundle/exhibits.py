"""The exhibits a pack holds: their records, and their original bytes copied out of the vault.

A redacted copy sits under `exhibits/redacted/`, and its manifest line names the original it was made
from. When the pack holds the copy but not the original, the original is proved only: its ledger entry
and inclusion proof show it was recorded under the signed checkpoint, while its bytes and its record
(description, file name, account details: the kind of thing redaction hides) stay out of the pack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from stalkproof.errors import NotFoundError
from stalkproof.evidence.exhibits import export_exhibit
from stalkproof.evidence.redaction import redaction_source
from stalkproof.report.bundle.layout import EXHIBITS, exhibit_path
from stalkproof.report.bundle.proofs import Anchored
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


@dataclass(frozen=True)
class Redactions:
    """`withheld`: records of originals to prove but not disclose; `links`: manifest fields by pack path."""

    withheld: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, dict[str, str]] = field(default_factory=dict)

    def conceal(self, anchored: list[Anchored]) -> list[Anchored]:
        """The ledger extract's items, with the records of withheld originals left out."""
        hidden = {str(row["id"]) for row in self.withheld}
        return [replace(item, row=WITHHELD) if item.entry.object_id in hidden else item for item in anchored]


WITHHELD: dict[str, Any] = {"withheld": True}


def redactions(vault: Vault, rows: list[dict[str, Any]]) -> Redactions:
    """The originals of the redacted copies among `rows`, and how each copy links to its original."""
    copies = [row for row in rows if row["derived_from"] and redaction_source(row["capture_method"])]
    if not copies:
        return Redactions()
    wanted = {str(row["derived_from"]) for row in copies}
    with vault.read() as connection:
        found = connection.execute(select(exhibits).where(exhibits.c.id.in_(wanted)))
        originals = {str(row.id): dict(row._mapping) for row in found}
    packed = {str(row["id"]) for row in rows}
    links = {
        _entry(row).pack_path: {
            "derived_from_ref": str(originals[str(row["derived_from"])]["ref"]),
            "original_sha256": str(originals[str(row["derived_from"])]["blob_id"]),
        }
        for row in copies
    }
    return Redactions([row for key, row in originals.items() if key not in packed], links)


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
        pack_path=_pack_path(row),
    )


def _pack_path(row: dict[str, Any]) -> str:
    path = exhibit_path(str(row["ref"]), row["original_name"])
    if row["derived_from"] and redaction_source(row["capture_method"]):
        return f"{EXHIBITS}/redacted/" + path.removeprefix(f"{EXHIBITS}/")
    return path
