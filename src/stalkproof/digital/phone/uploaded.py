"""A phone acquisition that arrives as one file, as an upload does. An iPhone backup is a folder, so it is
sent zipped; a zip holding one is unpacked into a private folder the caller gives, and the folder inside
that holds Manifest.db is checked. Everything else goes to `check_device` unchanged.

Unpacking refuses member names that would land outside the folder (absolute, `..`, drive letters) and
stops before writing more than MAX_UNPACKED_BYTES, whatever the zip claims about itself.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path, PurePosixPath

from stalkproof.digital.findings import CheckReport
from stalkproof.digital.indicators.model import IndicatorSet
from stalkproof.digital.phone.check import check_device
from stalkproof.errors import InputError

MAX_UNPACKED_BYTES = 16 * 1024**3
MANIFEST = "manifest.db"
_CHUNK = 1 << 20


def check_device_file(
    path: Path, indicators: IndicatorSet, workspace: Path, *, password: str | None = None
) -> CheckReport:
    """`check_device` for one file; a zipped iPhone backup is unpacked into `workspace` (an empty private
    folder the caller removes afterwards) first."""
    backup = unzip_ios_backup(path, workspace)
    return check_device(backup or path, indicators, password=password)


def unzip_ios_backup(path: Path, workspace: Path) -> Path | None:
    """The backup folder unpacked from `path`, or None when `path` is not a zip holding an iPhone backup."""
    if not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        manifests = [info for info in members if PurePosixPath(info.filename).name.lower() == MANIFEST]
        if not manifests:
            return None
        _refuse_unsafe(members)
        try:
            for info in members:
                _extract(archive, info, workspace)
        except (OSError, zipfile.BadZipFile) as error:
            raise InputError(
                f"This zip could not be unpacked ({error}). Zip the iPhone backup folder again and upload "
                "that."
            ) from error
    shallowest = min(manifests, key=lambda info: len(PurePosixPath(info.filename).parts))
    return workspace.joinpath(*PurePosixPath(shallowest.filename).parts[:-1])


def _refuse_unsafe(members: list[zipfile.ZipInfo]) -> None:
    total = 0
    for info in members:
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
            raise InputError(
                "This zip holds a file whose name would put it outside the backup folder, so it was not "
                "opened. Zip the iPhone backup folder again and upload that."
            )
        total += info.file_size
    if total > MAX_UNPACKED_BYTES:
        raise InputError(
            "This zip would unpack to more than "
            f"{MAX_UNPACKED_BYTES // 1024**3} GB, which is too big to check here. Use the command line "
            "(stalkproof device check) on the unzipped backup folder."
        )


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, workspace: Path) -> None:
    target = workspace.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written by hand rather than with ZipFile.extract, so a link or device entry is only ever a plain
    # file, and the size read stops at the size declared (zipfile's reader enforces that).
    with archive.open(info) as source, target.open("xb") as sink:
        shutil.copyfileobj(source, sink, _CHUNK)
