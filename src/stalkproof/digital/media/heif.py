"""Location and identity in HEIF images (HEIC from phones, AVIF): the Exif and XMP items.

A HEIF image keeps its metadata as items, like the picture itself: the top-level `meta` box lists them in
`iinf` (item type `Exif`, or `mime` with content type application/rdf+xml for XMP) and says where their
bytes are in `iloc` (in the file, construction method 0, or inside `meta`'s own `idat`, method 1). An Exif
item starts with a 4-byte offset to its TIFF header (usually skipping "Exif\\0\\0").

Stripping overwrites those item bytes in place on a copy: the Exif item becomes an empty TIFF directory,
the XMP item an empty XMP packet padded with spaces. Nothing moves, so `iloc` stays right, and the image
items are never touched. Orientation is kept because HEIF keeps it in the `irot`/`imir` properties, not in
Exif. Image sequences may also carry a `moov` movie: its user data is handled as for MP4.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from stalkproof.digital.media import bmff, quicktime
from stalkproof.digital.media.bmff import Box, BoxReader
from stalkproof.digital.media.model import Metadata

name = "heif"

EXIF_SOURCE = "HEIF Exif item"
XMP_SOURCE = "HEIF XMP item"
XMP_CONTENT_TYPE = "application/rdf+xml"
# An empty big-endian TIFF: header pointing at IFD0, IFD0 with no entries and no next IFD.
EMPTY_TIFF = b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x00" + b"\x00\x00\x00\x00"
EMPTY_XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>'

MetadataKind = Literal["Exif", "XMP"]


@dataclass(frozen=True)
class Extent:
    """Bytes of an item, as an absolute range in the file."""

    offset: int
    length: int

    @property
    def end(self) -> int:
        return self.offset + self.length

    def overlaps(self, other: Extent) -> bool:
        return self.offset < other.end and other.offset < self.end


@dataclass
class MetadataItem:
    item_id: int
    kind: MetadataKind
    extents: list[Extent] | None  # None: stored where stalkproof cannot follow (another file, derived)

    @property
    def source(self) -> str:
        return EXIF_SOURCE if self.kind == "Exif" else XMP_SOURCE


@dataclass
class Layout:
    format: str
    items: list[MetadataItem] = field(default_factory=list)
    other_extents: list[Extent] = field(default_factory=list)
    movie: quicktime.Survey | None = None


@dataclass(frozen=True)
class _Place:
    method: int
    data_reference: int
    base: int
    extents: list[tuple[int, int]]


def matches(head: bytes) -> bool:
    return bmff.brand_family(head) == "heif"


def format_of(head: bytes) -> str:
    brands = bmff.ftyp_brands(head)
    if brands is not None and {b"avif", b"avis"} & {brands[0], *brands[1]}:
        return "avif"
    return "heic"


def scan(path: Path) -> Metadata:
    with bmff.open_boxes(path) as reader:
        layout = read_layout(reader)
        found = Metadata(layout.format)
        for item in layout.items:
            _scan_item(reader, item, found)
    if layout.movie is not None:
        bmff.merge(found, layout.movie.metadata())
    return found


def strip(source: Path, target: Path) -> list[str]:
    with bmff.open_boxes(source) as reader:
        layout = read_layout(reader)
        _refuse_unsafe(reader, layout)
        blanks = [(item, _blank_payload(item, _read_item(reader, item))) for item in layout.items]
    if layout.movie is not None:
        quicktime.refuse_gps_tracks(layout.movie)
    shutil.copyfile(source, target)
    removed: list[str] = []
    with target.open("r+b") as file:
        for item, payload in blanks:
            _write_item(file, item, payload)
            label = f"{item.kind} metadata ({item.source})"
            if label not in removed:
                removed.append(label)
    if layout.movie is not None:
        removed += quicktime.blank_findings(target, layout.movie.findings)
    quicktime.check_clean(scan, target, source)
    return removed


def read_layout(reader: BoxReader) -> Layout:
    top = reader.top_level()
    head = reader.read_at(0, min(64, reader.file_size))
    layout = Layout(format_of(head))
    meta = next((box for box in top if box.type == b"meta"), None)
    if meta is None:
        raise reader.fail("this HEIF image has no 'meta' box, so it is damaged.")
    children = reader.children(meta)
    infos = _item_types(reader, _child(children, b"iinf"))
    places = _item_places(reader, _child(children, b"iloc"))
    idat = _child(children, b"idat")
    for item_id, place in places.items():
        extents = _resolve(reader, item_id, place, idat)
        kind = infos.get(item_id)
        if kind is not None:
            layout.items.append(MetadataItem(item_id, kind, extents))
        elif extents is not None:
            layout.other_extents.extend(extents)
    if any(box.type == b"moov" for box in top) or any(_is_xmp_box(box) for box in top):
        others = [box for box in top if box.type != b"meta"]
        layout.movie = quicktime.survey(reader, layout.format, others)
    return layout


def _is_xmp_box(box: Box) -> bool:
    return box.type == bmff.UUID and box.user_type == quicktime.XMP_UUID


def _child(children: list[Box], box_type: bytes) -> Box | None:
    return next((box for box in children if box.type == box_type), None)


def _item_types(reader: BoxReader, iinf: Box | None) -> dict[int, MetadataKind]:
    """Item ids of the Exif and XMP items, from the `infe` entries."""
    found: dict[int, MetadataKind] = {}
    if iinf is None:
        return found
    for entry in reader.children(iinf):
        if entry.type != b"infe":
            continue
        cursor = reader.cursor(entry)
        version = cursor.uint(1)
        cursor.take(3)  # flags
        if version >= 2:
            item_id = cursor.uint(2 if version == 2 else 4)
            cursor.uint(2)  # protection index
            item_type = cursor.fourcc()
            cursor.cstring()  # item name
            content_type = cursor.cstring() if item_type == b"mime" else b""
        else:
            item_id = cursor.uint(2)
            cursor.uint(2)
            cursor.cstring()
            content_type = cursor.cstring() if cursor.remaining else b""
            item_type = b"mime"
        if item_type == b"Exif":
            found[item_id] = "Exif"
        elif content_type.decode("latin-1").strip().lower() == XMP_CONTENT_TYPE:
            found[item_id] = "XMP"
    return found


def _item_places(reader: BoxReader, iloc: Box | None) -> dict[int, _Place]:
    """Where each item's bytes are, as `iloc` says (versions 0, 1 and 2)."""
    if iloc is None:
        return {}
    cursor = reader.cursor(iloc)
    version = cursor.uint(1)
    cursor.take(3)
    if version > 2:
        raise reader.fail(f"the 'iloc' box at byte {iloc.offset} has version {version}, which is unknown.")
    sizes = cursor.uint(1)
    more_sizes = cursor.uint(1)
    offset_size, length_size = sizes >> 4, sizes & 15
    base_size, index_size = more_sizes >> 4, (more_sizes & 15) if version else 0
    if any(size not in (0, 4, 8) for size in (offset_size, length_size, base_size, index_size)):
        raise reader.fail(f"the 'iloc' box at byte {iloc.offset} uses field sizes that are not allowed.")
    id_size = 2 if version < 2 else 4
    places: dict[int, _Place] = {}
    for _ in range(cursor.uint(id_size)):
        item_id = cursor.uint(id_size)
        method = cursor.uint(2) & 15 if version else 0
        data_reference = cursor.uint(2)
        base = cursor.uint(base_size)
        extents = []
        for _ in range(cursor.uint(2)):
            cursor.uint(index_size)
            extents.append((cursor.uint(offset_size), cursor.uint(length_size)))
        places[item_id] = _Place(method, data_reference, base, extents)
    return places


def _resolve(reader: BoxReader, item_id: int, place: _Place, idat: Box | None) -> list[Extent] | None:
    """Absolute file ranges of an item, checked against the file (or `idat`); None when its bytes are
    in another file or built from other items."""
    if place.data_reference != 0 or place.method not in (0, 1):
        return None
    if place.method == 1:
        if idat is None:
            raise reader.fail(f"item {item_id} is stored in an 'idat' box that does not exist.")
        start, end = idat.body_offset, idat.end
    else:
        start, end = 0, reader.file_size
    extents = []
    for offset, length in place.extents:
        absolute = start + place.base + offset
        size = length if length else end - absolute  # length 0: to the end of the data
        if absolute < start or size < 0 or absolute + size > end:
            where = "the file" if place.method == 0 else "its 'idat' box"
            raise reader.fail(
                f"the data of item {item_id} at byte {absolute} runs past the end of {where}, "
                "so the file is damaged."
            )
        extents.append(Extent(absolute, size))
    return extents


def _read_item(reader: BoxReader, item: MetadataItem) -> bytes:
    if item.extents is None:
        return b""
    total = sum(extent.length for extent in item.extents)
    if total > bmff.MAX_BODY_READ:
        raise reader.fail(f"the {item.source} claims {total} bytes, far more than metadata ever needs.")
    return b"".join(reader.read_at(extent.offset, extent.length) for extent in item.extents)


def _scan_item(reader: BoxReader, item: MetadataItem, found: Metadata) -> None:
    if item.extents is None:
        found.notes.append(f"The {item.source} is stored in a way this copy of stalkproof cannot follow.")
        return
    data = _read_item(reader, item)
    if item.kind == "Exif":
        result = bmff.read_exif_lazily(_tiff_part(data), item.source)
    else:
        result = bmff.read_xmp_lazily(data, item.source)
    if result is None:
        found.notes.append(f"The {item.source} holds metadata that this copy of stalkproof could not read.")
    else:
        bmff.merge(found, result)


def _tiff_part(exif_item: bytes) -> bytes:
    """The Exif data after the item's 4-byte offset field (which usually skips "Exif\\0\\0")."""
    if len(exif_item) < 4:
        return b""
    return exif_item[4 + int.from_bytes(exif_item[:4], "big") :]


def _refuse_unsafe(reader: BoxReader, layout: Layout) -> None:
    """Fail closed when overwriting a metadata item could miss it or damage the picture."""
    for item in layout.items:
        if item.extents is None:
            raise reader.fail(f"the {item.source} is stored in a way stalkproof cannot change safely.")
        if any(extent.overlaps(other) for extent in item.extents for other in layout.other_extents):
            raise reader.fail(
                f"the {item.source} shares bytes with the picture, so clearing it could damage the image."
            )


def _blank_payload(item: MetadataItem, data: bytes) -> bytes:
    """Same-length replacement: an empty TIFF for Exif, an empty XMP packet padded with spaces."""
    if item.kind == "XMP":
        if len(data) >= len(EMPTY_XMP):
            return EMPTY_XMP + b" " * (len(data) - len(EMPTY_XMP))
        return b" " * len(data)
    if len(data) < 4:
        return bytes(len(data))
    header_offset = int.from_bytes(data[:4], "big")
    marker = data[4 : 4 + header_offset]
    kept = marker if marker == b"Exif\0\0" else bytes(len(marker))
    start = 4 + header_offset
    if start + len(EMPTY_TIFF) > len(data):
        return bytes(len(data))
    return data[:4] + kept + EMPTY_TIFF + bytes(len(data) - start - len(EMPTY_TIFF))


def _write_item(file: BinaryIO, item: MetadataItem, payload: bytes) -> None:
    position = 0
    for extent in item.extents or []:
        file.seek(extent.offset)
        file.write(payload[position : position + extent.length])
        position += extent.length
