"""Opening an iPhone backup made by Finder or iTunes, read-only, and finding the files inside it.

A backup folder holds `Manifest.db` (an SQLite list of every file: `Files(fileID, domain, relativePath,
flags, file)`), `Info.plist` (device name, model, iOS version, installed apps), `Manifest.plist` (whether
it is encrypted, the apps, the device's lockdown record) and `Status.plist` (whether it finished). Each
backed-up file is stored under its SHA-1 `fileID`, at `<fileID[:2]>/<fileID>`.

An encrypted backup is read with its password (`decryption.py`): Manifest.db is decrypted to a private
temporary file, and each file the checks read is decrypted in memory. `FileContents` (`files.py`) hides
the difference from everything that reads files.

Nothing here writes to the backup: SQLite opens it as immutable, and where SQLite would need to write
(a write-ahead log beside the database) it works on a private copy instead. Every file read is hashed
first (as stored in the folder, so encrypted where the backup is), so the report can name exactly what it
looked at.
"""

from __future__ import annotations

import plistlib
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from xml.parsers.expat import ExpatError

from stalkproof.digital.findings import InputFile
from stalkproof.digital.phone.ios.decryption import DECRYPTED_NOTE, SCRATCH_PREFIX, decrypted_backup
from stalkproof.digital.phone.ios.files import (
    REGULAR_FILE,
    BackupFile,
    FileContents,
    PlainContents,
    UnreadableContentError,
)
from stalkproof.errors import InputError

__all__ = ["BackupFile", "DeviceDetails", "IosBackup", "is_ios_backup", "iso", "open_backup"]

MANIFEST_DB = "Manifest.db"
MARKERS = ("Manifest.db", "Manifest.plist", "Manifest.mbdb")
PLISTS = ("Info.plist", "Manifest.plist", "Status.plist")
SQLITE_HEADER = b"SQLite format 3\x00"
# Bytes 18 and 19 of an SQLite file: 2 means write-ahead-log mode, 1 the older rollback journal.
_WAL_VERSION_BYTES = slice(18, 20)

ENCRYPTED_NO_PASSWORD = (
    "this iPhone backup is encrypted; give its backup password with --password "
    "(stalkproof only reads it, and never changes the backup or the phone)."
)


@dataclass(frozen=True)
class DeviceDetails:
    device_name: str | None
    model: str | None
    ios_version: str | None
    build: str | None
    backup_date: datetime | None
    encrypted: bool
    finished: bool | None

    def to_json(self) -> dict[str, Any]:
        return {
            "device_name": self.device_name,
            "model": self.model,
            "ios_version": self.ios_version,
            "build": self.build,
            "backup_date": iso(self.backup_date),
            "encrypted": self.encrypted,
            "finished": self.finished,
        }


@dataclass
class IosBackup:
    """An open backup. Use `open_backup`; it closes the database and removes any private copy."""

    root: Path
    connection: sqlite3.Connection
    info: dict[str, Any]
    manifest: dict[str, Any]
    status: dict[str, Any]
    inputs: list[InputFile]
    contents: FileContents
    decrypted_copy: bool = False
    # Set when stalkproof itself decrypted the backup with the password given: what the report says.
    decryption_note: str | None = None
    missing: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    _hashed: set[Path] = field(default_factory=set)

    def device(self) -> DeviceDetails:
        lockdown = self.manifest.get("Lockdown")
        lockdown = lockdown if isinstance(lockdown, dict) else {}

        def text(info_key: str, lockdown_key: str) -> str | None:
            value = self.info.get(info_key) or lockdown.get(lockdown_key)
            return str(value) if value else None

        date = self.info.get("Last Backup Date") or self.status.get("Date") or self.manifest.get("Date")
        state = self.status.get("SnapshotState")
        return DeviceDetails(
            device_name=text("Device Name", "DeviceName"),
            model=text("Product Type", "ProductType"),
            ios_version=text("Product Version", "ProductVersion"),
            build=text("Build Version", "BuildVersion"),
            backup_date=date if isinstance(date, datetime) else None,
            encrypted=bool(self.manifest.get("IsEncrypted")),
            finished=None if state is None else state == "finished",
        )

    def entries(
        self,
        domain: str | None = None,
        *,
        domain_prefix: str | None = None,
        path: str | None = None,
        path_prefix: str | None = None,
        files_only: bool = False,
    ) -> list[BackupFile]:
        """Rows matching every condition given. Prefixes compare exactly (SQL LIKE would ignore case)."""
        conditions: list[str] = []
        values: list[Any] = []
        if domain is not None:
            conditions.append("domain = ?")
            values.append(domain)
        if domain_prefix is not None:
            conditions.append("substr(domain, 1, ?) = ?")
            values += [len(domain_prefix), domain_prefix]
        if path is not None:
            conditions.append("relativePath = ?")
            values.append(path)
        if path_prefix is not None:
            conditions.append("substr(relativePath, 1, ?) = ?")
            values += [len(path_prefix), path_prefix]
        if files_only:
            conditions.append("flags = ?")
            values.append(REGULAR_FILE)
        where = " AND ".join(conditions) or "1"
        query = f"SELECT fileID, domain, relativePath, flags FROM Files WHERE {where} ORDER BY 2, 3"
        rows = self.connection.execute(query, values).fetchall()
        return [BackupFile(str(a), str(b), str(c or ""), int(d or 0)) for a, b, c, d in rows]

    def find(self, domain: str, relative_path: str) -> BackupFile | None:
        found = self.entries(domain, path=relative_path)
        return found[0] if found else None

    def domains(self, prefix: str) -> list[str]:
        rows = self.connection.execute(
            "SELECT DISTINCT domain FROM Files WHERE substr(domain, 1, ?) = ? ORDER BY domain",
            (len(prefix), prefix),
        ).fetchall()
        return [str(row[0]) for row in rows]

    def stored_path(self, entry: BackupFile) -> Path | None:
        """Where the file's content is in the folder, or None when the backup does not hold it."""
        return self.contents.stored_path(entry)

    def read(self, entry: BackupFile) -> bytes | None:
        """The file's content (its stored form hashed into `inputs`), or None when it cannot be had."""
        stored = self.stored_path(entry)
        if stored is None:
            self.missing.append(entry.describe())
            return None
        try:
            self._note_input(stored)
            return self.contents.read(entry, stored)
        except (OSError, UnreadableContentError):
            self.unreadable.append(entry.describe())
            return None

    def file_times(self, entry: BackupFile) -> tuple[datetime | None, datetime | None]:
        """When the file was created and last changed on the phone, from its Manifest.db record."""
        row = self.connection.execute("SELECT file FROM Files WHERE fileID = ?", (entry.file_id,)).fetchone()
        record = _archived_record(row[0] if row else None)
        return _epoch(record.get("Birth")), _epoch(record.get("LastModified"))

    @contextmanager
    def sqlite(self, entry: BackupFile) -> Iterator[sqlite3.Connection | None]:
        """A backed-up SQLite database, opened in memory, or on a private copy when a log must be merged."""
        database = self.read(entry)
        if database is None:
            yield None
            return
        # A log that cannot be read is noted as unreadable, and what the database itself holds is read.
        log = self._write_ahead_log(entry)
        # SQLite reads a write-ahead log only from a file beside the database, so only then is one written.
        with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX) if log else nullcontext(None) as scratch:
            try:
                connection = _database(entry.name, database, log, None if scratch is None else Path(scratch))
            except sqlite3.DatabaseError:
                self.unreadable.append(entry.describe())
                yield None
                return
            with closing(connection):
                yield connection

    def _write_ahead_log(self, entry: BackupFile) -> bytes | None:
        """The database's unsaved changes (`<name>-wal`) when the backup holds them; a missing one is fine."""
        found = self.find(entry.domain, entry.relative_path + "-wal")
        if found is None or self.stored_path(found) is None:
            return None
        return self.read(found)

    def _note_input(self, stored: Path) -> None:
        if stored not in self._hashed:
            self._hashed.add(stored)
            self.inputs.append(InputFile.of(stored))


def is_ios_backup(path: Path) -> bool:
    """Whether `path` is a Finder/iTunes backup folder, one of its top files, or a folder holding backups."""
    try:
        _backup_folder(path)
    except (InputError, OSError):
        return False
    return True


@contextmanager
def open_backup(path: Path, password: str | None = None) -> Iterator[IosBackup]:
    """The backup at `path`, or an InputError that says in one sentence what is wrong with it."""
    root = _backup_folder(path)
    database = root / MANIFEST_DB
    inputs = [InputFile.of(root / name) for name in PLISTS if (root / name).is_file()]
    info, manifest, status = (_plist(root / name) for name in PLISTS)
    if not database.is_file():
        raise InputError(_no_manifest_db(root), root)
    inputs.append(InputFile.of(database))
    plain_database = _starts_with_sqlite(database)
    backup = partial(IosBackup, root=root, info=info, manifest=manifest, status=status, inputs=inputs)
    if manifest.get("IsEncrypted") and not plain_database:
        if password is None:
            raise InputError(ENCRYPTED_NO_PASSWORD, root)
        with (
            decrypted_backup(root, password) as (private_copy, contents),
            _private_manifest_connection(private_copy, shown=database) as connection,
        ):
            yield backup(connection=connection, contents=contents, decryption_note=DECRYPTED_NOTE)
        return
    if not plain_database:
        raise InputError(
            "Manifest.db is not a database: the backup is damaged or incomplete, or it is encrypted and its "
            "Manifest.plist is missing.",
            database,
        )
    with _manifest_connection(database) as connection:
        yield backup(
            connection=connection,
            contents=PlainContents(root),
            # A copy decrypted by another tool keeps the original Manifest.plist, which still says encrypted.
            decrypted_copy=bool(manifest.get("IsEncrypted")),
        )


def iso(moment: datetime | None) -> str | None:
    """Plist dates are UTC without a zone: written out with one."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _backup_folder(path: Path) -> Path:
    path = path.expanduser()
    if not path.exists():
        raise InputError("this file or folder does not exist.", path)
    if path.is_file():
        if path.name in (*MARKERS, *PLISTS) and _has_marker(path.parent):
            return path.parent
        raise InputError(
            "this is a single file, not an iPhone backup; give the backup's folder (it holds Manifest.db).",
            path,
        )
    if _has_marker(path):
        return path
    # A folder of backups (Finder's MobileSync/Backup) holds nothing but backups; any other folder is not one.
    folders = [child for child in sorted(path.iterdir()) if child.is_dir() and not child.name.startswith(".")]
    inner = [child for child in folders if _has_marker(child)]
    if len(inner) == 1 and len(folders) == 1:
        return inner[0]
    if inner and len(inner) == len(folders):
        names = ", ".join(child.name for child in inner[:5])
        raise InputError(f"this folder holds {len(inner)} iPhone backups; give one of them ({names}).", path)
    raise InputError(
        "this folder is not an iPhone backup: it has no Manifest.db, the list of files that every Finder or "
        "iTunes backup has.",
        path,
    )


def _has_marker(folder: Path) -> bool:
    return any((folder / name).is_file() for name in MARKERS)


def _no_manifest_db(root: Path) -> str:
    if (root / "Manifest.mbdb").is_file():
        return "this backup is from iOS 9 or older (it has Manifest.mbdb), which stalkproof cannot read yet."
    return (
        "this iPhone backup has no Manifest.db, so it is incomplete: make the backup again and let it finish."
    )


def _plist(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = plistlib.loads(path.read_bytes())
    except (plistlib.InvalidFileException, ExpatError, ValueError, OSError, OverflowError) as error:
        raise InputError(f"{path.name} in this backup cannot be read: it is damaged.", path) from error
    if not isinstance(data, dict):
        raise InputError(f"{path.name} in this backup does not hold what a backup's {path.name} holds.", path)
    return data


def _starts_with_sqlite(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(len(SQLITE_HEADER)) == SQLITE_HEADER


@contextmanager
def _manifest_connection(database: Path) -> Iterator[sqlite3.Connection]:
    wal = database.with_name(database.name + "-wal")
    try:
        if wal.is_file() and wal.stat().st_size > 0:
            # Unsaved changes sit in the log; reading them would need SQLite to write beside the input.
            with tempfile.TemporaryDirectory(prefix="stalkproof-ios-") as scratch:
                copy = Path(scratch) / database.name
                shutil.copyfile(database, copy)
                shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
                with closing(_checked_manifest(copy, immutable=False, shown=database)) as connection:
                    yield connection
        else:
            with closing(_checked_manifest(database, immutable=True, shown=database)) as connection:
                yield connection
    except sqlite3.DatabaseError as error:
        raise InputError(_corrupt(error), database) from error


@contextmanager
def _private_manifest_connection(private_copy: Path, *, shown: Path) -> Iterator[sqlite3.Connection]:
    """The decrypted Manifest.db: only stalkproof can see the copy, and nothing may change it."""
    try:
        with closing(_checked_manifest(private_copy, immutable=True, shown=shown)) as connection:
            yield connection
    except sqlite3.DatabaseError as error:
        raise InputError(_corrupt(error), shown) from error


def _checked_manifest(path: Path, *, immutable: bool, shown: Path) -> sqlite3.Connection:
    connection = _connect(path, immutable=immutable)
    try:
        connection.execute("SELECT fileID, domain, relativePath, flags, file FROM Files LIMIT 1").fetchall()
    except sqlite3.DatabaseError as error:
        connection.close()
        raise InputError(_corrupt(error), shown) from error
    return connection


def _database(name: str, content: bytes, log: bytes | None, scratch: Path | None) -> sqlite3.Connection:
    """A connection to a database given as bytes; with a log, both are written to `scratch` first."""
    if not log or scratch is None:
        connection = sqlite3.connect(":memory:")
        try:
            # An in-memory database cannot be in log mode; with no log to merge, the flag can simply go.
            connection.deserialize(_without_log_mode(content))
            connection.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return connection
    path = scratch / name
    path.write_bytes(content)
    path.with_name(name + "-wal").write_bytes(log)
    connection = _connect(path, immutable=False)
    try:
        connection.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.DatabaseError:
        connection.close()
        raise
    return connection


def _without_log_mode(content: bytes) -> bytes:
    if content.startswith(SQLITE_HEADER) and content[_WAL_VERSION_BYTES] == b"\x02\x02":
        return content[:18] + b"\x01\x01" + content[20:]
    return content


def _connect(path: Path, *, immutable: bool) -> sqlite3.Connection:
    uri = path.resolve().as_uri() + "?mode=ro" + ("&immutable=1" if immutable else "")
    return sqlite3.connect(uri, uri=True)


def _corrupt(error: sqlite3.DatabaseError) -> str:
    if "no such table" in str(error) or "no such column" in str(error):
        return "Manifest.db is a database, but not an iPhone backup's list of files (it has no Files table)."
    return (
        "Manifest.db is damaged and cannot be read; make the backup again, or check a copy of an earlier one."
    )


def _archived_record(blob: Any) -> dict[str, Any]:
    """The MBFile record (a keyed archive) Manifest.db keeps for each file; empty when unreadable."""
    if not isinstance(blob, bytes):
        return {}
    try:
        archive = plistlib.loads(blob)
        objects = archive["$objects"]
        record = objects[archive["$top"]["root"].data]
    except (plistlib.InvalidFileException, ValueError, KeyError, IndexError, TypeError, AttributeError):
        return {}
    return record if isinstance(record, dict) else {}


def _epoch(value: Any) -> datetime | None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
