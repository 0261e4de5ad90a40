"""The files of an acquisition, read the same way from a folder or from a zip without unpacking it.

Names are relative POSIX paths. A zip whose entries all sit in one top folder (`androidqf/dumpsys.txt`)
is read as if that folder were the root, since that is how people zip an acquisition folder.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from stalkproof.errors import InputError

# A member larger than this is refused rather than read into memory: no phone export's text files come
# near it, and a zip that claims to is damaged or hostile.
MAX_MEMBER_BYTES = 1 << 30


class Bundle:
    """Read-only access to the files of a folder or zip. Use `Bundle.open` as a context manager."""

    def __init__(self, root: Path, archive: zipfile.ZipFile | None, members: dict[str, str]) -> None:
        self.root = root
        self._archive = archive
        self._members = members  # relative name → folder path or zip entry name

    @classmethod
    @contextmanager
    def open(cls, path: Path, password: str | None = None) -> Iterator[Bundle]:
        if path.is_dir():
            yield cls(path, None, _folder_members(path))
            return
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise InputError("This zip file is damaged or is not a zip, so it could not be read.") from error
        with archive:
            if password:
                archive.setpassword(password.encode("utf-8"))
            yield cls(path, archive, _zip_members(archive))

    @property
    def is_zip(self) -> bool:
        return self._archive is not None

    def names(self) -> list[str]:
        return sorted(self._members)

    def basenames(self) -> set[str]:
        return {PurePosixPath(name).name.lower() for name in self._members}

    def top_level(self) -> list[str]:
        """Names directly at the root, which is where acquisition tools put their files."""
        return [name for name in self.names() if "/" not in name]

    def find(self, filename: str) -> str | None:
        """The root-level file called `filename` (any case), if there is one."""
        wanted = filename.lower()
        return next((name for name in self.top_level() if name.lower() == wanted), None)

    def size(self, name: str) -> int:
        member = self._members[name]
        if self._archive is not None:
            return self._archive.getinfo(member).file_size
        return (self.root / member).stat().st_size

    def read_bytes(self, name: str) -> bytes:
        member = self._members[name]
        if self.size(name) > MAX_MEMBER_BYTES:
            raise InputError(f"The file '{name}' is too large to read ({self.size(name) // (1 << 20)} MB).")
        if self._archive is None:
            return (self.root / member).read_bytes()
        return self._read_member(name, member)

    def _read_member(self, name: str, member: str) -> bytes:
        assert self._archive is not None
        try:
            with self._archive.open(member) as stream:
                data = stream.read(MAX_MEMBER_BYTES + 1)
        except RuntimeError as error:  # zipfile's way of saying "encrypted" or "wrong password"
            if "password" in str(error).lower():
                raise InputError(
                    "This zip is protected by a password: give the password to read it."
                    if "required" in str(error).lower()
                    else "The password given does not open this zip."
                ) from error
            raise InputError(f"The file '{name}' in this zip could not be read ({error}).") from error
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as error:
            raise InputError(
                f"The file '{name}' in this zip is damaged or in a format zip cannot read."
            ) from error
        if len(data) > MAX_MEMBER_BYTES:
            raise InputError(f"The file '{name}' in this zip is larger than it claims, so it was not read.")
        return data

    def read_text(self, name: str) -> str:
        # Android dumps mix text with stray binary (the adb key store); keep the text, mark the rest.
        return self.read_bytes(name).decode("utf-8", errors="replace")

    def path_of(self, name: str) -> str:
        """How to name a member to a person: the folder path, or `archive.zip:member`."""
        if self._archive is None:
            return str(self.root / self._members[name])
        return f"{self.root}:{self._members[name]}"


def _folder_members(folder: Path) -> dict[str, str]:
    return {
        child.relative_to(folder).as_posix(): child.relative_to(folder).as_posix()
        for child in folder.rglob("*")
        if child.is_file()
    }


def _zip_members(archive: zipfile.ZipFile) -> dict[str, str]:
    entries = [info.filename for info in archive.infolist() if not info.is_dir()]
    prefix = _common_folder(entries)
    return {entry[len(prefix) :]: entry for entry in entries if entry[len(prefix) :]}


def _common_folder(entries: list[str]) -> str:
    """`androidqf/` when every entry sits under that one folder, else the empty string."""
    tops = {entry.split("/", 1)[0] for entry in entries}
    if len(tops) == 1 and all("/" in entry for entry in entries):
        return tops.pop() + "/"
    return ""
