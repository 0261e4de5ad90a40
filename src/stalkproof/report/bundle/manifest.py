"""The signed manifest, the public key that checks it, and the GNU checksum list over everything.

The manifest puts each file on one line of its own, in a fixed key order, so a person can check the
signed fingerprints with `sed` and `sha256sum` alone (see VERIFY.txt, step 3).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from stalkproof.report.bundle.layout import (
    MANIFEST,
    NOT_IN_MANIFEST,
    SIGNATURE,
    SUMS,
    file_sha256,
    pack_files,
)


def public_key_pem(public_key_hex: str) -> bytes:
    key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def file_records(
    folder: Path, refs_by_path: Mapping[str, str], extra: Mapping[str, Mapping[str, str]] | None = None
) -> list[dict[str, Any]]:
    """`extra`: more fields for some files, by path (a redacted copy's link to its original)."""
    records = []
    for name in pack_files(folder):
        if name in NOT_IN_MANIFEST:
            continue
        path = folder / name
        record: dict[str, Any] = {"path": name, "sha256": file_sha256(path), "size": path.stat().st_size}
        if name in refs_by_path:
            record["exhibit"] = refs_by_path[name]
        record.update((extra or {}).get(name, {}))
        records.append(record)
    return records


def manifest_bytes(header: Mapping[str, Any], files: list[dict[str, Any]]) -> bytes:
    """Valid JSON, laid out by hand: the header keys one per line, then one line per file."""
    lines = [
        f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}," for key, value in header.items()
    ]
    items = [f"    {json.dumps(record, ensure_ascii=False)}" for record in files]
    body = ",\n".join(items)
    return ("{\n" + "\n".join(lines) + '\n  "files": [\n' + body + "\n  ]\n}\n").encode()


def write_signed_manifest(
    folder: Path,
    header: Mapping[str, Any],
    refs_by_path: Mapping[str, str],
    signer: Ed25519PrivateKey,
    extra: Mapping[str, Mapping[str, str]] | None = None,
) -> bytes:
    """Write manifest.json and its raw 64-byte Ed25519 signature; return the manifest's bytes."""
    content = manifest_bytes(header, file_records(folder, refs_by_path, extra))
    (folder / MANIFEST).write_bytes(content)
    (folder / SIGNATURE).write_bytes(signer.sign(content))
    return content


def write_sums(folder: Path) -> None:
    """GNU format ("<hex>  <path>"); layout.exhibit_path keeps names free of what would need escaping."""
    lines = [f"{file_sha256(folder / name)}  {name}\n" for name in pack_files(folder) if name != SUMS]
    (folder / SUMS).write_text("".join(lines), encoding="utf-8")
