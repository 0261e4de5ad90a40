"""Check the RFC 3161 receipts in a pack against the pack's own files.

For each receipt: the TSA's reply is for the SHA-256 of the checkpoint text beside it (and its signature
checks out against the TSA's CA certificate when the pack holds one); that text is a checkpoint of this
vault, signed with the pack's key; and the checkpoint is the pack's own or grew into it, as the RFC 6962
consistency proof shows. Then the time the TSA gives holds for every ledger entry the two share.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from stalkproof.report.bundle import layout
from stalkproof.vault.checkpoint import checkpoint_message
from stalkproof.vault.merkle import verify_consistency
from stalkproof.vault.timestamps import verify_receipt

# (kind, file, detail): `PackCheck.add`.
AddProblem = Callable[[str, str, str], None]

_MESSAGE_HEADER = "stalkproof checkpoint v1"


@dataclass(frozen=True)
class TimestampResult:
    """`trusted`: the TSA's signature was checked up to a CA certificate the pack holds."""

    seq: int
    time: str | None
    tsa: str
    ok: bool
    trusted: bool

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "time": self.time, "tsa": self.tsa, "ok": self.ok, "trusted": self.trusted}


@dataclass(frozen=True)
class _PackCheckpoint:
    seq: int
    size: int
    root: bytes
    message: bytes


class _Bad(Exception):
    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind, self.detail = kind, detail


def check_timestamps(
    folder: Path, key: Ed25519PublicKey, vault_id: str | None, add: AddProblem
) -> list[TimestampResult]:
    """Every receipt the pack's index lists; none (and no problem) when the pack has no timestamps."""
    index_path = folder / layout.TIMESTAMP_INDEX
    if not index_path.exists():
        if (folder / layout.TIMESTAMPS).exists():
            add("timestamps_unreadable", layout.TIMESTAMP_INDEX, "the timestamps folder has no index")
        return []
    try:
        index = json.loads(index_path.read_bytes())
        pack = _pack_checkpoint(folder)
        records = list(index["receipts"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        add("timestamps_unreadable", layout.TIMESTAMP_INDEX, f"it cannot be read ({error})")
        return []
    return [_check_one(folder, key, vault_id, pack, record, add) for record in records]


def _pack_checkpoint(folder: Path) -> _PackCheckpoint:
    """Read as written; whether it is signed and matches its fields is checked with the exhibits."""
    data = json.loads((folder / layout.CHECKPOINT).read_bytes())
    return _PackCheckpoint(
        int(data["seq"]),
        int(data["tree_size"]),
        bytes.fromhex(data["root_hash"]),
        base64.b64decode(data["message_base64"]),
    )


def _check_one(
    folder: Path,
    key: Ed25519PublicKey,
    vault_id: str | None,
    pack: _PackCheckpoint,
    record: Any,
    add: AddProblem,
) -> TimestampResult:
    seq, tsa = _seq_and_tsa(record)
    what = f"timestamp of checkpoint {seq}"
    try:
        files = record["files"]
        message = (folder / str(files["message"])).read_bytes()
        reply = (folder / str(files["reply"])).read_bytes()
        ca = (folder / str(files["ca"])).read_bytes() if files.get("ca") else None
        receipt = verify_receipt(reply, hashlib.sha256(message).digest(), ca)
        if not receipt.ok:
            raise _Bad("timestamp_invalid", f"the authority's reply does not check out: {receipt.problem}")
        fields = _checkpoint_fields(message, record, vault_id)
        _check_signature(key, folder / str(files["signature"]), message)
        _check_connected(fields, record, pack, message)
    except _Bad as bad:
        add(bad.kind, what, bad.detail)
        return TimestampResult(seq, None, tsa, False, False)
    except (OSError, KeyError, TypeError, ValueError) as error:
        add("timestamps_unreadable", what, f"its files cannot be read ({error})")
        return TimestampResult(seq, None, tsa, False, False)
    return TimestampResult(seq, receipt.gen_time, tsa, True, receipt.trusted)


def _seq_and_tsa(record: Any) -> tuple[int, str]:
    try:
        return int(record["seq"]), str(record["tsa_url"])
    except (KeyError, TypeError, ValueError):
        return -1, ""


def _checkpoint_fields(message: bytes, record: dict[str, Any], vault_id: str | None) -> dict[str, str]:
    """The timestamped text must be a checkpoint message of this vault, as the index describes it."""
    lines = message.decode("utf-8", errors="replace").splitlines()
    fields = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    try:
        rebuilt = checkpoint_message(
            fields["vault"],
            int(fields["checkpoint"]),
            int(fields["tree_size"]),
            fields["root_sha256"],
            fields["created_at"],
        )
    except (KeyError, ValueError):
        rebuilt = b""
    if lines[:1] != [_MESSAGE_HEADER] or rebuilt != message:
        raise _Bad("timestamp_checkpoint_altered", "the timestamped text is not a checkpoint")
    described = (int(record["seq"]), int(record["tree_size"]), str(record["root_hash"]))
    if described != (int(fields["checkpoint"]), int(fields["tree_size"]), fields["root_sha256"]):
        raise _Bad("timestamp_checkpoint_altered", "the index does not describe the timestamped checkpoint")
    if vault_id is not None and fields["vault"] != vault_id:
        raise _Bad("timestamp_checkpoint_altered", "the timestamped checkpoint is of a different vault")
    return fields


def _check_signature(key: Ed25519PublicKey, path: Path, message: bytes) -> None:
    try:
        key.verify(path.read_bytes(), message)
    except InvalidSignature:
        raise _Bad(
            "timestamp_checkpoint_signature_invalid",
            "the timestamped checkpoint is not signed with the pack's key",
        ) from None


def _check_connected(
    fields: dict[str, str], record: dict[str, Any], pack: _PackCheckpoint, message: bytes
) -> None:
    """The pack's own checkpoint must be the very text signed in checkpoint.json; an earlier one must be a
    prefix of the pack's tree, so the timestamp covers every entry up to it."""
    seq, size, root = int(fields["checkpoint"]), int(fields["tree_size"]), fields["root_sha256"]
    proof = [bytes.fromhex(node) for node in record["consistency_proof"]]
    connected = verify_consistency(size, pack.size, bytes.fromhex(root), pack.root, proof)
    same = seq != pack.seq or message == pack.message
    if seq > pack.seq or not connected or not same:
        raise _Bad(
            "timestamp_not_connected",
            f"checkpoint {seq} is not proved to be part of the pack's checkpoint {pack.seq}",
        )
