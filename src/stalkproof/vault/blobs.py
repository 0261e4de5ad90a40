"""Content-addressed, age-encrypted storage of original files.

A blob is keyed by the SHA-256 of its original bytes and encrypted with age to the vault's X25519
recipient, so `age -d -i <exported key>` recovers it without stalkproof. On disk its name is an HMAC of
that hash: someone holding the laptop cannot test whether a known photo is in the vault.

A new blob is encrypted into `staging/` first and moved into `blobs/` only after the database row that
records it has been committed, so a crash can leave at worst a staged file, which the next open settles.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import pyrage

from stalkproof.vault.files import fsync_directory

STAGING = "staging"
STORE = "blobs"
SUFFIX = ".age"
PARTIAL = ".partial"


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class StagedBlob:
    sha256: str
    size: int
    storage_name: str
    path: Path


class _HashingReader:
    """Feeds age from the source while hashing the same bytes, in one pass and constant memory."""

    def __init__(self, source: Readable) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk

    def readinto(self, buffer: bytearray | memoryview) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


class _HashingSink:
    """Takes age's decrypted output and keeps only its hash and length."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> int:
        self.digest.update(chunk)
        self.size += len(chunk)
        return len(chunk)

    def flush(self) -> None:
        return None


class BlobStore:
    def __init__(self, folder: Path, recipient: str, identity: str, name_key: bytes) -> None:
        self.folder = folder
        self.staging = folder / STAGING
        self.store = folder / STORE
        self._recipient = pyrage.x25519.Recipient.from_str(recipient)
        self._identity = pyrage.x25519.Identity.from_str(identity)
        self._name_key = name_key

    def create_folders(self) -> None:
        for folder in (self.staging, self.store):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)

    def storage_name(self, sha256: str) -> str:
        return hmac.new(self._name_key, sha256.encode(), hashlib.sha256).hexdigest()

    def path_for(self, storage_name: str) -> Path:
        return self.store / storage_name[:2] / f"{storage_name}{SUFFIX}"

    def stage(self, source: Readable) -> StagedBlob:
        """Encrypt `source` into staging, hashing as it streams. Nothing is visible in the store yet."""
        partial = self.staging / f"{secrets.token_hex(16)}{PARTIAL}"
        reader = _HashingReader(source)
        try:
            with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                pyrage.encrypt_io(reader, out, [self._recipient])
                out.flush()
                os.fsync(out.fileno())
            sha256 = reader.digest.hexdigest()
            name = self.storage_name(sha256)
            staged = self.staging / f"{name}{SUFFIX}"
            os.replace(partial, staged)
            fsync_directory(self.staging)  # the staged name must survive power loss once its row commits
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return StagedBlob(sha256, reader.size, name, staged)

    def stage_file(self, path: Path) -> StagedBlob:
        with path.open("rb") as handle:
            return self.stage(handle)

    def publish(self, staged: StagedBlob) -> None:
        """Move a staged blob into the store: call only once its row is committed."""
        target = self.path_for(staged.storage_name)
        if target.exists():
            staged.path.unlink(missing_ok=True)
            return
        if not target.parent.is_dir():
            target.parent.mkdir(mode=0o700)
            fsync_directory(self.store)
        os.replace(staged.path, target)
        fsync_directory(target.parent)

    def discard(self, staged: StagedBlob) -> None:
        staged.path.unlink(missing_ok=True)

    def recover(self, is_recorded: Callable[[str], bool]) -> int:
        """Settle what a crash left in staging: publish committed blobs, remove the rest. Returns count."""
        settled = 0
        for path in self.staging.iterdir() if self.staging.is_dir() else []:
            name = path.name.removesuffix(SUFFIX)
            if path.suffix == SUFFIX and is_recorded(name):
                self.publish(StagedBlob("", 0, name, path))
            else:
                path.unlink()
            settled += 1
        return settled

    def stored_names(self) -> set[str]:
        return {path.name.removesuffix(SUFFIX) for path in self.store.glob(f"*/*{SUFFIX}")}

    def measure(self, storage_name: str) -> tuple[str, int]:
        """Decrypt a stored blob without keeping it, and return the SHA-256 and size of its plaintext."""
        sink = _HashingSink()
        with self.path_for(storage_name).open("rb") as handle:
            pyrage.decrypt_io(handle, sink, [self._identity])
        return sink.digest.hexdigest(), sink.size

    def copy_out(self, storage_name: str, target: BinaryIO) -> None:
        with self.path_for(storage_name).open("rb") as handle:
            pyrage.decrypt_io(handle, target, [self._identity])
