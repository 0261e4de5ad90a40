"""Reading files for the collectors: hashed as they are read, and never an exception for a file that is
missing or may not be read — the collector records it as not checked instead."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TypeVar

from stalkproof.digital.computer.model import Collected, Note
from stalkproof.digital.findings import InputFile

# Start-up files and package lists are small; anything bigger is not what we expect and is skipped.
MAX_BYTES = 64 << 20

T = TypeVar("T")


def read_input(path: Path, into: Collected[T]) -> bytes | None:
    """The bytes of `path`, recording it (with its SHA-256) in `into.inputs`; None if it cannot be read."""
    try:
        if path.stat().st_size > MAX_BYTES:
            into.not_checked.append(Note("unreadable", str(path)))
            return None
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        into.not_checked.append(Note("unreadable", str(path)))
        return None
    into.inputs.append(InputFile(str(path), hashlib.sha256(data).hexdigest(), len(data)))
    return data


def children(folder: Path, into: Collected[T], suffix: str = "") -> list[Path]:
    """The entries of `folder` ending in `suffix`, sorted; none if it is absent, a note if unreadable."""
    try:
        return sorted(child for child in folder.iterdir() if child.name.endswith(suffix))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError:
        into.not_checked.append(Note("unreadable", str(folder)))
        return []


def is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def text_of(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
