"""IPTC IIM records (city, province, country, by-line) and the Photoshop resource blocks that carry them.

News and stock-photo tools still write the 1990s IPTC "Information Interchange Model": a flat list of
numbered datasets. In JPEG it travels inside a Photoshop APP13 segment as image resource 0x0404; TIFF and
PNG (ImageMagick's "Raw profile type iptc") carry the same bytes.
"""

from __future__ import annotations

import struct

from stalkproof.digital.media import xmp
from stalkproof.digital.media.model import Item, ItemKind, MediaFormatError, Metadata

# (record, dataset) → what it reveals and ExifTool's name for it.
DATASETS: dict[tuple[int, int], tuple[ItemKind, str]] = {
    (2, 90): ("place", "City"),
    (2, 92): ("place", "Sub-location"),
    (2, 95): ("place", "Province-State"),
    (2, 100): ("place", "Country-PrimaryLocationCode"),
    (2, 101): ("place", "Country-PrimaryLocationName"),
    (2, 27): ("place", "ContentLocationName"),
    (2, 80): ("identity", "By-line"),
    (2, 85): ("identity", "By-lineTitle"),
    (2, 110): ("identity", "Credit"),
    (2, 116): ("identity", "CopyrightNotice"),
    (2, 118): ("identity", "Contact"),
    (2, 122): ("identity", "Writer-Editor"),
    (2, 55): ("time", "DateCreated"),
    (2, 60): ("time", "TimeCreated"),
}
CODED_CHARACTER_SET = (1, 90)
UTF8_ESCAPE = b"\x1b%G"
TAG_MARKER = 0x1C

PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
RESOURCE_SIGNATURES = (b"8BIM", b"PHUT", b"AgHg", b"DCSR", b"MeSa")
IPTC_RESOURCE = 0x0404
XMP_RESOURCE = 0x0424
MAX_VALUE_CHARS = 500

_DAMAGED_IPTC = "the IPTC metadata block is damaged (a record is cut short or misplaced)."
_DAMAGED_PHOTOSHOP = "the Photoshop metadata block is damaged (a resource runs past its end)."


def read_iptc(data: bytes, source: str) -> Metadata:
    """Place names, creators and dates in an IPTC IIM block. `source` prefixes each finding's source."""
    found = Metadata(format="iptc")
    raw: list[tuple[tuple[int, int], bytes]] = []
    utf8 = False
    for key, value in _datasets(data):
        if key == CODED_CHARACTER_SET:
            utf8 = value == UTF8_ESCAPE
        elif key in DATASETS:
            raw.append((key, value))
    for key, value in raw:
        text = _text(value, utf8)
        if text:
            kind, field = DATASETS[key]
            found.items.append(Item(kind, field, text[:MAX_VALUE_CHARS], source))
    return found


def read_photoshop(data: bytes, source: str) -> Metadata:
    """IPTC and XMP inside Photoshop image resources ("8BIM" blocks), with or without the APP13 header."""
    found = Metadata(format="photoshop")
    for resource_id, payload in resources(data):
        if resource_id == IPTC_RESOURCE:
            _absorb(found, read_iptc(payload, "IPTC"))
        elif resource_id == XMP_RESOURCE:
            _absorb(found, xmp.read_xmp(payload, "XMP"))
    return found


def resources(data: bytes) -> list[tuple[int, bytes]]:
    """The (id, payload) of each Photoshop image resource. Raises MediaFormatError when one runs past
    the end."""
    position = len(PHOTOSHOP_HEADER) if data.startswith(PHOTOSHOP_HEADER) else 0
    found: list[tuple[int, bytes]] = []
    while position < len(data):
        if not any(data[position:]):
            break  # zero padding after the last resource
        if data[position : position + 4] not in RESOURCE_SIGNATURES or position + 7 > len(data):
            raise MediaFormatError(_DAMAGED_PHOTOSHOP)
        (resource_id,) = struct.unpack_from(">H", data, position + 4)
        name_length = data[position + 6] + 1
        position += 6 + name_length + (name_length & 1)  # the Pascal name is padded to an even length
        if position + 4 > len(data):
            raise MediaFormatError(_DAMAGED_PHOTOSHOP)
        (size,) = struct.unpack_from(">I", data, position)
        start = position + 4
        if start + size > len(data):
            raise MediaFormatError(_DAMAGED_PHOTOSHOP)
        found.append((resource_id, data[start : start + size]))
        position = start + size + (size & 1)
    return found


def _datasets(data: bytes) -> list[tuple[tuple[int, int], bytes]]:
    found: list[tuple[tuple[int, int], bytes]] = []
    position = 0
    while position < len(data):
        if data[position] != TAG_MARKER:
            if not any(data[position:]):
                break  # zero padding, which Photoshop adds to reach an even length
            raise MediaFormatError(_DAMAGED_IPTC)
        if position + 5 > len(data):
            raise MediaFormatError(_DAMAGED_IPTC)
        record, dataset = data[position + 1], data[position + 2]
        (size,) = struct.unpack_from(">H", data, position + 3)
        position += 5
        if size & 0x8000:  # extended dataset: the low bits say how many bytes hold the real length
            width = size & 0x7FFF
            if not 1 <= width <= 4 or position + width > len(data):
                raise MediaFormatError(_DAMAGED_IPTC)
            size = int.from_bytes(data[position : position + width], "big")
            position += width
        if position + size > len(data):
            raise MediaFormatError(_DAMAGED_IPTC)
        found.append(((record, dataset), data[position : position + size]))
        position += size
    return found


def _text(value: bytes, utf8: bool) -> str:
    value = value.rstrip(b"\x00").strip()
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        # Without the UTF-8 marker most writers used Latin-1; with it, a bad byte is simply replaced.
        return value.decode("utf-8", errors="replace") if utf8 else value.decode("latin-1")


def _absorb(into: Metadata, found: Metadata) -> None:
    into.locations.extend(found.locations)
    into.items.extend(found.items)
    into.notes.extend(found.notes)
