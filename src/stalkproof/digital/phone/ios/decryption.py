"""Reading an encrypted iPhone backup with its password, through the `iphone_backup_decrypt` library.

All cryptography is the library's (`EncryptedBackup`): it unlocks the key bag in Manifest.plist with the
password, decrypts Manifest.db, and decrypts each file in memory with that file's own key. This module only
decides where the decrypted list of files may live and turns the library's errors into one plain sentence.

Nothing is written to the backup folder. SQLite cannot open a database held in memory by name, so the
decrypted Manifest.db sits in a private temporary folder (mode 0700, made by `tempfile`), as does the
library's own working copy; both are removed when the check ends, whether or not it succeeded.
"""

from __future__ import annotations

import contextlib
import io
import plistlib
import re
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iphone_backup_decrypt import EncryptedBackup, IncorrectPassphraseError
from iphone_backup_decrypt.exceptions import UnsafeBackupError

from stalkproof.digital.phone.ios.files import REGULAR_FILE, BackupFile, UnreadableContentError
from stalkproof.errors import InputError

MANIFEST_DB = "Manifest.db"
SCRATCH_PREFIX = "stalkproof-ios-"
WRONG_PASSWORD = "the password did not open this iPhone backup; nothing was changed."
UNSAFE_KEY_BAG = (
    "this iPhone backup's Manifest.plist asks for key settings no iPhone uses, so stalkproof did not try "
    "to decrypt it."
)
DAMAGED = (
    "this encrypted iPhone backup could not be decrypted: its Manifest.plist or Manifest.db is damaged or "
    "incomplete; make the backup again, or check a copy of an earlier one."
)
DECRYPTED_NOTE = (
    "The backup is encrypted. stalkproof decrypted the files it read in memory with the password given; "
    "its list of files was decrypted to a private temporary file, deleted afterwards, and nothing in the "
    "backup folder was changed."
)
_FILE_ID = re.compile(r"[0-9a-f]{40}")
# The library looks a file up by `relativePath = ? AND domain LIKE ?` and takes the first row. LIKE ignores
# case and reads "_" and "%" as wildcards, so another domain could be taken instead: this is the same
# lookup, used to make sure the row it picks is the row we mean.
_LIBRARY_LOOKUP = (
    "SELECT fileID FROM Files WHERE relativePath = ? AND domain LIKE ? AND flags = ? "
    "ORDER BY domain, relativePath LIMIT 1"
)
# What a damaged Manifest.plist or Manifest.db can make the library raise while decrypting.
_DAMAGE = (ValueError, KeyError, IndexError, TypeError, AttributeError, struct.error, OSError)


@dataclass(frozen=True)
class EncryptedContents:
    """An encrypted backup's files, each decrypted in memory by the library when it is read."""

    root: Path
    library: Any  # iphone_backup_decrypt.EncryptedBackup, unlocked

    def stored_path(self, entry: BackupFile) -> Path | None:
        # The library reads only `<fileID[:2]>/<fileID>`; a flattened copy cannot be decrypted by it.
        if _FILE_ID.fullmatch(entry.file_id) is None:
            return None
        stored = self.root / entry.file_id[:2] / entry.file_id
        return stored if stored.is_file() else None

    def read(self, entry: BackupFile, stored: Path) -> bytes:
        try:
            if stored.stat().st_size == 0:
                return b""  # nothing was encrypted, and the library has no key to look for
            if not self._library_would_pick(entry):
                raise UnreadableContentError(entry.describe())
            with _quiet():
                data = self.library.extract_file_as_bytes(entry.relative_path, domain_like=entry.domain)
        except (*_DAMAGE, plistlib.InvalidFileException) as error:
            raise UnreadableContentError(entry.describe()) from error
        if not isinstance(data, bytes):
            raise UnreadableContentError(entry.describe())
        return data

    def _library_would_pick(self, entry: BackupFile) -> bool:
        with self.library.manifest_db_cursor() as cursor:
            cursor.execute(_LIBRARY_LOOKUP, (entry.relative_path, entry.domain, REGULAR_FILE))
            row = cursor.fetchone()
        return row is not None and row[0] == entry.file_id


@contextmanager
def decrypted_backup(root: Path, password: str) -> Iterator[tuple[Path, EncryptedContents]]:
    """A private decrypted copy of Manifest.db and the backup's files; an InputError when it cannot be had."""
    # Bytes, so an empty password is tried (and refused) rather than taken as "no password".
    try:
        library = EncryptedBackup(backup_directory=str(root), passphrase=password.encode("utf-8"))
    except OSError as error:
        raise InputError(DAMAGED, root) from error
    try:
        _unlock(library, root)
        with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX) as private:
            copy = Path(private) / MANIFEST_DB
            try:
                with _quiet():
                    library.save_manifest_file(str(copy))
            except OSError as error:
                raise InputError(DAMAGED, root / MANIFEST_DB) from error
            yield copy, EncryptedContents(root, library)
    finally:
        _release(library)


def _unlock(library: Any, root: Path) -> None:
    try:
        with _quiet():
            library.test_decryption()
    except IncorrectPassphraseError as error:
        raise InputError(WRONG_PASSWORD, root) from error
    except UnsafeBackupError as error:
        raise InputError(UNSAFE_KEY_BAG, root / "Manifest.plist") from error
    except (*_DAMAGE, plistlib.InvalidFileException) as error:
        raise InputError(DAMAGED, root) from error


def _release(library: Any) -> None:
    """Remove the library's own decrypted copy of Manifest.db now, not whenever it is garbage-collected.

    The library cleans up in `__del__`, which an exception's traceback can put off; its `_cleanup` is the
    same step, and clearing the two fields afterwards keeps `__del__` from trying a second time.
    """
    with _quiet():
        library._cleanup()
    library._temp_manifest_db_conn = None
    library._temporary_folder = None


@contextmanager
def _quiet() -> Iterator[None]:
    # The library prints notes (such as a size differing from the one Manifest.db records) to stdout,
    # where the command writes its JSON report.
    with contextlib.redirect_stdout(io.StringIO()):
        yield
