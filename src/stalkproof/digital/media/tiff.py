"""TIFF: scan every page's tags; strip by rewriting each page's table in place and zeroing what it drops.

A TIFF file is tables of tags (IFDs) pointing at values and picture strips anywhere in the file. Rather
than rebuild the file, stripping copies it byte for byte and then, for each page, rewrites the table with
only the tags a reader needs to draw the picture (size, compression, strips, colour, orientation …) and
overwrites with zeros every value it dropped: the GPS and Exif tables, XMP, IPTC, Photoshop data, names.
Offsets never move, so the picture data is untouched. If a dropped value shares bytes with something kept,
or the file has sub-images (camera raw files), the strip is refused rather than risk damaging the picture.
"""

from __future__ import annotations

import bisect
import mmap
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from stalkproof.digital.media import exif
from stalkproof.digital.media.exif import Entry, Ifd, TiffStructure
from stalkproof.digital.media.model import MediaFormatError, Metadata

name = "TIFF"

# Tags that describe how to draw the picture, by TIFF 6.0 number. Everything else is dropped.
KEEP_TAGS = frozenset(
    {
        254, 255, 256, 257, 258, 259, 262, 263, 264, 265, 266, 273, 274, 277, 278, 279, 280, 281, 282,
        283, 284, 290, 291, 292, 293, 296, 297, 301, 317, 318, 319, 320, 321, 322, 323, 324, 325, 332,
        334, 336, 338, 339, 340, 341, 342, 347, 512, 513, 514, 515, 517, 518, 519, 520, 521, 529, 530,
        531, 532, 32997, 32998, 33421, 33422, 34675,
    }
)  # fmt: skip
DATA_TAGS = ((273, 279), (324, 325), (513, 514))  # (offsets, byte counts) of strips, tiles, old-style JPEG
SUB_IFDS = 330
NESTED_TABLES = frozenset({exif.EXIF_IFD, exif.GPS_IFD, exif.INTEROP_IFD})
DESCRIPTIONS = {
    exif.GPS_IFD: "GPS position",
    exif.EXIF_IFD: "Exif details (camera settings, times, serial numbers, maker notes)",
    exif.XMP_TAG: "XMP metadata (may hold GPS position, place names and names of people)",
    exif.IPTC_TAG: "IPTC metadata (may hold place names and the creator's name)",
    exif.PHOTOSHOP_TAG: "Photoshop metadata",
    37724: "Photoshop layers",
    269: "document name",
    270: "image description",
    271: "camera make",
    272: "camera model",
    285: "page name",
    305: "software",
    306: "date and time",
    315: "artist",
    316: "host computer",
    33432: "copyright",
    0x9C9B: "Windows title",
    0x9C9C: "Windows comment",
    0x9C9D: "Windows author",
    0x9C9E: "Windows keywords",
    0x9C9F: "Windows subject",
    **{tag: "map coordinates (GeoTIFF)" for tag in exif.GEOTIFF_TAGS},
}
COPY_PIECE = 1 << 20

TOO_SHORT = "this file is too short to be a TIFF picture."
SUB_IMAGES = "stripping TIFF files with sub-images (such as camera raw files) is not supported yet."
SHARED_BYTES = "this TIFF file's metadata shares bytes with its picture, so it cannot be stripped safely."


def matches(head: bytes) -> bool:
    return head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def scan(path: Path) -> Metadata:
    with exif.naming_file(path), path.open("rb") as stream, _mapped(stream) as data:
        found = exif.read_structure(TiffStructure(data, "TIFF file"), "TIFF")
        found.format = name
        return found


def strip(source: Path, target: Path) -> list[str]:
    with exif.naming_file(source), source.open("rb") as reading:
        with _mapped(reading) as data:
            plan = _plan(TiffStructure(data, "TIFF file"))
        reading.seek(0)
        with target.open("wb") as writing:
            shutil.copyfileobj(reading, writing, COPY_PIECE)
            plan.apply(writing)
        return list(plan.removed)


def _mapped(stream: BinaryIO) -> mmap.mmap:
    if os.fstat(stream.fileno()).st_size < 8:
        raise MediaFormatError(TOO_SHORT)
    return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)


@dataclass
class _Plan:
    """What to change in the copy: tables to rewrite, byte ranges to zero, and ranges that must survive."""

    tables: list[tuple[int, bytes]] = field(default_factory=list)
    zeroed: list[tuple[int, int]] = field(default_factory=list)
    kept: list[tuple[int, int]] = field(default_factory=list)
    removed: dict[str, None] = field(default_factory=dict)

    def check(self) -> None:
        ordered = sorted(self.kept)
        starts = [start for start, _ in ordered]
        furthest: list[int] = []
        for _, end in ordered:
            furthest.append(max(end, furthest[-1]) if furthest else end)
        for start, end in self.zeroed:
            before = bisect.bisect_left(starts, end)  # kept ranges that start before this one ends
            if end > start and before and furthest[before - 1] > start:
                raise MediaFormatError(SHARED_BYTES)

    def apply(self, writing: BinaryIO) -> None:
        for start, end in self.zeroed:
            writing.seek(start)
            for piece_start in range(start, end, COPY_PIECE):
                writing.write(bytes(min(end - piece_start, COPY_PIECE)))
        for at, table in self.tables:
            writing.seek(at)
            writing.write(table)


def _plan(structure: TiffStructure) -> _Plan:
    plan = _Plan()
    for ifd in structure.chain():
        _plan_page(structure, ifd, plan)
    plan.check()
    return plan


def _plan_page(structure: TiffStructure, ifd: Ifd, plan: _Plan) -> None:
    if ifd.get(SUB_IFDS) is not None:
        raise MediaFormatError(SUB_IMAGES)
    if ifd.end > len(structure.data):
        raise structure.damaged("a table is cut short at the end of the file")
    kept = [entry for entry in ifd.entries if entry.tag in KEEP_TAGS]
    plan.tables.append((ifd.at, _table(structure, ifd, kept)))
    plan.kept.append((ifd.at, ifd.at + 2 + 12 * len(kept) + 4))
    for entry in kept:
        if not entry.inline:
            plan.kept.append(structure.value_range(entry))
    _keep_picture_data(structure, ifd, plan)
    for entry in ifd.entries:
        if entry.tag not in KEEP_TAGS:
            plan.removed[DESCRIPTIONS.get(entry.tag, f"TIFF tag {entry.tag}")] = None
            _zero(structure, entry, plan)


def _table(structure: TiffStructure, ifd: Ifd, kept: list[Entry]) -> bytes:
    """The page's table with only the kept entries, padded with zeros to its old length."""
    order = structure.order
    body = len(kept).to_bytes(2, "little" if order == "<" else "big")
    body += b"".join(structure.entry_bytes(entry) for entry in kept)
    body += ifd.next_offset.to_bytes(4, "little" if order == "<" else "big")
    return body + bytes(ifd.end - ifd.at - len(body))


def _keep_picture_data(structure: TiffStructure, ifd: Ifd, plan: _Plan) -> None:
    size = len(structure.data)
    for offsets_tag, counts_tag in DATA_TAGS:
        offsets, counts = ifd.get(offsets_tag), ifd.get(counts_tag)
        if offsets is None or counts is None:
            continue
        for offset, count in zip(structure.integers(offsets), structure.integers(counts), strict=False):
            if offset + count > size:
                raise structure.damaged("its picture data points past the end of the file")
            plan.kept.append((offset, offset + count))


def _zero(structure: TiffStructure, entry: Entry, plan: _Plan) -> None:
    start, end = structure.value_range(entry)
    if not entry.inline:
        plan.zeroed.append((start, end))
    if entry.tag in NESTED_TABLES:
        table = structure.sub_ifd(entry)
        if table is not None:
            plan.zeroed.append((table.at, min(table.end, len(structure.data))))
            for nested in table.entries:
                _zero(structure, nested, plan)
