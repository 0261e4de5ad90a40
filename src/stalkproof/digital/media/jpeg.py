"""JPEG: find location and identity in its segments, and copy it without them, losslessly.

A JPEG is a sequence of marked segments (tables, frame header, APPn metadata, comments), each scan header
followed by entropy-coded picture data, and an end marker. Stripping keeps an allowlist of the segments a
decoder needs (plus JFIF, the colour profile and Adobe's colour-transform flag), copies the picture data
byte for byte, drops everything after the end marker (multi-picture and motion-photo trailers), and writes
back a minimal Exif block holding only the orientation, so the picture still shows the right way up.
The file is streamed in small pieces, so large photos are never held in memory whole.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from stalkproof.digital.media import exif, iptc, xmp
from stalkproof.digital.media.model import Item, MediaFormatError, Metadata

name = "JPEG"

SOI, EOI, SOS, COM, TEM = 0xD8, 0xD9, 0xDA, 0xFE, 0x01
APP0, APP1, APP2, APP13, APP14, APP15 = 0xE0, 0xE1, 0xE2, 0xED, 0xEE, 0xEF
ENTROPY = 0x100  # not a marker: a piece of the coded picture data that follows a scan header
RESTARTS = frozenset(range(0xD0, 0xD8))
# In coded data 0xFF is always followed by a stuffed 0x00 or a restart marker; anything else ends it.
MARKER_IN_DATA = re.compile(rb"\xff[^\x00\xd0-\xd7]")
# Frame headers, Huffman/arithmetic tables, quantisation, restart interval, line count, hierarchical
# and JPEG-LS markers: everything a decoder needs. 0xC8 is reserved and deliberately absent.
IMAGE_MARKERS = frozenset({*range(0xC0, 0xC8), *range(0xC9, 0xD0), 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xF7, 0xF8})
FRAME_MARKERS = IMAGE_MARKERS - {0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xF8}  # start-of-frame only

JFIF = b"JFIF\x00"
JFXX = b"JFXX\x00"
EXIF_SIGNATURE = b"Exif\x00"
XMP_SIGNATURE = b"http://ns.adobe.com/xap/1.0/\x00"
EXTENDED_XMP_SIGNATURE = b"http://ns.adobe.com/xmp/extension/\x00"
ICC_SIGNATURE = b"ICC_PROFILE\x00"
MPF_SIGNATURE = b"MPF\x00"
ADOBE_SIGNATURE = b"Adobe"
PHOTOSHOP_SIGNATURE = iptc.PHOTOSHOP_HEADER
MAX_EXTENDED_XMP = 64 * 1024 * 1024
PIECE = 1 << 16

NOT_JPEG = "this file does not start like a JPEG picture."
SEGMENT_PAST_END = "a section inside this JPEG file claims to run past the end of the file, so it is damaged."
CUT_SHORT = "this JPEG file ends before its picture data is complete, so it may have been cut short."
NO_MARKER = "this JPEG file has unexpected bytes where the next section should start, so it is damaged."
NO_PICTURE = "this JPEG file has no picture data."
BAD_LENGTH = "a section inside this JPEG file has an impossible length, so it is damaged."


@dataclass(frozen=True)
class Segment:
    """One marked segment (`payload` is what follows its length field; empty for standalone markers), or,
    with marker ENTROPY, a piece of coded picture data."""

    marker: int
    payload: bytes
    offset: int

    def encoded(self) -> bytes:
        if self.marker == ENTROPY:
            return self.payload
        if self.marker in (SOI, EOI, TEM) or self.marker in RESTARTS:
            return bytes((0xFF, self.marker))
        return bytes((0xFF, self.marker)) + struct.pack(">H", len(self.payload) + 2) + self.payload


def matches(head: bytes) -> bool:
    return head[:3] == b"\xff\xd8\xff"


class _Reader:
    """A forward-only view of a binary stream with a small look-ahead buffer."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._buffer = b""
        self._position = 0
        self.offset = 0  # absolute file position of the next unread byte

    def read(self, count: int, failure: str) -> bytes:
        if not self._fill(count):
            raise MediaFormatError(failure)
        data = self._buffer[self._position : self._position + count]
        self._consume(count)
        return data

    def marker(self) -> int:
        if self.read(1, CUT_SHORT) != b"\xff":
            raise MediaFormatError(NO_MARKER)
        code = self.read(1, CUT_SHORT)[0]
        while code == 0xFF:  # fill bytes may precede a marker
            code = self.read(1, CUT_SHORT)[0]
        return code

    def entropy(self) -> Iterator[bytes]:
        """The coded data up to (not including) the next marker."""
        while True:
            if not self._fill(2):
                raise MediaFormatError(CUT_SHORT)
            buffer, start = self._buffer, self._position
            found = MARKER_IN_DATA.search(buffer, start)
            if found is not None:
                if found.start() > start:
                    yield buffer[start : found.start()]
                self._consume(found.start() - start)
                return
            end = len(buffer) - 1 if buffer.endswith(b"\xff") else len(buffer)  # its partner is not read yet
            if end > start:
                yield buffer[start:end]
            self._consume(end - start)

    def remaining(self) -> int:
        buffered = len(self._buffer) - self._position
        here = self._stream.tell()
        return buffered + self._stream.seek(0, io.SEEK_END) - here

    def _fill(self, count: int) -> bool:
        if len(self._buffer) - self._position >= count:
            return True
        self._buffer = self._buffer[self._position :]
        self._position = 0
        while len(self._buffer) < count:
            data = self._stream.read(max(PIECE, count - len(self._buffer)))
            if not data:
                return False
            self._buffer += data
        return True

    def _consume(self, count: int) -> None:
        self._position += count
        self.offset += count


class SegmentWalker:
    """Iterates over a JPEG's segments in file order, ending with EOI. `trailer_size` is the number of
    bytes after EOI once iteration has finished. Raises MediaFormatError on damaged input."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.trailer_size = 0

    def __iter__(self) -> Iterator[Segment]:
        reader = _Reader(self._stream)
        if reader.read(2, NOT_JPEG) != b"\xff\xd8":
            raise MediaFormatError(NOT_JPEG)
        yield Segment(SOI, b"", 0)
        seen_frame = seen_scan = False
        while True:
            offset = reader.offset
            marker = reader.marker()
            if marker == EOI:
                if not seen_scan:
                    raise MediaFormatError(NO_PICTURE)
                yield Segment(EOI, b"", offset)
                self.trailer_size = reader.remaining()
                return
            if marker == SOI:
                raise MediaFormatError(NO_MARKER)
            if marker == TEM or marker in RESTARTS:
                yield Segment(marker, b"", offset)
                continue
            (length,) = struct.unpack(">H", reader.read(2, SEGMENT_PAST_END))
            if length < 2:
                raise MediaFormatError(BAD_LENGTH)
            yield Segment(marker, reader.read(length - 2, SEGMENT_PAST_END), offset)
            seen_frame = seen_frame or marker in FRAME_MARKERS
            if marker == SOS:
                if not seen_frame:
                    raise MediaFormatError(NO_PICTURE)
                seen_scan = True
                for piece in reader.entropy():
                    yield Segment(ENTROPY, piece, offset)


def scan(path: Path) -> Metadata:
    with exif.naming_file(path), path.open("rb") as stream:
        return scan_stream(stream)


def scan_stream(stream: BinaryIO) -> Metadata:
    found = Metadata(format=name)
    extended: dict[bytes, _ExtendedXmp] = {}
    photoshop = bytearray()
    walker = SegmentWalker(stream)
    for segment in walker:
        payload = segment.payload
        if segment.marker == APP1:
            _scan_app1(payload, found, extended)
        elif segment.marker == APP13 and payload.startswith(PHOTOSHOP_SIGNATURE):
            photoshop += payload[len(PHOTOSHOP_SIGNATURE) :]  # large resource lists span several segments
        elif segment.marker == COM:
            text = payload.rstrip(b"\x00").decode("utf-8", errors="replace").strip()
            if text:
                found.items.append(Item("other", "Comment", text[: exif.MAX_VALUE_CHARS], "JPEG comment"))
    if photoshop:
        exif.absorb(found, iptc.read_photoshop(bytes(photoshop), "Photoshop"))
    for guid, packet in extended.items():
        _read_extended(guid, packet, found)
    if walker.trailer_size:
        found.notes.append(
            f"There are {walker.trailer_size} bytes after the end of the picture (for example a second "
            "picture or a motion-photo video); they are not read here, and stripping removes them."
        )
    return found


def _scan_app1(payload: bytes, found: Metadata, extended: dict[bytes, _ExtendedXmp]) -> None:
    if payload.startswith(EXIF_SIGNATURE):
        exif.absorb(found, exif.read_exif(payload[len(EXIF_SIGNATURE) + 1 :], "EXIF"))
    elif payload.startswith(XMP_SIGNATURE):
        exif.absorb(found, xmp.read_xmp(payload[len(XMP_SIGNATURE) :], "XMP"))
    elif payload.startswith(EXTENDED_XMP_SIGNATURE):
        part = payload[len(EXTENDED_XMP_SIGNATURE) :]
        if len(part) < 40:
            raise MediaFormatError("an extended XMP section in this JPEG file is too short to be whole.")
        guid = part[:32]
        total, offset = struct.unpack(">II", part[32:40])
        packet = extended.setdefault(guid, _ExtendedXmp(total))
        packet.add(total, offset, part[40:])
    else:
        kind = payload[:32].split(b"\x00", 1)[0].decode("ascii", errors="replace")
        found.notes.append(f"An APP1 section of a kind this tool does not read ('{kind}') was not searched.")


class _ExtendedXmp:
    """XMP too large for one segment, split into pieces that share a GUID and say where they belong.
    Pieces are kept as they come and joined only once they cover the whole packet, so a forged total
    length cannot make the reader reserve memory the file does not back."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.pieces: dict[int, bytes] = {}

    def add(self, total: int, offset: int, piece: bytes) -> None:
        if total != self.total or offset + len(piece) > total:
            raise MediaFormatError("the pieces of the extended XMP in this JPEG file do not fit together.")
        self.pieces[offset] = piece

    def complete(self) -> bool:
        reached = 0
        for offset in sorted(self.pieces):
            if offset > reached:
                return False
            reached = max(reached, offset + len(self.pieces[offset]))
        return reached == self.total

    def packet(self) -> bytes:
        joined = bytearray(self.total)
        for offset, piece in self.pieces.items():
            joined[offset : offset + len(piece)] = piece
        return bytes(joined)


def _read_extended(guid: bytes, packet: _ExtendedXmp, found: Metadata) -> None:
    label = guid.decode("ascii", errors="replace")
    if packet.total > MAX_EXTENDED_XMP:
        found.notes.append(f"The extended XMP {label} is larger than any real photo's and was not read.")
    elif not packet.complete():
        found.notes.append(f"Part of the extended XMP {label} is missing, so it could not be read.")
    else:
        exif.absorb(found, xmp.read_xmp(packet.packet(), "XMP"))


def strip(source: Path, target: Path) -> list[str]:
    with exif.naming_file(source), source.open("rb") as reading, target.open("wb") as writing:
        return strip_stream(reading, writing)


def strip_stream(reading: BinaryIO, writing: BinaryIO) -> list[str]:
    """Copy the JPEG in `reading` to `writing` without metadata; return what was removed, in words."""
    removed: dict[str, None] = {}  # ordered and without repeats
    # Kept segments before the first scan: written there, once the orientation is known.
    header: list[Segment] | None = []
    orientation: int | None = None
    walker = SegmentWalker(reading)
    for segment in walker:
        if segment.marker == SOI:
            writing.write(segment.encoded())
            continue
        if header is not None and segment.marker == SOS:
            _write_header(writing, header, orientation)
            header = None
        reason = _removal_reason(segment)
        if reason is None:
            if header is not None:
                header.append(segment)
            else:
                writing.write(segment.encoded())
            continue
        removed[reason] = None
        if orientation is None and segment.marker == APP1 and segment.payload.startswith(EXIF_SIGNATURE):
            orientation = exif.orientation_of(segment.payload[len(EXIF_SIGNATURE) + 1 :])
    if walker.trailer_size:
        trailer = f"{walker.trailer_size} bytes after the end of the picture (a second picture or a video)"
        removed[trailer] = None
    return list(removed)


def _write_header(writing: BinaryIO, header: list[Segment], orientation: int | None) -> None:
    jfif = [segment for segment in header if segment.marker == APP0]
    for segment in jfif:
        writing.write(segment.encoded())
    if orientation is not None and orientation != 1:
        payload = EXIF_SIGNATURE + b"\x00" + exif.orientation_only(orientation)
        writing.write(Segment(APP1, payload, 0).encoded())
    for segment in header:
        if segment.marker != APP0:
            writing.write(segment.encoded())


def _removal_reason(segment: Segment) -> str | None:
    """None to keep the segment; otherwise what it is, in words."""
    marker, payload = segment.marker, segment.payload
    if marker in (ENTROPY, EOI, SOS, TEM) or marker in IMAGE_MARKERS or marker in RESTARTS:
        return None
    if marker == APP0:
        return None if payload.startswith(JFIF) else "JFIF thumbnail or other APP0 data"
    if marker == APP1:
        return _app1_reason(payload)
    if marker == APP2:
        if payload.startswith(ICC_SIGNATURE):
            return None
        return "multi-picture index (MPF)" if payload.startswith(MPF_SIGNATURE) else "APP2 application data"
    if marker == APP13:
        return "Photoshop and IPTC metadata (may hold place names and the creator's name)"
    if marker == APP14 and payload.startswith(ADOBE_SIGNATURE):
        return None  # tells decoders how the colours were transformed: needed for correct pixels
    if APP0 <= marker <= APP15:
        return f"APP{marker - APP0} application data"
    if marker == COM:
        return "comment"
    raise MediaFormatError(
        f"this JPEG file contains a section of a kind this tool does not know (marker 0x{marker:02X}), "
        "so it was not changed."
    )


def _app1_reason(payload: bytes) -> str:
    if payload.startswith(EXIF_SIGNATURE):
        return "Exif metadata (GPS position, camera, times, serial numbers)"
    if payload.startswith(XMP_SIGNATURE):
        return "XMP metadata (may hold GPS position, place names and names of people)"
    if payload.startswith(EXTENDED_XMP_SIGNATURE):
        return "extended XMP metadata"
    return "APP1 application data"
