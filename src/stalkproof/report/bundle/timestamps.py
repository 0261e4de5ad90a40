"""RFC 3161 receipts in a pack, laid out so `openssl ts -verify -data` can check each with standard tools.

For every receipt over the pack's checkpoint or an earlier one, the pack holds the TSA's reply as stored,
the exact checkpoint text whose SHA-256 was timestamped, that text's Ed25519 signature, and the TSA's CA
certificate when the vault kept one. A receipt is almost always for an earlier checkpoint (storing it
grows the ledger), so the index also carries an RFC 6962 consistency proof from that checkpoint's tree to
the pack's: the timestamp then vouches for every entry the pack's checkpoint shares with it.
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from stalkproof.report.bundle import layout
from stalkproof.vault.checkpoint import Checkpoint
from stalkproof.vault.merkle import consistency_proof
from stalkproof.vault.schema import checkpoints
from stalkproof.vault.timestamps import Receipt, timestamp_receipts
from stalkproof.vault.vault import Vault

ALGORITHM = (
    "RFC 3161 time-stamp replies over SHA-256 of each checkpoint's signed text; RFC 6962 consistency "
    "proofs (SHA-256) from each timestamped checkpoint's tree to the pack's checkpoint"
)


@dataclass(frozen=True)
class PackedTimestamp:
    """One receipt as written into the pack: what VERIFY.txt names."""

    seq: int
    tsa_url: str
    gen_time: str
    reply: str
    message: str
    signature: str
    ca: str | None


def write_timestamps(
    vault: Vault, folder: Path, checkpoint: Checkpoint, leaves: Sequence[bytes]
) -> list[PackedTimestamp]:
    """Write `timestamps/` for the receipts the pack's checkpoint covers; nothing when there are none."""
    receipts = [receipt for receipt in timestamp_receipts(vault) if receipt.seq <= checkpoint.seq]
    if not receipts:
        return []
    (folder / layout.TIMESTAMPS).mkdir()
    signed = _checkpoints(vault, {receipt.seq for receipt in receipts})
    certificates: dict[bytes, str] = {}
    copies: dict[int, int] = {}
    packed, records = [], []
    for receipt in receipts:
        copies[receipt.seq] = copies.get(receipt.seq, 0) + 1
        earlier = signed[receipt.seq]
        item = _write_one(folder, receipt, earlier, vault.header.vault_id, copies[receipt.seq], certificates)
        proof = consistency_proof(leaves, earlier.tree_size, checkpoint.tree_size)
        packed.append(item)
        records.append(_record(receipt, earlier, item, proof))
    index = {
        "algorithm": ALGORITHM,
        "checkpoint_seq": checkpoint.seq,
        "tree_size": checkpoint.tree_size,
        "root_hash": checkpoint.root_hash,
        "receipts": records,
    }
    (folder / layout.TIMESTAMP_INDEX).write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return packed


def _checkpoints(vault: Vault, seqs: Iterable[int]) -> dict[int, Checkpoint]:
    with vault.read() as connection:
        rows = connection.execute(select(checkpoints).where(checkpoints.c.seq.in_(list(seqs)))).all()
    found = [Checkpoint(**{k: v for k, v in row._mapping.items() if k != "frontier"}) for row in rows]
    return {item.seq: item for item in found}


def _write_one(
    folder: Path,
    receipt: Receipt,
    earlier: Checkpoint,
    vault_id: str,
    copy: int,
    certificates: dict[bytes, str],
) -> PackedTimestamp:
    names = {suffix: layout.timestamp_path(receipt.seq, copy, suffix) for suffix in ("tsr", "txt", "sig")}
    (folder / names["tsr"]).write_bytes(receipt.der)
    # The bytes whose SHA-256 the TSA signed: `openssl ts -verify -data` hashes this file itself.
    (folder / names["txt"]).write_bytes(earlier.message(vault_id))
    (folder / names["sig"]).write_bytes(bytes.fromhex(earlier.signature))
    ca = _write_certificate(folder, receipt.tsa_url, receipt.ca_pem, certificates) if receipt.ca_pem else None
    return PackedTimestamp(
        receipt.seq, receipt.tsa_url, receipt.gen_time, names["tsr"], names["txt"], names["sig"], ca
    )


def _write_certificate(folder: Path, tsa_url: str, ca_pem: bytes, certificates: dict[bytes, str]) -> str:
    """One file per distinct certificate chain, named after the authority's host."""
    if ca_pem in certificates:
        return certificates[ca_pem]
    host = urllib.parse.urlsplit(tsa_url).hostname or "authority"
    name = layout.tsa_certificate_path(host)
    if name in certificates.values():
        name = layout.tsa_certificate_path(f"{host}-{hashlib.sha256(ca_pem).hexdigest()[:8]}")
    (folder / name).write_bytes(ca_pem)
    certificates[ca_pem] = name
    return name


def _record(
    receipt: Receipt, earlier: Checkpoint, item: PackedTimestamp, proof: list[bytes]
) -> dict[str, Any]:
    return {
        "seq": receipt.seq,
        "tree_size": earlier.tree_size,
        "root_hash": earlier.root_hash,
        "created_at": earlier.created_at,
        "message_sha256": receipt.message_sha256,
        "tsa_url": receipt.tsa_url,
        "gen_time": receipt.gen_time,
        "serial": receipt.serial,
        "files": {"reply": item.reply, "message": item.message, "signature": item.signature, "ca": item.ca},
        "consistency_proof": [node.hex() for node in proof],
    }
