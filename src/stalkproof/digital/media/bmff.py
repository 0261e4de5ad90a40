"""Walking the boxes of an ISO base media file (MP4, MOV, 3GP, HEIC, AVIF) without loading its media.

A box is `size:u32 type:4cc [largesize:u64] [usertype:16 bytes if type is uuid] body`. Files reach
gigabytes, so the walker seeks from header to header and reads only the small boxes a caller asks for;
`mdat` is never read. Every size is checked against the box that holds it and against the end of the
file, because a damaged or hostile file must be refused with the offset of the bad box, not half-read.

The module also holds what `quicktime.py` and `heif.py` share: a bounds-checked byte cursor for box
bodies, the `ftyp` brand families, size-preserving blanking of a box, and lazy access to the Exif and XMP
readers that live in their own modules.
"""

from __future__ import annotations

import importlib
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal, cast

from stalkproof.digital.media.model import MediaFormatError, Metadata

FREE = b"free"
UUID = b"uuid"
# Bodies read into memory (item tables, metadata atoms) are small in real files; a larger claim means a
# damaged or hostile file, and refusing it keeps memory bounded.
MAX_BODY_READ = 64 * 1024 * 1024
MAX_BOXES = 200_000
MAX_DEPTH = 24
_ZERO_CHUNK = bytes(1024 * 1024)

# Brands (ftyp) of still images in the HEIF family, including AVIF and image sequences.
HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"mif2", b"msf1", b"avif", b"avis"}
)
# Major brands of ordinary video files that may still list a HEIF brand as compatible.
VIDEO_MAJOR_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"qt  ", b"M4V ", b"avc1", b"3gp4",
     b"3gp5", b"3gp6", b"3g2a", b"dash", b"MSNV", b"f4v "}
)  # fmt: skip
# ISO-based formats that are neither video nor HEIF (Canon raw, JPEG 2000): other tools handle them.
FOREIGN_BRANDS = frozenset({b"crx ", b"jp2 ", b"jpx ", b"jpm "})
# Old QuickTime files have no ftyp and start with one of these.
BARE_QUICKTIME_TYPES = frozenset({b"moov", b"mdat", b"wide", b"pnot"})

BrandFamily = Literal["heif", "quicktime"]


@dataclass(frozen=True)
class Box:
    """One box: where its header starts, how long it is in all, and how long its header is."""

    type: bytes
    offset: int
    size: int
    header_size: int
    user_type: bytes | None = None

    @property
    def end(self) -> int:
        return self.offset + self.size

    @property
    def body_offset(self) -> int:
        return self.offset + self.header_size

    @property
    def body_size(self) -> int:
        return self.size - self.header_size

    @property
    def name(self) -> str:
        """The box type as people write it (`moov`, `©xyz`)."""
        return self.type.decode("latin-1")


class ByteCursor:
    """Reads big-endian fields from a box body; running off the end raises MediaFormatError naming the
    byte offset in the file, so a truncated table is reported rather than misread."""

    def __init__(self, data: bytes, file_offset: int, path: Path, what: str) -> None:
        self.data = data
        self.position = 0
        self.file_offset = file_offset
        self.path = path
        self.what = what

    @property
    def remaining(self) -> int:
        return len(self.data) - self.position

    def take(self, count: int) -> bytes:
        if count < 0 or self.position + count > len(self.data):
            at = self.file_offset + self.position
            raise MediaFormatError(
                f"the {self.what} at byte {at} is cut short, so the file is damaged.", self.path
            )
        chunk = self.data[self.position : self.position + count]
        self.position += count
        return chunk

    def uint(self, width: int) -> int:
        """An unsigned integer of `width` bytes (0 bytes reads as 0, as ISO tables allow)."""
        return int.from_bytes(self.take(width), "big") if width else 0

    def int32(self) -> int:
        return cast(int, struct.unpack(">i", self.take(4))[0])

    def fourcc(self) -> bytes:
        return self.take(4)

    def cstring(self) -> bytes:
        """Bytes up to a NUL (consumed); to the end of the body when there is none, as some writers do."""
        end = self.data.find(b"\0", self.position)
        if end < 0:
            return self.take(self.remaining)
        value = self.data[self.position : end]
        self.position = end + 1
        return value

    def rest(self) -> bytes:
        return self.take(self.remaining)


class BoxReader:
    """Seek-based access to the boxes of one open file."""

    def __init__(self, file: BinaryIO, path: Path, file_size: int) -> None:
        self.file = file
        self.path = path
        self.file_size = file_size
        self._boxes_seen = 0

    def fail(self, message: str) -> MediaFormatError:
        return MediaFormatError(message, self.path)

    def read_at(self, offset: int, size: int) -> bytes:
        if offset < 0 or size < 0 or offset + size > self.file_size:
            raise self.fail(f"a read of {size} bytes at byte {offset} runs past the end of the file.")
        self.file.seek(offset)
        data = self.file.read(size)
        if len(data) != size:
            raise self.fail(f"the file ended early at byte {offset + len(data)}; was it changed while read?")
        return data

    def top_level(self) -> list[Box]:
        return self.boxes(0, self.file_size, None)

    def boxes(self, start: int, end: int, parent: Box | None) -> list[Box]:
        """The boxes between `start` and `end` (a parent's body, or the whole file)."""
        found: list[Box] = []
        position = start
        while position < end:
            box = self._box_at(position, end, parent)
            if box is None:
                break
            found.append(box)
            position = box.end
        return found

    def _box_at(self, position: int, end: int, parent: Box | None) -> Box | None:
        holder = "the file" if parent is None else f"the '{parent.name}' box at byte {parent.offset}"
        if end - position < 8:
            # QuickTime ends some atom lists with a 32-bit zero; any other leftover is damage.
            if self.read_at(position, end - position).strip(b"\0") == b"":
                return None
            raise self.fail(f"{holder} ends with {end - position} stray bytes at byte {position}.")
        self._boxes_seen += 1
        if self._boxes_seen > MAX_BOXES:
            raise self.fail(f"the file has more than {MAX_BOXES} boxes, which no real file needs.")
        size, box_type = struct.unpack(">I4s", self.read_at(position, 8))
        header = 8
        if size == 1:
            if end - position < 16:
                raise self.fail(f"the '{_name(box_type)}' box at byte {position} is cut short.")
            size = struct.unpack(">Q", self.read_at(position + 8, 8))[0]
            header = 16
        elif size == 0:
            size = end - position
        user_type = None
        if box_type == UUID:
            if size < header + 16 or end - position < header + 16:
                raise self.fail(f"the 'uuid' box at byte {position} is cut short.")
            user_type = self.read_at(position + header, 16)
            header += 16
        if size < header:
            raise self.fail(
                f"the '{_name(box_type)}' box at byte {position} claims an impossible size of {size}."
            )
        if position + size > end:
            raise self.fail(
                f"the '{_name(box_type)}' box at byte {position} claims {size} bytes, which runs past "
                f"the end of {holder} at byte {end}, so the file is damaged."
            )
        return Box(box_type, position, size, header, user_type)

    def children(self, box: Box) -> list[Box]:
        """The boxes inside a container, skipping the version/flags or counts some containers start with."""
        skip = self._child_offset(box)
        if skip > box.body_size:
            raise self.fail(f"the '{box.name}' box at byte {box.offset} is too short to hold anything.")
        return self.boxes(box.body_offset + skip, box.end, box)

    def _child_offset(self, box: Box) -> int:
        if box.type == b"meta":
            return self._meta_child_offset(box)
        if box.type in (b"stsd", b"dref"):
            return 8  # version/flags, entry count
        if box.type == b"iinf":
            version = self.read_at(box.body_offset, 1)[0] if box.body_size else 0
            return 6 if version == 0 else 8
        if box.type == b"iref":
            return 4
        return 0

    def _meta_child_offset(self, box: Box) -> int:
        """ISO `meta` is a full box (4 bytes of version and flags, always zero); QuickTime's `meta`
        starts straight with its first child, whose size is never zero."""
        if box.body_size < 4:
            return 0
        return 4 if self.read_at(box.body_offset, 4) == b"\0\0\0\0" else 0

    def body(self, box: Box, limit: int = MAX_BODY_READ) -> bytes:
        if box.body_size > limit:
            raise self.fail(
                f"the '{box.name}' box at byte {box.offset} claims {box.body_size} bytes, far more than "
                "such a box ever needs."
            )
        return self.read_at(box.body_offset, box.body_size)

    def cursor(self, box: Box) -> ByteCursor:
        return ByteCursor(self.body(box), box.body_offset, self.path, f"'{box.name}' box")

    def walk(
        self,
        boxes: list[Box],
        descend: Callable[[tuple[bytes, ...], Box], bool],
        trail: tuple[bytes, ...] = (),
    ) -> Iterator[tuple[tuple[bytes, ...], Box]]:
        """Every box with the types of the boxes above it, entering a box only when `descend` says so."""
        if len(trail) > MAX_DEPTH:
            raise self.fail(f"the boxes are nested more than {MAX_DEPTH} deep, which no real file needs.")
        for box in boxes:
            yield trail, box
            if descend(trail, box):
                yield from self.walk(self.children(box), descend, (*trail, box.type))


@contextmanager
def open_boxes(path: Path) -> Iterator[BoxReader]:
    with path.open("rb") as file:
        size = file.seek(0, 2)
        yield BoxReader(file, path, size)


def _name(box_type: bytes) -> str:
    return box_type.decode("latin-1")


def ftyp_brands(head: bytes) -> tuple[bytes, list[bytes]] | None:
    """Major and compatible brands from an `ftyp` box at the start of `head`, or None if there is none."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = int.from_bytes(head[:4], "big")
    if size < 16:
        return None
    brands_end = min(size, len(head))
    compatible = [head[i : i + 4] for i in range(16, brands_end - 3, 4)]
    return head[8:12], compatible


def brand_family(head: bytes) -> BrandFamily | None:
    """Which of our modules reads a file with this start: HEIF images, QuickTime/MP4 video, or neither."""
    brands = ftyp_brands(head)
    if brands is None:
        if (
            len(head) >= 8
            and head[4:8] in BARE_QUICKTIME_TYPES
            and int.from_bytes(head[:4], "big") not in range(2, 8)
        ):
            return "quicktime"
        return None
    major, compatible = brands
    if major in FOREIGN_BRANDS:
        return None
    if major in HEIF_BRANDS:
        return "heif"
    if major not in VIDEO_MAJOR_BRANDS and HEIF_BRANDS.intersection(compatible):
        return "heif"
    return "quicktime"


def blank_box(file: BinaryIO, box: Box) -> None:
    """Turn a box into a `free` box of the same size with an all-zero body: readers skip it, no offset in
    the file moves, and none of its old content is left behind."""
    file.seek(box.offset + 4)
    file.write(FREE)
    size_fields = box.header_size - (16 if box.user_type is not None else 0)
    zero_range(file, box.offset + size_fields, box.size - size_fields)


def zero_range(file: BinaryIO, offset: int, size: int) -> None:
    file.seek(offset)
    while size > 0:
        chunk = min(size, len(_ZERO_CHUNK))
        file.write(_ZERO_CHUNK[:chunk])
        size -= chunk


def read_exif_lazily(data: bytes, source: str) -> Metadata | None:
    """The Exif reader's answer, or None while that module is not installed."""
    return _read_nested("stalkproof.digital.media.exif", "read_exif", data, source)


def read_xmp_lazily(packet: bytes, source: str) -> Metadata | None:
    """The XMP reader's answer, or None while that module is not installed."""
    return _read_nested("stalkproof.digital.media.xmp", "read_xmp", packet, source)


def _read_nested(module_name: str, function: str, data: bytes, source: str) -> Metadata | None:
    reader = _lazy_reader(module_name, function)
    if reader is None:
        return None
    try:
        return reader(data, source)
    except MediaFormatError as error:
        # A damaged block inside an intact container: say so, and let strip remove it all the same.
        return Metadata("damaged", notes=[f"The {source} is damaged and could not be read ({error.message})"])


def _lazy_reader(module_name: str, function: str) -> Callable[[bytes, str], Metadata] | None:
    # Imported on use: the Exif/XMP readers are a separate module and may be absent in a partial install.
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        return None
    return cast(Callable[[bytes, str], Metadata], getattr(module, function))


def merge(into: Metadata, found: Metadata) -> None:
    into.locations.extend(found.locations)
    into.items.extend(found.items)
    into.notes.extend(found.notes)
