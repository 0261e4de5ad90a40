"""PNG: location and identity in eXIf and text chunks; stripping by keeping only the chunks that draw.

PNG is a signature followed by typed chunks. Metadata lives in eXIf (an Exif block), tEXt/zTXt/iTXt text
(XMP under the keyword "XML:com.adobe.xmp", ImageMagick's hex-encoded "Raw profile type exif/iptc", and
plain keywords such as Author) and tIME. Stripping copies the chunks that affect the pixels (including
APNG animation frames) byte for byte, drops the rest, and keeps the orientation as a minimal eXIf.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from stalkproof.digital.media import exif, iptc, xmp
from stalkproof.digital.media.model import Item, ItemKind, MediaFormatError, Metadata

name = "PNG"

SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEEP = frozenset(
    {
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD",
        b"pHYs", b"hIST", b"sPLT", b"cICP", b"mDCV", b"cLLI", b"acTL", b"fcTL", b"fdAT",
    }
)  # fmt: skip
TEXT_CHUNKS = frozenset({b"tEXt", b"zTXt", b"iTXt"})
XMP_KEYWORD = "XML:com.adobe.xmp"
RAW_PROFILE = "raw profile type "
KEYWORDS: dict[str, ItemKind] = {
    "author": "identity",
    "copyright": "identity",
    "creation time": "time",
    "software": "device",
    "source": "device",
}
MAX_TEXT = 16 * 1024 * 1024
MAX_CHUNK = 2**31 - 1
COPY_PIECE = 1 << 20

NOT_PNG = "this file does not start like a PNG picture."
CUT_SHORT = "this PNG file ends before its last chunk (IEND), so it may have been cut short."
CHUNK_PAST_END = "a chunk inside this PNG file claims to run past the end of the file, so it is damaged."
BAD_CHUNK = "this PNG file has a chunk with an impossible name or length, so it is damaged."
NO_HEADER = "this PNG file does not begin with its image header (IHDR), so it is damaged."


@dataclass(frozen=True)
class Chunk:
    type: bytes
    length: int
    start: int  # where the chunk's data begins; its length and type field are the 8 bytes before


def matches(head: bytes) -> bool:
    return head[:8] == SIGNATURE


class ChunkWalker:
    """The chunks of a PNG in order, ending with IEND. The stream is repositioned after each chunk, so a
    consumer may read the data of the chunk it was handed. `trailer_size` is set once IEND is reached."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.size = os.fstat(stream.fileno()).st_size
        self.trailer_size = 0

    def __iter__(self) -> Iterator[Chunk]:
        stream = self._stream
        stream.seek(0)
        if stream.read(8) != SIGNATURE:
            raise MediaFormatError(NOT_PNG)
        first = True
        while True:
            head = stream.read(8)
            if len(head) < 8:
                raise MediaFormatError(CUT_SHORT)
            length, kind = struct.unpack(">I4s", head)
            if length > MAX_CHUNK or not kind.isalpha() or not kind.isascii():
                raise MediaFormatError(BAD_CHUNK)
            if first and kind != b"IHDR":
                raise MediaFormatError(NO_HEADER)
            first = False
            start = stream.tell()
            if start + length + 4 > self.size:
                raise MediaFormatError(CHUNK_PAST_END)
            yield Chunk(kind, length, start)
            stream.seek(start + length + 4)
            if kind == b"IEND":
                self.trailer_size = self.size - stream.tell()
                return

    def data(self, chunk: Chunk) -> bytes:
        self._stream.seek(chunk.start)
        return self._stream.read(chunk.length)


def scan(path: Path) -> Metadata:
    with exif.naming_file(path), path.open("rb") as stream:
        found = Metadata(format=name)
        walker = ChunkWalker(stream)
        for chunk in walker:
            if chunk.type == b"eXIf":
                exif.absorb(found, exif.read_exif(walker.data(chunk), "EXIF"))
            elif chunk.type in TEXT_CHUNKS:
                _scan_text(chunk.type, walker.data(chunk), found)
            elif chunk.type == b"tIME":
                _scan_time(walker.data(chunk), found)
        if walker.trailer_size:
            found.notes.append(
                f"There are {walker.trailer_size} bytes after the end of the picture; they are not read "
                "here, and stripping removes them."
            )
        return found


def text_chunk(kind: bytes, data: bytes) -> tuple[str, bytes | None]:
    """The keyword and the (decompressed) text bytes of a tEXt, zTXt or iTXt chunk. The text is None when
    it is too large to decompress safely."""
    keyword_bytes, separator, rest = data.partition(b"\x00")
    if not separator or not 1 <= len(keyword_bytes) <= 79:
        raise MediaFormatError("a text chunk in this PNG file has no valid keyword, so it is damaged.")
    keyword = keyword_bytes.decode("latin-1")
    if kind == b"tEXt":
        return keyword, rest
    if kind == b"zTXt":
        return keyword, _inflate(rest[1:])
    if len(rest) < 2:
        raise MediaFormatError("an international text chunk in this PNG file is cut short, so it is damaged.")
    compressed, rest = rest[0], rest[2:]
    _language, _, rest = rest.partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    return keyword, _inflate(text) if compressed else text


def _inflate(data: bytes) -> bytes | None:
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, MAX_TEXT)
    except zlib.error:
        raise MediaFormatError("a compressed text chunk in this PNG file is damaged.") from None
    return None if inflater.unconsumed_tail else text


def _scan_text(kind: bytes, data: bytes, found: Metadata) -> None:
    keyword, text = text_chunk(kind, data)
    where = f"PNG {kind.decode('ascii')} '{keyword}'"
    if text is None:
        megabytes = MAX_TEXT // (1024 * 1024)
        found.notes.append(f"{where} is larger than {megabytes} MB once unpacked and was not read.")
    elif keyword == XMP_KEYWORD:
        exif.absorb(found, xmp.read_xmp(text, "XMP"))
    elif keyword.lower().startswith(RAW_PROFILE):
        _scan_raw_profile(keyword[len(RAW_PROFILE) :].lower(), text, found)
    else:
        value = text.decode("utf-8" if kind == b"iTXt" else "latin-1", errors="replace").strip()
        if value:
            kind_of = KEYWORDS.get(keyword.lower(), "other")
            found.items.append(Item(kind_of, keyword, value[: exif.MAX_VALUE_CHARS], where))


def raw_profile(text: bytes) -> bytes:
    """The bytes inside ImageMagick's text encoding: a blank line, the profile name, its length, then hex."""
    lines = text.strip().split(b"\n")
    try:
        length = int(lines[1])
        data = bytes.fromhex(b"".join(lines[2:]).decode("ascii"))
    except (IndexError, ValueError, UnicodeDecodeError):
        raise MediaFormatError("a raw metadata profile in this PNG file is damaged.") from None
    if len(data) != length:
        raise MediaFormatError("a raw metadata profile in this PNG file is cut short, so it is damaged.")
    return data


def _scan_raw_profile(profile: str, text: bytes, found: Metadata) -> None:
    data = raw_profile(text)
    xmp_header = b"http://ns.adobe.com/xap/1.0/\x00"
    if profile == "xmp" or data.startswith(xmp_header):
        exif.absorb(found, xmp.read_xmp(data.removeprefix(xmp_header), "XMP"))
    elif profile in ("exif", "app1"):
        exif.absorb(found, exif.read_exif(data, "EXIF"))
    elif profile in ("iptc", "8bim"):
        starts_with_resource = data.startswith((iptc.PHOTOSHOP_HEADER, b"8BIM"))
        reader = iptc.read_photoshop if starts_with_resource else iptc.read_iptc
        exif.absorb(found, reader(data, "IPTC"))
    else:
        found.notes.append(f"PNG has a raw '{profile}' metadata profile that this tool does not read.")


def _scan_time(data: bytes, found: Metadata) -> None:
    if len(data) == 7:
        year, month, day, hour, minute, second = struct.unpack(">HBBBBB", data)
        stamp = f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"
        found.items.append(Item("time", "tIME", stamp, "PNG tIME"))


def strip(source: Path, target: Path) -> list[str]:
    with exif.naming_file(source), source.open("rb") as reading, target.open("wb") as writing:
        removed: dict[str, None] = {}
        writing.write(SIGNATURE)
        walker = ChunkWalker(reading)
        for chunk in walker:
            if chunk.type in KEEP:
                reading.seek(chunk.start - 8)
                _copy(reading, writing, chunk.length + 12)
                continue
            if chunk.type[:1].isupper():
                raise MediaFormatError(
                    f"this PNG file has a required chunk '{chunk.type.decode('ascii')}' that this tool does "
                    "not know, so it was not changed."
                )
            removed[_describe(walker, chunk)] = None
            if chunk.type == b"eXIf":
                orientation = exif.orientation_of(walker.data(chunk))
                if orientation is not None and orientation != 1:
                    writing.write(encode_chunk(b"eXIf", exif.orientation_only(orientation)))
        if walker.trailer_size:
            removed[f"{walker.trailer_size} bytes after the end of the picture"] = None
        return list(removed)


def encode_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _describe(walker: ChunkWalker, chunk: Chunk) -> str:
    if chunk.type == b"eXIf":
        return "Exif metadata (GPS position, camera, times, serial numbers)"
    if chunk.type == b"tIME":
        return "last-modified time (tIME)"
    if chunk.type in TEXT_CHUNKS:
        keyword = walker.data(chunk).partition(b"\x00")[0][:79].decode("latin-1")
        if keyword == XMP_KEYWORD:
            return "XMP metadata (may hold GPS position, place names and names of people)"
        return f"text '{keyword}'"
    return f"'{chunk.type.decode('ascii')}' chunk"


def _copy(reading: BinaryIO, writing: BinaryIO, count: int) -> None:
    while count:
        piece = reading.read(min(count, COPY_PIECE))
        if not piece:
            raise MediaFormatError(CUT_SHORT)
        writing.write(piece)
        count -= len(piece)
