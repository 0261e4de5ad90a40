"""What lets anyone check an exhibit against the vault's signed state without seeing the rest of it: the
exhibit's ledger entry with its record, the latest signed checkpoint, and an RFC 6962 inclusion proof."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from stalkproof.errors import IntegrityError
from stalkproof.vault.checkpoint import Checkpoint
from stalkproof.vault.ledger import Entry, canonical_row
from stalkproof.vault.merkle import leaf_hash, node_hash
from stalkproof.vault.schema import checkpoints, exhibits, ledger
from stalkproof.vault.vault import Vault

EXHIBIT_OBJECT = str(exhibits.name)
_PAGE = 500


@dataclass(frozen=True)
class Anchored:
    """An exhibit's record and the newest ledger entry about it that the checkpoint covers."""

    ref: str
    row: dict[str, Any]
    entry: Entry


def latest_checkpoint(vault: Vault) -> Checkpoint:
    """Signs a new checkpoint first if the ledger grew since the last one, so the pack covers it all."""
    vault.checkpoint()
    with vault.read() as connection:
        row = connection.execute(select(checkpoints).order_by(checkpoints.c.seq.desc()).limit(1)).first()
    if row is None:
        raise IntegrityError("The vault has no signed checkpoint. Run 'stalkproof verify'.")
    return Checkpoint(**{k: v for k, v in row._mapping.items() if k != "frontier"})


def anchor(vault: Vault, rows: list[dict[str, Any]], tree_size: int) -> list[Anchored]:
    by_id = {str(row["id"]): row for row in rows}
    found: dict[str, Entry] = {}
    with vault.read() as connection:
        ids = list(by_id)
        for start in range(0, len(ids), _PAGE):
            found.update(_latest_entries(connection, ids[start : start + _PAGE], tree_size))
    missing = [str(by_id[key]["ref"]) for key in by_id if key not in found]
    if missing:
        raise IntegrityError(
            f"Exhibit {', '.join(missing)} has no ledger entry under the signed checkpoint. "
            "Run 'stalkproof verify'."
        )
    return [
        Anchored(str(row["ref"]), dict(canonical_row(EXHIBIT_OBJECT, row)), found[key])
        for key, row in by_id.items()
    ]


def _latest_entries(connection: Connection, ids: list[str], tree_size: int) -> dict[str, Entry]:
    query = (
        select(ledger)
        .where(
            ledger.c.object_type == EXHIBIT_OBJECT,
            ledger.c.object_id.in_(ids),
            ledger.c.seq <= tree_size,
        )
        .order_by(ledger.c.seq)
    )
    return {str(row.object_id): Entry(**row._mapping) for row in connection.execute(query)}


def ledger_leaves(vault: Vault, tree_size: int) -> list[bytes]:
    """The checkpoint's leaves: each ledger entry's hash, as the vault appended them to its tree."""
    query = select(ledger.c.entry_hash).where(ledger.c.seq <= tree_size).order_by(ledger.c.seq)
    with vault.read() as connection:
        return [bytes.fromhex(digest) for (digest,) in connection.execute(query)]


def write_ledger_extract(path: Path, anchored: Iterable[Anchored]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps({"exhibit": item.ref, "entry": item.entry.as_row(), "row": item.row}, ensure_ascii=False)
        for item in anchored
    ]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def write_checkpoint(path: Path, checkpoint: Checkpoint, vault_id: str) -> None:
    message = checkpoint.message(vault_id)
    data = {
        "vault_id": vault_id,
        "seq": checkpoint.seq,
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "created_at": checkpoint.created_at,
        "public_key": checkpoint.public_key,
        "signature": checkpoint.signature,
        "signature_base64": base64.b64encode(bytes.fromhex(checkpoint.signature)).decode(),
        "message_base64": base64.b64encode(message).decode(),
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def write_proofs(path: Path, checkpoint: Checkpoint, anchored: list[Anchored], leaves: list[bytes]) -> None:
    tree = _ProofTree(leaves[: checkpoint.tree_size])
    proofs = [
        {
            "exhibit": item.ref,
            "ledger_seq": item.entry.seq,
            "leaf_index": item.entry.seq - 1,
            "entry_hash": item.entry.entry_hash,
            "path": [node.hex() for node in tree.path(item.entry.seq - 1)],
        }
        for item in anchored
    ]
    data = {
        "algorithm": "RFC 6962 Merkle tree, SHA-256; leaf = SHA-256(0x00 || entry hash bytes)",
        "checkpoint_seq": checkpoint.seq,
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "proofs": proofs,
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


class _ProofTree:
    """RFC 6962 audit paths for many leaves of one tree, as `merkle.inclusion_proof` gives them, with
    each leaf hashed once and each subtree root computed once: proving every exhibit of a pack then costs
    one pass over the ledger, not one pass per exhibit."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self._hashes = [leaf_hash(data) for data in leaves]
        self._roots: dict[tuple[int, int], bytes] = {}

    def path(self, index: int) -> list[bytes]:
        size = len(self._hashes)
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} out of range for tree size {size}")
        found: list[bytes] = []
        low, high = 0, size
        while high - low > 1:
            middle = low + _split(high - low)
            if index < middle:
                found.append(self._root(middle, high))
                high = middle
            else:
                found.append(self._root(low, middle))
                low = middle
        found.reverse()
        return found

    def _root(self, low: int, high: int) -> bytes:
        if high - low == 1:
            return self._hashes[low]
        key = (low, high)
        if key not in self._roots:
            middle = low + _split(high - low)
            self._roots[key] = node_hash(self._root(low, middle), self._root(middle, high))
        return self._roots[key]


def _split(size: int) -> int:
    """RFC 6962's split: the largest power of two strictly below `size` (at least 2)."""
    return 1 << ((size - 1).bit_length() - 1)
