"""What a media file reveals, and the small interface every format module implements.

A format module (`jpeg.py`, `png.py`, `bmff.py`, …) answers three questions about one container:
does this file's first bytes look like mine (`matches`), what does it reveal (`scan`), and how do I write a
copy without it (`strip`). Everything around that — walking folders, hashing first, geocoding, atomic writes,
checking the output with a second parser and ExifTool, failing closed — lives once in `scan.py`/`strip.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from stalkproof.errors import InputError

ItemKind = Literal["location", "place", "identity", "time", "device", "other"]


@dataclass(frozen=True)
class Location:
    """A coordinate found in the file; `source` names where, in words a person can look up
    (for example "EXIF GPS", "XMP exif:GPSLatitude", "QuickTime ©xyz", "QuickTime ISO 6709 key")."""

    lat: float
    lon: float
    source: str
    altitude: float | None = None


@dataclass(frozen=True)
class Item:
    """One piece of revealing metadata other than a coordinate: a place name (IPTC City, XMP
    photoshop:City, QuickTime location.name), an identity (owner name, serial number, artist, document
    author, company, last modified by), a time, or the device that made it."""

    kind: ItemKind
    field: str
    value: str
    source: str


@dataclass
class Metadata:
    """Everything a scan found in one file. `notes` are things the scan could not read, in plain words."""

    format: str
    locations: list[Location] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def of_kind(self, kind: ItemKind) -> list[Item]:
        return [item for item in self.items if item.kind == kind]

    def reveals_location(self) -> bool:
        return bool(self.locations or self.of_kind("place"))


class MediaFormatError(InputError):
    """The file is damaged or is not what its first bytes claim (a truncated JPEG, a box past the end)."""


class MediaFormat(Protocol):
    """One container format. Modules implement these as module-level names (see formats.py)."""

    name: str

    def matches(self, head: bytes) -> bool:
        """True when `head` (the first 64 bytes) is this format's signature."""
        ...

    def scan(self, path: Path) -> Metadata:
        """What the file reveals. Reads only; raises MediaFormatError on damaged input."""
        ...

    def strip(self, source: Path, target: Path) -> list[str]:
        """Write a copy of `source` to `target` (a new, empty file the caller made) without location and
        identity metadata, leaving pixels, audio and orientation untouched; return what was removed, in
        words. Raises MediaFormatError when it cannot do so safely; the caller deletes `target` then."""
        ...
