"""Backed-up files: a row of Manifest.db, and where the bytes of the file it names come from.

A plain backup keeps each file as it was on the phone; an encrypted one keeps it encrypted with its own key
(see `decryption.py`). The backup reader asks a `FileContents` for a file by its row (domain, relative
path and fileID) and gets the bytes, whichever kind of backup it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# Flags in Manifest.db's Files table.
REGULAR_FILE = 1
DIRECTORY = 2


@dataclass(frozen=True)
class BackupFile:
    """One row of Manifest.db: a file, folder or link that was on the phone, by domain and path."""

    file_id: str
    domain: str
    relative_path: str
    flags: int

    @property
    def is_file(self) -> bool:
        return self.flags == REGULAR_FILE

    @property
    def name(self) -> str:
        return self.relative_path.rsplit("/", 1)[-1]

    def describe(self) -> str:
        return f"{self.domain}/{self.relative_path}" if self.relative_path else self.domain


class UnreadableContentError(Exception):
    """The file is in the backup folder, but its content could not be read (or decrypted)."""


class FileContents(Protocol):
    """Where the content of a backed-up file is stored, and its bytes as they were on the phone."""

    def stored_path(self, entry: BackupFile) -> Path | None:
        """The file in the backup folder holding `entry`'s content, or None when the folder lacks it."""
        ...

    def read(self, entry: BackupFile, stored: Path) -> bytes:
        """The content as it was on the phone; UnreadableContentError when it cannot be had."""
        ...


@dataclass(frozen=True)
class PlainContents:
    """An unencrypted backup: the stored file is the file."""

    root: Path

    def stored_path(self, entry: BackupFile) -> Path | None:
        # Finder nests files under the first two hex digits; some copies flatten the folder.
        for candidate in (self.root / entry.file_id[:2] / entry.file_id, self.root / entry.file_id):
            if candidate.is_file():
                return candidate
        return None

    def read(self, entry: BackupFile, stored: Path) -> bytes:
        try:
            return stored.read_bytes()
        except OSError as error:
            raise UnreadableContentError(entry.describe()) from error
