"""The format modules in the order they are tried, and format detection by a file's first bytes.

The extension is never consulted: a HEIC photo named `.jpg` is still a HEIC photo, and a damaged or
disguised file must not be handed to the wrong parser. More specific signatures come first (the ISO
media formats both start with `ftyp`, so HEIF, whose brands are checked, comes before QuickTime/MP4).

Modules are imported one by one and a module that is missing or fails to import is left out, so the
others keep working. This is temporary, while the format modules are being written; once they have all
landed the registry should import them directly and a missing module should be an error.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import cast

from stalkproof.digital.media.model import MediaFormat

PACKAGE = "stalkproof.digital.media"
MODULE_NAMES = ("jpeg", "png", "webp", "tiff", "heif", "quicktime", "pdf", "docx")
HEAD_SIZE = 64
PROTOCOL = ("name", "matches", "scan", "strip")


@cache
def registry() -> tuple[MediaFormat, ...]:
    """The format modules that could be imported, in the order they are tried."""
    found: list[MediaFormat] = []
    for module_name in MODULE_NAMES:
        try:
            module = importlib.import_module(f"{PACKAGE}.{module_name}")
        except ImportError:
            continue
        if all(hasattr(module, attribute) for attribute in PROTOCOL):
            found.append(cast(MediaFormat, module))
    return tuple(found)


def missing() -> list[str]:
    """Format modules that are not available (for notes and tests while they are being written)."""
    present = {getattr(module, "__name__", "").rsplit(".", 1)[-1] for module in registry()}
    return [name for name in MODULE_NAMES if name not in present]


def read_head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(HEAD_SIZE)


def detect_head(head: bytes, formats: Sequence[MediaFormat] | None = None) -> MediaFormat | None:
    for media_format in registry() if formats is None else formats:
        if media_format.matches(head):
            return media_format
    return None


def detect(path: Path, formats: Sequence[MediaFormat] | None = None) -> MediaFormat | None:
    """The format whose signature `path`'s first bytes carry, or None when no module knows them."""
    return detect_head(read_head(path), formats)
