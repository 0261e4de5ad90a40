"""The names of the files in a pack, and the canonical forms both the builder and the checker rely on."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

FORMAT = "stalkproof-pack/1"
EXHIBITS = "exhibits"
CHRONOLOGY_CSV = "chronology.csv"
CHRONOLOGY_JSON = "chronology.json"
LEDGER_EXTRACT = "ledger/entries.jsonl"
CHECKPOINT = "checkpoint.json"
PROOFS = "proofs.json"
PUBLIC_KEY = "vault-public-key.pem"
PDF = "evidence-pack.pdf"
VERIFY = "VERIFY.txt"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SUMS = "SHA256SUMS"
TIMESTAMPS = "timestamps"
TIMESTAMP_INDEX = f"{TIMESTAMPS}/index.json"

# Files the manifest cannot list: itself, its signature, and the checksum list made after both.
NOT_IN_MANIFEST = frozenset({MANIFEST, SIGNATURE, SUMS})

# Anything outside these becomes "_": a name must survive sha256sum's line format (no backslash or
# newline), the manifest's one-line entries (no quote) and every file system the pack may be copied to.
_UNSAFE = re.compile(r"[^\w.\- ()+,]")


def exhibit_path(ref: str, original_name: str | None) -> str:
    name = f"{ref}-{original_name}" if original_name else ref
    cleaned = _UNSAFE.sub("_", name).strip(" .") or "exhibit"
    return f"{EXHIBITS}/{cleaned}"


def timestamp_path(seq: int, copy: int, suffix: str) -> str:
    """`timestamps/checkpoint-<seq>.<suffix>`; a second receipt for the same checkpoint gets `-2`."""
    base = f"checkpoint-{seq}" if copy == 1 else f"checkpoint-{seq}-{copy}"
    return f"{TIMESTAMPS}/{base}.{suffix}"


def tsa_certificate_path(name: str) -> str:
    cleaned = _UNSAFE.sub("_", name).replace(" ", "_").strip(" .") or "authority"
    return f"{TIMESTAMPS}/tsa-{cleaned}.pem"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pack_files(folder: Path) -> Iterator[str]:
    """Every file under `folder`, as a relative path with forward slashes, in a stable order."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() or path.is_symlink():
            yield path.relative_to(folder).as_posix()
