"""Files the app makes for the person to save (a cleaned photo, an evidence pack): kept in a private
temporary folder, offered once under an unguessable address, and deleted when the vault locks or the
app stops."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from stalkproof.errors import NotFoundError


@dataclass(frozen=True)
class Download:
    token: str
    path: Path
    filename: str
    media_type: str

    @property
    def url(self) -> str:
        return f"/downloads/{self.token}"


class Downloads:
    def __init__(self) -> None:
        self._folder: Path | None = None
        self._items: dict[str, Download] = {}
        self._guard = threading.Lock()

    def folder(self) -> Path:
        """A private working folder for making a download in (created on first use)."""
        with self._guard:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="stalkproof-downloads-"))
                os.chmod(self._folder, 0o700)
            return self._folder

    def new_place(self, name: str) -> Path:
        """A fresh, empty path inside the folder for a file or folder called `name`."""
        place = self.folder() / secrets.token_hex(8)
        place.mkdir()
        return place / name

    def offer(self, path: Path, filename: str, media_type: str = "application/octet-stream") -> Download:
        item = Download(secrets.token_urlsafe(24), path, filename, media_type)
        with self._guard:
            self._items[item.token] = item
        return item

    def find(self, token: str) -> Download:
        with self._guard:
            item = self._items.get(token)
        if item is None or not item.path.exists():
            raise NotFoundError(
                "That download is no longer available: files are removed when the vault locks."
            )
        return item

    def clear(self) -> None:
        with self._guard:
            folder, self._folder = self._folder, None
            self._items.clear()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
