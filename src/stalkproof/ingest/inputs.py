"""What the user pointed `import` at, opened once: a file, a folder, or a zip (a zip inside it too).

Members are streamed, never extracted: a name inside an archive is only a label and never becomes a
path on disk, so an archive cannot write anywhere. Zip bombs are refused before anything is read.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from stalkproof.errors import InputError

HEAD_BYTES = 64 * 1024
MAX_MEMBERS = 200_000
MAX_DECLARED_TOTAL = 64 * 1024**3
MAX_RATIO = 200
RATIO_CHECK_FROM = 64 * 1024**2
MAX_NESTING = 2
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
NESTED = "!/"
_CHUNK = 1024 * 1024


@dataclass
class Member:
    """One file inside the input. `path` is set only for a file that is really on disk (a plain file, a
    folder member, or a staged copy of a nested archive): some formats (SQLite) can only be opened so."""

    name: str
    size: int
    opener: Callable[[], IO[bytes]]
    path: Path | None = None

    def open(self) -> IO[bytes]:
        return self.opener()

    def head(self, size: int = HEAD_BYTES) -> bytes:
        with self.open() as stream:
            return stream.read(size)

    @property
    def basename(self) -> str:
        return self.name.rsplit("/", 1)[-1].rsplit(NESTED, 1)[-1]


@dataclass
class Input:
    """An opened input. Close it (or use it as a context manager) to release archives and staged copies."""

    path: Path
    kind: str  # "file" | "folder" | "zip"
    members: list[Member]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why): symlinks, special files
    _stack: ExitStack = field(default_factory=ExitStack)
    _by_name: dict[str, Member] | None = None
    scratch: Path | None = None  # a private folder (the vault's staging/) for copies that must be files
    _copies: dict[str, tuple[Path, tuple[str, ...]]] = field(default_factory=dict)

    def __enter__(self) -> Input:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    @property
    def name(self) -> str:
        return self.path.name

    def member(self, name: str) -> Member | None:
        if self._by_name is None or len(self._by_name) != len(self.members):
            self._by_name = {member.name: member for member in self.members}
        return self._by_name.get(name)

    def find(self, predicate: Callable[[Member], bool]) -> Iterator[Member]:
        return (member for member in self.members if predicate(member))

    def local_path(
        self, member: Member, companions: tuple[str, ...] = ()
    ) -> tuple[Path, tuple[str, ...]] | None:
        """A real file holding the member (a SQLite database can only be opened from one), with the
        companion files named by suffix beside it (e.g. "-wal"). The member's own path when it has one;
        otherwise a private copy in `scratch`, made once and deleted when the input is closed. Returns
        the path and the companions copied, or None when there is nowhere private to copy to."""
        if member.path is not None:
            return member.path, ()
        if member.name in self._copies:
            return self._copies[member.name]
        if self.scratch is None:
            return None
        base = self.scratch / f"{os.urandom(8).hex()}.partial"
        # Whatever SQLite adds beside the copy (-wal, -shm, -journal) goes with it.
        for suffix in ("", "-wal", "-shm", "-journal"):
            self._stack.callback(Path(f"{base}{suffix}").unlink, missing_ok=True)
        _copy_private(member, base)
        copied = []
        for suffix in companions:
            companion = self.member(member.name + suffix)
            if companion is not None:
                _copy_private(companion, Path(f"{base}{suffix}"))
                copied.append(suffix)
        self._copies[member.name] = (base, tuple(copied))
        return self._copies[member.name]

    def where(self, member: Member) -> str:
        """How to name a member to the user: the input's name, then the member inside it."""
        if self.kind == "file":
            return self.name
        return f"{self.name}{NESTED if self.kind == 'zip' else '/'}{member.name}"

    def digest(self) -> str:
        """SHA-256 of the file or zip as given; for a folder, of its sorted (name, size, sha256) lines."""
        if self.kind != "folder":
            return _sha256_file(self.path)
        lines = hashlib.sha256()
        for member in sorted(self.members, key=lambda m: m.name):
            with member.open() as stream:
                lines.update(f"{member.name}\t{member.size}\t{_sha256_stream(stream)}\n".encode())
        return lines.hexdigest()


def open_input(path: Path, scratch: Path | None = None) -> Input:
    """Open a file, folder or zip. `scratch` is a private folder (the vault's staging folder) where a zip
    inside the zip may be copied so it can be read; without it, nested archives are refused."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise InputError("there is no such file or folder.", path) from None
    except PermissionError:
        raise InputError("stalkproof is not allowed to read this; check its permissions.", path) from None
    if stat.S_ISLNK(info.st_mode):
        path = path.resolve()
        info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        return _open_folder(path)
    if not stat.S_ISREG(info.st_mode):
        raise InputError("this is not a regular file or folder.", path)
    if _is_zip(path):
        inp = Input(path, "zip", [], scratch=scratch)
        try:
            inp.members = _zip_members(path, path.name, inp._stack, scratch, depth=1)
        except BaseException:
            inp.close()  # removes any copy of a nested zip made before the problem was found
            raise
        return inp
    return Input(path, "file", [Member(path.name, info.st_size, lambda: path.open("rb"), path)])


def _is_zip(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(4) in ZIP_MAGIC


def _open_folder(root: Path) -> Input:
    members: list[Member] = []
    skipped: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for filename in sorted(filenames):
            full = Path(dirpath) / filename
            name = full.relative_to(root).as_posix()
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                skipped.append((name, "it is a link to another file, which stalkproof does not follow"))
            elif not stat.S_ISREG(info.st_mode):
                skipped.append((name, "it is not a regular file"))
            else:
                members.append(Member(name, info.st_size, _file_opener(full), full))
    if len(members) > MAX_MEMBERS:
        raise InputError(f"this folder holds more than {MAX_MEMBERS:,} files; import a smaller part.", root)
    return Input(root, "folder", members, skipped)


def _file_opener(path: Path) -> Callable[[], IO[bytes]]:
    return lambda: path.open("rb")


def _zip_members(path: Path, label: str, stack: ExitStack, scratch: Path | None, depth: int) -> list[Member]:
    try:
        archive = stack.enter_context(zipfile.ZipFile(path))
    except (zipfile.BadZipFile, OSError) as error:
        message = f"this zip file is damaged or incomplete ({error}); download it again."
        raise InputError(message, label) from None
    infos = [info for info in archive.infolist() if not info.is_dir()]
    _check_zip(infos, label, path)
    members: list[Member] = []
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x1:
            raise InputError(f"'{name}' is password-protected; export it again without a password.", label)
        if name.lower().endswith(".zip"):
            members.extend(_nested(archive, info, label, stack, scratch, depth))
            continue
        members.append(Member(name, info.file_size, _zip_opener(archive, info)))
    return members


def _check_zip(infos: list[zipfile.ZipInfo], label: str, path: Path) -> None:
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"this zip holds more than {MAX_MEMBERS:,} files; it is not an export.", label)
    declared = sum(info.file_size for info in infos)
    free = shutil.disk_usage(path.parent).free
    if declared > MAX_DECLARED_TOTAL or declared > 20 * free:
        raise InputError(
            f"this zip says it unpacks to {declared / 1024**3:.1f} GiB, far more than an export or this "
            "disk can hold; stalkproof will not read it.",
            label,
        )
    for info in infos:
        if "\x00" in info.filename:
            raise InputError("this zip has a file name with a NUL character; it is not an export.", label)
        if _points_outside(info.filename):
            raise InputError(
                f"this zip has a file named '{info.filename}' that points outside the zip. Exports made by "
                "apps never do that, so stalkproof will not read it.",
                label,
            )
        if info.file_size > RATIO_CHECK_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InputError(
                f"'{info.filename}' would unpack to {info.file_size / 1024**2:,.0f} MiB from "
                f"{info.compress_size / 1024:,.0f} KiB; this looks like a zip bomb, so stalkproof will not "
                "read it.",
                label,
            )


def _points_outside(name: str) -> bool:
    """An absolute name, a drive letter or a '..' step: harmless here (members are never extracted), but no
    genuine export has one, so it marks a crafted file."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")


def _nested(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    label: str,
    stack: ExitStack,
    scratch: Path | None,
    depth: int,
) -> list[Member]:
    inner_label = f"{label}{NESTED}{info.filename}"
    if depth >= MAX_NESTING:
        raise InputError("this holds zips inside zips more than two deep; it is not an export.", inner_label)
    if scratch is None:
        message = "this zip is inside another zip; unpack the outer one and import this one."
        raise InputError(message, inner_label)
    copy = scratch / f"{os.urandom(8).hex()}.partial"
    stack.callback(copy.unlink, missing_ok=True)
    descriptor = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out, archive.open(info) as stream:
        shutil.copyfileobj(stream, out, _CHUNK)
    inner = _zip_members(copy, inner_label, stack, scratch, depth + 1)
    for member in inner:
        member.name = f"{info.filename}{NESTED}{member.name}"
    return inner


def _copy_private(member: Member, target: Path) -> None:
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out, member.open() as stream:
        shutil.copyfileobj(stream, out, _CHUNK)


def _zip_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], IO[bytes]]:
    return lambda: archive.open(info)


def _sha256_stream(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while block := stream.read(_CHUNK):
        digest.update(block)
    return digest.hexdigest()


def _sha256_file(path: Path) -> str:
    with path.open("rb") as stream:
        return _sha256_stream(stream)
