"""One line of the pack's exhibit list: what the exhibit is, how it was captured, and where it sits in the
pack. Shared by the bundle (which writes the files) and the PDF (which lists them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExhibitEntry:
    """`pack_path` is relative to the pack folder, with forward slashes (e.g. `exhibits/EX-001-photo.jpg`)."""

    ref: str
    description: str | None
    original_name: str | None
    media_type: str | None
    size: int
    sha256: str
    captured_by: str | None
    captured_at: str | None
    capture_method: str | None
    pack_path: str
