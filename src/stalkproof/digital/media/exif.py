"""Exif blocks and TIFF files: GPS position, owner and serial numbers, camera, time, orientation.

Exif is a small TIFF file: a header naming the byte order, then chains of IFDs (tables of tagged values)
that point at each other by offset. The same reader serves Exif in JPEG, PNG, WebP and HEIC and whole TIFF
files. It is written by hand rather than borrowed from an imaging library so that every offset is checked:
a block that loops or points past its end raises MediaFormatError instead of being half read.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from stalkproof.digital.media import iptc, xmp
from stalkproof.digital.media.model import Item, ItemKind, Location, MediaFormatError, Metadata

Bytes = bytes | mmap.mmap

EXIF_PREFIX = b"Exif\x00\x00"
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
INTEGER_FORMATS = {1: "B", 3: "H", 4: "I", 6: "b", 7: "B", 8: "h", 9: "i", 13: "I"}
ASCII, BYTE, UNDEFINED, SHORT, RATIONAL, SRATIONAL = 2, 1, 7, 3, 5, 10
MAX_IFDS = 256
MAX_ENTRIES = 4096
MAX_VALUE_CHARS = 500

ORIENTATION = 0x0112
EXIF_IFD = 0x8769
GPS_IFD = 0x8825
INTEROP_IFD = 0xA005
MAKER_NOTE = 0x927C
XMP_TAG = 700
IPTC_TAG = 33723
PHOTOSHOP_TAG = 34377
GEOTIFF_TAGS = frozenset({33550, 33922, 34264, 34735})

TAGS: dict[int, tuple[ItemKind, str]] = {
    0x013B: ("identity", "Artist"),
    0x8298: ("identity", "Copyright"),
    0x9C9D: ("identity", "XPAuthor"),
    0xA430: ("identity", "OwnerName"),
    0xA431: ("identity", "SerialNumber"),
    0xA435: ("identity", "LensSerialNumber"),
    0xA420: ("identity", "ImageUniqueID"),
    0x013C: ("identity", "HostComputer"),
    0x010F: ("device", "Make"),
    0x0110: ("device", "Model"),
    0x0131: ("device", "Software"),
    0xA433: ("device", "LensMake"),
    0xA434: ("device", "LensModel"),
    0x9003: ("time", "DateTimeOriginal"),
    0x9011: ("time", "OffsetTimeOriginal"),
}
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4
GPS_ALTITUDE_REF, GPS_ALTITUDE = 5, 6
GPS_DEST_LATITUDE_REF, GPS_DEST_LATITUDE, GPS_DEST_LONGITUDE_REF, GPS_DEST_LONGITUDE = 0x13, 0x14, 0x15, 0x16
GPS_AREA_INFORMATION, GPS_DATE_STAMP = 0x1C, 0x1D


@dataclass(frozen=True)
class Entry:
    """One tagged value in an IFD. Offsets are absolute positions in the buffer given to TiffStructure."""

    tag: int
    type: int
    count: int
    at: int  # where the 12-byte entry starts
    value_at: int  # where the value starts: inside the entry when it fits in 4 bytes

    @property
    def size(self) -> int | None:
        unit = TYPE_SIZES.get(self.type)
        return None if unit is None else unit * self.count

    @property
    def inline(self) -> bool:
        size = self.size
        return size is not None and size <= 4


@dataclass(frozen=True)
class Ifd:
    at: int
    entries: tuple[Entry, ...]
    next_offset: int  # relative to the TIFF header, 0 at the end of the chain

    def get(self, tag: int) -> Entry | None:
        return next((entry for entry in self.entries if entry.tag == tag), None)

    @property
    def end(self) -> int:
        return self.at + 2 + 12 * len(self.entries) + 4


class TiffStructure:
    """Bounds-checked access to the IFDs of one TIFF-structured buffer. Each IFD may be read once, which
    is how loops (an IFD pointing back at an earlier one) are caught."""

    def __init__(self, data: Bytes, what: str = "Exif metadata block") -> None:
        self.data = data
        self.what = what
        self.base = len(EXIF_PREFIX) if data[: len(EXIF_PREFIX)] == EXIF_PREFIX else 0
        header = data[self.base : self.base + 8]
        if len(header) < 8 or header[:2] not in (b"II", b"MM"):
            raise MediaFormatError(f"the {what} does not start with a TIFF header, so it is damaged.")
        self.order = "<" if header[:2] == b"II" else ">"
        (magic,) = struct.unpack(self.order + "H", header[2:4])
        if magic == 43:
            raise MediaFormatError(f"the {what} is a BigTIFF, which this tool cannot read yet.")
        if magic != 42:
            raise MediaFormatError(f"the {what} does not start with a TIFF header, so it is damaged.")
        (self.first_offset,) = struct.unpack(self.order + "I", header[4:8])
        self._seen: set[int] = set()

    def damaged(self, reason: str) -> MediaFormatError:
        return MediaFormatError(f"the {self.what} is damaged: {reason}.")

    def ifd(self, offset: int) -> Ifd:
        at = self.base + offset
        if at in self._seen:
            raise self.damaged("its tables point back at each other in a loop")
        self._seen.add(at)
        if len(self._seen) > MAX_IFDS:
            raise self.damaged("it has more tables than any real file")
        count = self._unpack("H", at)
        if count > MAX_ENTRIES:
            raise self.damaged("a table claims more entries than any real file")
        self._need(at + 2 + 12 * count)
        entries = tuple(self._entry(at + 2 + 12 * index) for index in range(count))
        # Writers often leave out the link after the last table when the block ends there (libpng's own
        # test picture does); nothing can hide past the end, so that counts as "no next table".
        link_at = at + 2 + 12 * count
        next_offset = self._unpack("I", link_at) if link_at + 4 <= len(self.data) else 0
        return Ifd(at, entries, next_offset)

    def chain(self) -> Iterator[Ifd]:
        """IFD0, IFD1 … (pages, or the main image and its thumbnail)."""
        offset = self.first_offset
        while offset:
            ifd = self.ifd(offset)
            yield ifd
            offset = ifd.next_offset

    def sub_ifd(self, entry: Entry) -> Ifd | None:
        offsets = self.integers(entry)
        return self.ifd(offsets[0]) if offsets and offsets[0] else None

    def value_range(self, entry: Entry) -> tuple[int, int]:
        """Where the entry's value lies, checked against the end of the buffer."""
        size = entry.size
        if size is None:
            raise self.damaged(f"field {entry.tag} has a type ({entry.type}) that no TIFF reader knows")
        self._need(entry.value_at + size)
        return entry.value_at, entry.value_at + size

    def entry_bytes(self, entry: Entry) -> bytes:
        return bytes(self.data[entry.at : entry.at + 12])

    def raw(self, entry: Entry) -> bytes:
        size = entry.size
        if size is None:
            return b""
        self._need(entry.value_at + size)
        return bytes(self.data[entry.value_at : entry.value_at + size])

    def integers(self, entry: Entry) -> list[int]:
        code = INTEGER_FORMATS.get(entry.type)
        if code is None:
            return []
        return list(struct.unpack(f"{self.order}{entry.count}{code}", self.raw(entry)))

    def rationals(self, entry: Entry) -> list[float | None]:
        if entry.type not in (RATIONAL, SRATIONAL):
            return []
        code = "I" if entry.type == RATIONAL else "i"
        numbers = struct.unpack(f"{self.order}{2 * entry.count}{code}", self.raw(entry))
        pairs = zip(numbers[0::2], numbers[1::2], strict=True)
        return [numerator / denominator if denominator else None for numerator, denominator in pairs]

    def text(self, entry: Entry) -> str:
        raw = self.raw(entry)
        if entry.tag in (0x9C9B, 0x9C9C, 0x9C9D, 0x9C9E, 0x9C9F):  # Windows XP* tags are UTF-16LE bytes
            return raw.decode("utf-16-le", errors="replace").rstrip("\x00").strip()
        if entry.type not in (ASCII, BYTE, UNDEFINED):
            return ""
        raw = raw.split(b"\x00", 1)[0] if entry.type == ASCII else raw.rstrip(b"\x00")
        try:
            return raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            return raw.decode("latin-1").strip()

    def _entry(self, at: int) -> Entry:
        tag, kind, count = struct.unpack_from(self.order + "HHI", self.data, at)
        unit = TYPE_SIZES.get(kind)
        outside = unit is not None and unit * count > 4
        value_at = self.base + self._unpack("I", at + 8) if outside else at + 8
        return Entry(tag, kind, count, at, value_at)

    def _unpack(self, code: str, at: int) -> int:
        self._need(at + struct.calcsize(code))
        (value,) = struct.unpack_from(self.order + code, self.data, at)
        return int(value)

    def _need(self, end: int) -> None:
        if end > len(self.data):
            raise self.damaged("it points past its own end")


def read_exif(data: Bytes, source: str) -> Metadata:
    """What a TIFF-structured Exif block reveals (a leading "Exif\\0\\0" is accepted).

    `source` names where the block was found ("EXIF"); positions are reported as f"{source} GPS" and every
    other finding with `source` as its source. Raises MediaFormatError on a damaged block."""
    structure = TiffStructure(data)
    return read_structure(structure, source)


def read_structure(structure: TiffStructure, source: str) -> Metadata:
    """read_exif for an already opened structure (a whole TIFF file, for example)."""
    found = Metadata(format="exif")
    for ifd in structure.chain():
        _read_tags(structure, ifd, source, found)
        exif_entry, gps_entry = ifd.get(EXIF_IFD), ifd.get(GPS_IFD)
        exif_ifd = structure.sub_ifd(exif_entry) if exif_entry else None
        if exif_ifd is not None:
            _read_tags(structure, exif_ifd, source, found)
        gps_ifd = structure.sub_ifd(gps_entry) if gps_entry else None
        if gps_ifd is not None:
            _read_gps(structure, gps_ifd, source, found)
        _read_embedded(structure, ifd, found)
    return found


def orientation_of(data: bytes) -> int | None:
    """The Orientation tag (1–8) of IFD0, or None when absent or out of range."""
    structure = TiffStructure(data)
    if not structure.first_offset:
        return None
    entry = structure.ifd(structure.first_offset).get(ORIENTATION)
    values = structure.integers(entry) if entry else []
    return values[0] if values and 1 <= values[0] <= 8 else None


def orientation_only(orientation: int) -> bytes:
    """A minimal big-endian TIFF block holding nothing but IFD0 with one Orientation entry."""
    entry = struct.pack(">HHIHH", ORIENTATION, SHORT, 1, orientation, 0)
    return b"MM\x00*" + struct.pack(">IH", 8, 1) + entry + struct.pack(">I", 0)


def absorb(into: Metadata, found: Metadata) -> None:
    """Add what a nested block (Exif inside PNG, XMP inside Exif …) revealed to the file's findings."""
    into.locations.extend(found.locations)
    into.items.extend(found.items)
    into.notes.extend(found.notes)


@contextmanager
def naming_file(path: Path) -> Iterator[None]:
    """Attach the file's path to a MediaFormatError raised by a nested reader that did not know it."""
    try:
        yield
    except MediaFormatError as error:
        if error.path is not None:
            raise
        raise MediaFormatError(error.message, path) from None


def _read_tags(structure: TiffStructure, ifd: Ifd, source: str, found: Metadata) -> None:
    for entry in ifd.entries:
        if entry.tag in TAGS:
            text = structure.text(entry)
            if text:
                kind, field = TAGS[entry.tag]
                found.items.append(Item(kind, field, text[:MAX_VALUE_CHARS], source))
        elif entry.tag == MAKER_NOTE:
            found.notes.append(
                f"{source} has a camera maker's note, which can hold the camera's serial number; "
                "this tool does not read inside it."
            )
        elif entry.tag in GEOTIFF_TAGS:
            found.items.append(Item("place", "GeoTIFF", "the picture is tied to map coordinates", source))


def _read_embedded(structure: TiffStructure, ifd: Ifd, found: Metadata) -> None:
    readers = {XMP_TAG: (xmp.read_xmp, "XMP"), IPTC_TAG: (iptc.read_iptc, "IPTC")}
    readers[PHOTOSHOP_TAG] = (iptc.read_photoshop, "Photoshop")
    for tag, (reader, source) in readers.items():
        entry = ifd.get(tag)
        if entry is not None:
            absorb(found, reader(structure.raw(entry), source))


def _read_gps(structure: TiffStructure, ifd: Ifd, source: str, found: Metadata) -> None:
    position = _position(structure, ifd, GPS_LATITUDE, GPS_LONGITUDE, f"{source} GPS", found)
    if position is not None:
        altitude = _altitude(structure, ifd)
        found.locations.append(Location(position[0], position[1], f"{source} GPS", altitude))
    destination = _position(
        structure, ifd, GPS_DEST_LATITUDE, GPS_DEST_LONGITUDE, f"{source} GPS destination", found
    )
    if destination is not None:
        found.locations.append(Location(destination[0], destination[1], f"{source} GPS destination"))
    area, date = ifd.get(GPS_AREA_INFORMATION), ifd.get(GPS_DATE_STAMP)
    if area is not None:
        text = structure.raw(area)[8:].rstrip(b"\x00").decode("utf-8", errors="replace").strip()
        if text:
            found.items.append(Item("place", "GPSAreaInformation", text[:MAX_VALUE_CHARS], source))
    if date is not None and structure.text(date):
        found.items.append(Item("time", "GPSDateStamp", structure.text(date), source))


def _position(
    structure: TiffStructure, ifd: Ifd, lat_tag: int, lon_tag: int, where: str, found: Metadata
) -> tuple[float, float] | None:
    lat_entry, lon_entry = ifd.get(lat_tag), ifd.get(lon_tag)
    if lat_entry is None and lon_entry is None:
        return None
    lat = _degrees(structure, lat_entry, ifd.get(lat_tag - 1), "NS")
    lon = _degrees(structure, lon_entry, ifd.get(lon_tag - 1), "EW")
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        found.notes.append(f"{where} holds a position this tool could not read.")
        return None
    if lat == 0 and lon == 0:
        found.notes.append(f"{where} holds the position 0, 0, which cameras write when they had no fix.")
        return None
    return lat, lon


def _degrees(
    structure: TiffStructure, entry: Entry | None, ref: Entry | None, hemispheres: str
) -> float | None:
    if entry is None:
        return None
    parts = structure.rationals(entry)
    if not 1 <= len(parts) <= 3 or any(part is None for part in parts):
        return None
    weights = (1.0, 1 / 60, 1 / 3600)
    value = sum(part * weight for part, weight in zip(parts, weights, strict=False) if part is not None)
    reference = structure.text(ref).upper()[:1] if ref is not None else hemispheres[0]
    if reference not in hemispheres:
        return None
    return -value if reference == hemispheres[1] else value


def _altitude(structure: TiffStructure, ifd: Ifd) -> float | None:
    entry, ref = ifd.get(GPS_ALTITUDE), ifd.get(GPS_ALTITUDE_REF)
    values = structure.rationals(entry) if entry else []
    if not values or values[0] is None:
        return None
    below_sea = ref is not None and structure.integers(ref)[:1] == [1]
    return -values[0] if below_sea else values[0]
