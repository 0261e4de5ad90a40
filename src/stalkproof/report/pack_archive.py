"""A pack as one zip file, and back: zipped for saving or sending, unzipped only under strict rules so that
a zip someone hands over can be checked without it writing outside its folder or filling the disk.

The unzip refuses, before anything is written, names that climb out of the folder or are absolute, links,
special files, passwords, and more members or bytes than a pack would hold. It then counts the bytes it
really writes, because the sizes a zip declares can lie.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from stalkproof.errors import InputError
from stalkproof.report.bundle import layout

_CHUNK = 1024 * 1024
# Where a file's Unix mode sits in a zip entry's external attributes.
_MODE_SHIFT = 16
_DRIVE = 2  # "C:" at the start of a name is a Windows absolute path


@dataclass(frozen=True)
class UnzipLimits:
    """A pack holds its exhibits, a few dozen files more, and the PDF: generous, but bounded."""

    max_members: int = 20_000
    max_total: int = 8 * 1024**3
    max_ratio: int = 200  # uncompressed / compressed, checked for members larger than ratio_from
    ratio_from: int = 16 * 1024**2


def zip_pack(folder: Path, target: Path) -> Path:
    """Write the pack in `folder` to the zip `target`, every file under one top folder named like the pack
    (relative names with forward slashes only, so unzipping it anywhere gives back the same folder)."""
    top = PurePosixPath(folder.name)
    with zipfile.ZipFile(target, "x", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in layout.pack_files(folder):
            path = folder / name
            if path.is_symlink():
                continue  # a pack never holds links; a file put there by hand is not carried along
            archive.write(path, str(top / name))
    return target


def unzip_pack(archive_path: Path, into: Path, limits: UnzipLimits | None = None) -> Path:
    """Unzip `archive_path` into the empty private folder `into` and return the pack's folder: `into` itself
    or the one folder the zip put everything in. Raises InputError with one plain sentence if the zip is
    refused."""
    limits = limits or UnzipLimits()
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError):
        raise InputError("This file is not a zip file, so it cannot be a zipped evidence pack.") from None
    with archive:
        members = archive.infolist()
        _check_members(members, limits)
        budget = limits.max_total
        try:
            for info in members:
                budget = _extract(archive, info, into, budget)
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise InputError("This zip is damaged or incomplete. Make or download it again.") from None
    return _pack_root(into)


def _check_members(members: list[zipfile.ZipInfo], limits: UnzipLimits) -> None:
    if len(members) > limits.max_members:
        raise InputError(
            f"This zip holds more than {limits.max_members:,} files, far more than an evidence pack, "
            "so it was not opened."
        )
    if sum(info.file_size for info in members) > limits.max_total:
        raise InputError(
            f"This zip would unpack to more than {limits.max_total / 1024**3:.0f} GB, far more than an "
            "evidence pack, so it was not opened."
        )
    seen: set[str] = set()
    for info in members:
        _check_member(info, limits)
        key = info.filename.rstrip("/").casefold()
        if key in seen:
            raise InputError("This zip holds two files with the same name, so it was not opened.")
        seen.add(key)


def _check_member(info: zipfile.ZipInfo, limits: UnzipLimits) -> None:
    if not _safe_name(info.filename):
        raise InputError("This zip holds a file whose name points outside its folder, so it was not opened.")
    mode = info.external_attr >> _MODE_SHIFT
    if stat.S_ISLNK(mode):
        raise InputError(
            "This zip holds a link to another file, which a pack never does, so it was not opened."
        )
    # Zips made on Windows often carry no file type at all: only a type that is set can be refused.
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise InputError("This zip holds something that is not an ordinary file, so it was not opened.")
    if info.flag_bits & 0x1:
        raise InputError("This zip is protected with a password. Zip the pack again without one.")
    if info.file_size > limits.ratio_from and info.file_size > limits.max_ratio * max(info.compress_size, 1):
        raise InputError(
            "This zip looks like a 'zip bomb' (a small file that unpacks to a huge one), "
            "so it was not opened."
        )


def _safe_name(name: str) -> bool:
    """Relative, forward slashes only, no empty, '.' or '..' parts, nothing a file system treats oddly."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return False
    if len(name) >= _DRIVE and name[1] == ":":
        return False
    parts = name.rstrip("/").split("/")
    return all(part not in ("", ".", "..") for part in parts)


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, into: Path, budget: int) -> int:
    """Write one member; return what is left of the byte budget."""
    target = into.joinpath(*info.filename.rstrip("/").split("/"))
    if not target.resolve().is_relative_to(into.resolve()):
        raise InputError("This zip holds a file whose name points outside its folder, so it was not opened.")
    if info.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        return budget
    target.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    allowed = min(budget, info.file_size)
    written = 0
    with os.fdopen(os.open(target, flags, 0o600), "wb") as sink, archive.open(info) as stream:
        while block := stream.read(_CHUNK):
            written += len(block)
            if written > allowed:
                raise InputError("This zip unpacks to more than it says it holds, so it was not opened.")
            sink.write(block)
    return budget - written


def _pack_root(into: Path) -> Path:
    """Packs zipped by stalkproof have one top folder; packs zipped by hand may have none."""
    if (into / layout.SUMS).exists() or (into / layout.MANIFEST).exists():
        return into
    entries = list(into.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return into
