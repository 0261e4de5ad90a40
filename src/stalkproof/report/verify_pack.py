"""Check an evidence pack with nothing but its own files: no vault, no passphrase.

Each check reports what it found rather than stopping at the first problem, so one run tells the reader
everything that no longer matches, and where.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from stalkproof.evidence.redaction import RedactionSource, redaction_source
from stalkproof.report.bundle import layout
from stalkproof.report.verify_timestamps import TimestampResult, check_timestamps
from stalkproof.vault.checkpoint import checkpoint_message
from stalkproof.vault.ledger import Entry, payload_hash
from stalkproof.vault.merkle import verify_inclusion

_SUM_LINE = re.compile(r"^([0-9a-f]{64})  (.+)$")


@dataclass(frozen=True)
class Problem:
    kind: str
    file: str
    detail: str


@dataclass
class PackCheck:
    problems: list[Problem] = field(default_factory=list)
    # Every RFC 3161 receipt the pack holds, checked or not; empty when it has none (not a problem).
    timestamps: list[TimestampResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, file: str, detail: str) -> None:
        self.problems.append(Problem(kind, file, detail))

    def to_json(self) -> dict[str, Any]:
        """`pack verify --json`: `ok` and `problems` as before, plus `timestamps`."""
        return {
            "ok": self.ok,
            "problems": [{"kind": p.kind, "file": p.file, "detail": p.detail} for p in self.problems],
            "timestamps": [stamp.to_json() for stamp in self.timestamps],
        }


class _Unreadable(Exception):
    """A file the later checks need is missing or not in its expected form (already reported)."""


def verify_pack(folder: Path) -> PackCheck:
    check = PackCheck()
    if not folder.is_dir():
        check.add("pack_missing", str(folder), "there is no folder here")
        return check
    actual = {name: layout.file_sha256(folder / name) for name in layout.pack_files(folder)}
    _check_sums(folder, actual, check)
    try:
        key = _public_key(folder, check)
        manifest = _manifest(folder, key, check)
    except _Unreadable:
        return check
    _check_manifest_files(manifest, actual, folder, check)
    _check_exhibits(folder, key, manifest, actual, check)
    vault_id = manifest.get("vault_id")
    check.timestamps = check_timestamps(folder, key, str(vault_id) if vault_id else None, check.add)
    return check


# -- SHA256SUMS --------------------------------------------------------------------------------------


def _check_sums(folder: Path, actual: dict[str, str], check: PackCheck) -> None:
    listed: set[str] = set()
    for number, line in _lines(folder / layout.SUMS, check):
        match = _SUM_LINE.match(line)
        if match is None:
            check.add("sums_malformed", layout.SUMS, f"line {number} is not '<sha256>  <file>'")
            continue
        digest, name = match.groups()
        listed.add(name)
        if name not in actual:
            check.add("file_missing", name, f"{layout.SUMS} lists it but it is not in the pack")
        elif actual[name] != digest:
            check.add("file_altered", name, f"its SHA-256 is not the one {layout.SUMS} gives")
    for name in sorted(set(actual) - listed - {layout.SUMS}):
        check.add("file_unlisted", name, f"it is in the pack but not in {layout.SUMS}")


def _lines(path: Path, check: PackCheck) -> Iterator[tuple[int, str]]:
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        check.add("sums_unreadable", path.name, f"it cannot be read ({error})")
        return
    if not text.endswith("\n"):
        check.add("sums_malformed", path.name, "it does not end with a line break")
    yield from enumerate(text.splitlines(), start=1)


# -- the signed manifest -----------------------------------------------------------------------------


def _public_key(folder: Path, check: PackCheck) -> Ed25519PublicKey:
    try:
        key = load_pem_public_key((folder / layout.PUBLIC_KEY).read_bytes())
    except (OSError, ValueError) as error:
        check.add("public_key_unreadable", layout.PUBLIC_KEY, f"it cannot be read as a public key ({error})")
        raise _Unreadable from None
    if not isinstance(key, Ed25519PublicKey):
        check.add("public_key_unreadable", layout.PUBLIC_KEY, "it is not an Ed25519 public key")
        raise _Unreadable
    return key


def _manifest(folder: Path, key: Ed25519PublicKey, check: PackCheck) -> dict[str, Any]:
    try:
        content = (folder / layout.MANIFEST).read_bytes()
        signature = (folder / layout.SIGNATURE).read_bytes()
    except OSError as error:
        check.add("manifest_missing", layout.MANIFEST, f"it or its signature cannot be read ({error})")
        raise _Unreadable from None
    try:
        key.verify(signature, content)
    except InvalidSignature:
        check.add(
            "manifest_signature_invalid", layout.SIGNATURE, "it is not a valid signature over the manifest"
        )
    try:
        manifest = json.loads(content)
        if not isinstance(manifest.get("files"), list):
            raise ValueError("no list of files")
    except ValueError as error:
        check.add("manifest_unreadable", layout.MANIFEST, f"it is not a pack manifest ({error})")
        raise _Unreadable from None
    return dict(manifest)


def _check_manifest_files(
    manifest: dict[str, Any], actual: dict[str, str], folder: Path, check: PackCheck
) -> None:
    listed: set[str] = set()
    for record in manifest["files"]:
        name = str(record.get("path"))
        listed.add(name)
        if name not in actual:
            check.add("file_missing", name, "the manifest lists it but it is not in the pack")
        elif actual[name] != record.get("sha256") or (folder / name).stat().st_size != record.get("size"):
            check.add("file_altered", name, "its SHA-256 or size is not the one the signed manifest gives")
    for name in sorted(set(actual) - listed - layout.NOT_IN_MANIFEST):
        check.add("file_unlisted", name, "it is in the pack but not in the signed manifest")


# -- checkpoint and inclusion proofs -----------------------------------------------------------------


def _check_exhibits(
    folder: Path, key: Ed25519PublicKey, manifest: dict[str, Any], actual: dict[str, str], check: PackCheck
) -> None:
    try:
        checkpoint = _json(folder, layout.CHECKPOINT, check)
        proofs = _json(folder, layout.PROOFS, check)
        extract = _extract(folder, check)
        _check_checkpoint(checkpoint, key, manifest, check)
    except (_Unreadable, KeyError, TypeError, ValueError) as error:
        if not isinstance(error, _Unreadable):
            check.add("checkpoint_unreadable", layout.CHECKPOINT, f"a field is missing or wrong ({error})")
        return
    proved = {str(item.get("exhibit")): item for item in proofs.get("proofs", [])}
    for record in manifest["files"]:
        ref = record.get("exhibit")
        if ref is None:
            continue
        try:
            _check_exhibit(str(ref), record, proved, extract, checkpoint, actual, check)
            if "derived_from_ref" in record:
                _check_original(str(ref), record, proved, extract, checkpoint, check)
        except (KeyError, TypeError, ValueError) as error:
            check.add("proof_unreadable", layout.PROOFS, f"the proof of {ref} cannot be read ({error})")


def _json(folder: Path, name: str, check: PackCheck) -> dict[str, Any]:
    try:
        data = json.loads((folder / name).read_bytes())
    except (OSError, ValueError) as error:
        check.add("file_unreadable", name, f"it cannot be read as JSON ({error})")
        raise _Unreadable from None
    if not isinstance(data, dict):
        check.add("file_unreadable", name, "it is not a JSON object")
        raise _Unreadable
    return data


def _extract(folder: Path, check: PackCheck) -> dict[str, dict[str, Any]]:
    try:
        lines = (folder / layout.LEDGER_EXTRACT).read_text(encoding="utf-8").splitlines()
        items = [json.loads(line) for line in lines if line]
        return {str(item["exhibit"]): item for item in items}
    except (OSError, ValueError, KeyError, TypeError) as error:
        check.add("file_unreadable", layout.LEDGER_EXTRACT, f"it cannot be read ({error})")
        raise _Unreadable from None


def _check_checkpoint(
    checkpoint: dict[str, Any], key: Ed25519PublicKey, manifest: dict[str, Any], check: PackCheck
) -> None:
    message = checkpoint_message(
        str(checkpoint["vault_id"]),
        int(checkpoint["seq"]),
        int(checkpoint["tree_size"]),
        str(checkpoint["root_hash"]),
        str(checkpoint["created_at"]),
    )
    if base64.b64decode(checkpoint["message_base64"]) != message:
        check.add("checkpoint_altered", layout.CHECKPOINT, "its signed message does not match its fields")
    if manifest.get("vault_id") != checkpoint["vault_id"]:
        check.add("checkpoint_altered", layout.CHECKPOINT, "it is for a different vault than the manifest")
    try:
        key.verify(bytes.fromhex(checkpoint["signature"]), message)
    except (InvalidSignature, ValueError):
        check.add(
            "checkpoint_signature_invalid", layout.CHECKPOINT, "its signature is not valid for the pack's key"
        )


def _check_exhibit(
    ref: str,
    record: dict[str, Any],
    proved: dict[str, dict[str, Any]],
    extract: dict[str, dict[str, Any]],
    checkpoint: dict[str, Any],
    actual: dict[str, str],
    check: PackCheck,
) -> None:
    what = f"exhibit {ref}"
    if ref not in proved or ref not in extract:
        check.add("proof_missing", what, "the pack holds no inclusion proof or ledger entry for it")
        return
    entry, row, proof = Entry(**extract[ref]["entry"]), extract[ref]["row"], proved[ref]
    if entry.expected_hash() != entry.entry_hash or entry.entry_hash != proof["entry_hash"]:
        check.add("ledger_entry_altered", what, "its ledger entry no longer matches its hash")
    if payload_hash(row) != entry.payload_sha256 or row.get("ref") != ref:
        check.add("exhibit_record_altered", what, "its record does not match the hash in its ledger entry")
    if actual.get(str(record["path"])) != row.get("blob_id") or record.get("size") != row.get("size"):
        check.add("exhibit_altered", what, "the file is not the one its ledger record describes")
    _check_included(what, entry, proof, checkpoint, check)


def _check_included(
    what: str, entry: Entry, proof: dict[str, Any], checkpoint: dict[str, Any], check: PackCheck
) -> None:
    path = [bytes.fromhex(node) for node in proof["path"]]
    included = verify_inclusion(
        bytes.fromhex(entry.entry_hash),
        entry.seq - 1,
        int(checkpoint["tree_size"]),
        path,
        bytes.fromhex(checkpoint["root_hash"]),
    )
    if not included or int(proof["leaf_index"]) != entry.seq - 1:
        check.add(
            "inclusion_proof_invalid", what, "its ledger entry is not proved to be in the signed checkpoint"
        )


def _check_original(
    ref: str,
    record: dict[str, Any],
    proved: dict[str, dict[str, Any]],
    extract: dict[str, dict[str, Any]],
    checkpoint: dict[str, Any],
    check: PackCheck,
) -> None:
    """A redacted copy's original: proved to be in the ledger, whether or not the pack discloses it."""
    original, sha256 = str(record["derived_from_ref"]), str(record["original_sha256"])
    what = f"exhibit {original} (original of {ref})"
    if original not in proved or original not in extract or ref not in extract:
        check.add("proof_missing", what, "the pack holds no inclusion proof or ledger entry for it")
        return
    copy_row, entry, row = extract[ref]["row"], Entry(**extract[original]["entry"]), extract[original]["row"]
    if entry.expected_hash() != entry.entry_hash or entry.entry_hash != proved[original]["entry_hash"]:
        check.add("ledger_entry_altered", what, "its ledger entry no longer matches its hash")
    named = redaction_source(copy_row.get("capture_method"))
    if copy_row.get("derived_from") != entry.object_id or named != RedactionSource(original, sha256):
        check.add("redaction_link_altered", what, "the copy's ledger record names a different original")
    # The pack discloses the original's record only when it also holds the original itself.
    if not row.get("withheld") and (
        payload_hash(row) != entry.payload_sha256 or row.get("blob_id") != sha256
    ):
        check.add("exhibit_record_altered", what, "its record does not match the hash in its ledger entry")
    _check_included(what, entry, proved[original], checkpoint, check)
