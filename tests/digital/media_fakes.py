"""A tiny made-up media format for testing the scan and strip orchestration without the real parsers.

A fake file is `FAKE_MAGIC`, one line of JSON saying what its metadata holds, then payload bytes that
stand for the picture. The format object can be told to misbehave in the ways a real format module
might: forget to remove something, fail to see what it left, or change the picture.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from stalkproof.digital.media import formats, geocode
from stalkproof.digital.media.model import Item, Location, MediaFormat, MediaFormatError, Metadata

FAKE_MAGIC = b"FAKEMEDIA\n"
KESWICK = (54.6010, -3.1355)
# An ISO 6709 string, as QuickTime stores a location, hidden in the payload of some fakes.
KESWICK_ISO6709 = b"+54.6010-003.1355/"

Behaviour = Literal["good", "forgets", "blind", "changes_payload", "crashes"]


def fake_bytes(
    locations: list[tuple[float, float, str]] | None = None,
    items: list[tuple[str, str, str, str]] | None = None,
    payload: bytes = b"picture data " * 8,
) -> bytes:
    header = {"locations": locations or [], "items": items or []}
    return FAKE_MAGIC + json.dumps(header).encode() + b"\n" + payload


def write_fake(path: Path, **content: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(fake_bytes(**content))
    return path


@dataclass
class FakeFormat:
    """Implements the MediaFormat protocol for fake files."""

    behaviour: Behaviour = "good"
    name: str = "fake"
    stripped: list[Path] = field(default_factory=list)

    def matches(self, head: bytes) -> bool:
        return head.startswith(FAKE_MAGIC)

    def scan(self, path: Path) -> Metadata:
        if self.behaviour == "crashes":
            raise RuntimeError("a bug in the fake format")
        header, _ = self._read(path)
        found = Metadata(format="fake")
        if self.behaviour == "blind" and path in self.stripped:
            return found  # sees nothing in its own output
        found.locations = [Location(lat, lon, source) for lat, lon, source in header["locations"]]
        found.items = [Item(kind, name, value, source) for kind, name, value, source in header["items"]]
        return found

    def strip(self, source: Path, target: Path) -> list[str]:
        self.stripped.append(target)
        header, payload = self._read(source)
        if self.behaviour in ("forgets", "blind"):
            shutil.copyfile(source, target)
            return ["everything (or so it says)"]
        if self.behaviour == "changes_payload":
            payload = payload[::-1]
        target.write_bytes(fake_bytes(payload=payload))
        return ["fake location", "fake identity"] if header["locations"] or header["items"] else []

    @staticmethod
    def _read(path: Path) -> tuple[dict[str, Any], bytes]:
        data = path.read_bytes()
        if not data.startswith(FAKE_MAGIC) or b"\n" not in data[len(FAKE_MAGIC) :]:
            raise MediaFormatError("this fake file is damaged.", path)
        line, _, payload = data[len(FAKE_MAGIC) :].partition(b"\n")
        try:
            header: dict[str, Any] = json.loads(line)
        except ValueError as error:
            raise MediaFormatError("this fake file's header is damaged.", path) from error
        return header, payload


def use_formats(monkeypatch: pytest.MonkeyPatch, *extra: MediaFormat, real: bool = True) -> None:
    """Make `extra` formats known (tried first), with or without the real format modules."""
    known = (*extra, *(formats.registry() if real else ()))
    monkeypatch.setattr(formats, "registry", lambda: known)


_GEOCODERS: dict[Path, geocode.Geocoder] = {}


def private_geocoder(monkeypatch: pytest.MonkeyPatch, cache_dir: Path) -> None:
    """Keep the place index's cache out of the real user cache folder (one index per test session)."""
    if cache_dir not in _GEOCODERS:
        _GEOCODERS[cache_dir] = geocode.Geocoder(cache_dir=cache_dir)
    monkeypatch.setattr(geocode, "_default", _GEOCODERS[cache_dir])
