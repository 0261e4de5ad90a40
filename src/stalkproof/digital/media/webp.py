"""WebP: Exif and XMP chunks in a RIFF container; stripping drops them and fixes the headers that list them.

A WebP file is "RIFF", the size of everything after it, "WEBP", then chunks (four-letter type, size, data
padded to an even length). Extended files start with a VP8X chunk whose flags announce Exif, XMP, ICC,
alpha and animation. Stripping copies the image, alpha, animation and colour-profile chunks as they are,
drops the Exif, XMP and unknown chunks, clears their VP8X flags and writes the new RIFF size. When the
picture had a rotation, a minimal Exif chunk with only the orientation takes the old one's place.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from stalkproof.digital.media import exif, xmp
from stalkproof.digital.media.model import MediaFormatError, Metadata

name = "WebP"

KEEP = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"})
EXIF_CHUNK, XMP_CHUNK, VP8X = b"EXIF", b"XMP ", b"VP8X"
EXIF_FLAG, XMP_FLAG = 0x08, 0x04
COPY_PIECE = 1 << 20

NOT_WEBP = "this file does not start like a WebP picture."
SIZE_LIES = "this WebP file's own size field does not match its real size, so it is damaged or cut short."
CHUNK_PAST_END = "a chunk inside this WebP file claims to run past the end of the file, so it is damaged."
NO_IMAGE = "this WebP file has no image data."


@dataclass(frozen=True)
class Chunk:
    type: bytes
    length: int
    start: int  # where the chunk's data begins; the 8-byte type and size come just before


def matches(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def chunks(stream: BinaryIO) -> list[Chunk]:
    """The top-level chunks, after checking the RIFF size against the file and each chunk against both."""
    size = os.fstat(stream.fileno()).st_size
    stream.seek(0)
    header = stream.read(12)
    if len(header) < 12 or not matches(header):
        raise MediaFormatError(NOT_WEBP)
    (riff_size,) = struct.unpack("<I", header[4:8])
    if riff_size + 8 != size:
        raise MediaFormatError(SIZE_LIES)
    found: list[Chunk] = []
    position = 12
    while position < size:
        stream.seek(position)
        head = stream.read(8)
        if len(head) < 8:
            raise MediaFormatError(CHUNK_PAST_END)
        kind, length = struct.unpack("<4sI", head)
        start = position + 8
        if start + length + (length & 1) > size:
            raise MediaFormatError(CHUNK_PAST_END)
        found.append(Chunk(kind, length, start))
        position = start + length + (length & 1)
    if not any(chunk.type in (b"VP8 ", b"VP8L", b"ANMF") for chunk in found):
        raise MediaFormatError(NO_IMAGE)
    return found


def _data(stream: BinaryIO, chunk: Chunk) -> bytes:
    stream.seek(chunk.start)
    return stream.read(chunk.length)


def scan(path: Path) -> Metadata:
    with exif.naming_file(path), path.open("rb") as stream:
        found = Metadata(format=name)
        for chunk in chunks(stream):
            if chunk.type == EXIF_CHUNK:
                exif.absorb(found, exif.read_exif(_data(stream, chunk), "EXIF"))
            elif chunk.type == XMP_CHUNK:
                exif.absorb(found, xmp.read_xmp(_data(stream, chunk), "XMP"))
            elif chunk.type not in KEEP:
                found.notes.append(f"WebP has a '{_label(chunk)}' chunk that this tool does not read.")
        return found


def strip(source: Path, target: Path) -> list[str]:
    with exif.naming_file(source), source.open("rb") as reading, target.open("wb") as writing:
        return _strip(reading, writing)


def _strip(reading: BinaryIO, writing: BinaryIO) -> list[str]:
    found = chunks(reading)
    orientation = _orientation(reading, found)
    extended = any(chunk.type == VP8X for chunk in found)
    keep_rotation = orientation is not None and orientation != 1 and extended
    removed: dict[str, None] = {}
    writing.write(b"RIFF\x00\x00\x00\x00WEBP")  # the size is written once the content is known
    for chunk in found:
        if chunk.type == VP8X:
            writing.write(_vp8x(_data(reading, chunk), keep_rotation))
        elif chunk.type in KEEP:
            reading.seek(chunk.start - 8)
            _copy(reading, writing, 8 + chunk.length + (chunk.length & 1))
        else:
            removed[_describe(chunk)] = None
            if chunk.type == EXIF_CHUNK and keep_rotation and orientation is not None:
                writing.write(_encode(EXIF_CHUNK, exif.orientation_only(orientation)))
    end = writing.tell()
    writing.seek(4)
    writing.write(struct.pack("<I", end - 8))
    writing.seek(end)
    return list(removed)


def _orientation(reading: BinaryIO, found: list[Chunk]) -> int | None:
    exif_chunk = next((chunk for chunk in found if chunk.type == EXIF_CHUNK), None)
    return exif.orientation_of(_data(reading, exif_chunk)) if exif_chunk else None


def _vp8x(data: bytes, keep_rotation: bool) -> bytes:
    if len(data) < 10:
        raise MediaFormatError("this WebP file's extended header (VP8X) is too short, so it is damaged.")
    flags = data[0] & ~(EXIF_FLAG | XMP_FLAG)
    if keep_rotation:
        flags |= EXIF_FLAG
    return _encode(VP8X, bytes([flags]) + data[1:])


def _encode(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) & 1 else b"")


def _label(chunk: Chunk) -> str:
    return chunk.type.decode("latin-1").strip()


def _describe(chunk: Chunk) -> str:
    if chunk.type == EXIF_CHUNK:
        return "Exif metadata (GPS position, camera, times, serial numbers)"
    if chunk.type == XMP_CHUNK:
        return "XMP metadata (may hold GPS position, place names and names of people)"
    return f"'{_label(chunk)}' chunk"


def _copy(reading: BinaryIO, writing: BinaryIO, count: int) -> None:
    while count:
        piece = reading.read(min(count, COPY_PIECE))
        if not piece:
            raise MediaFormatError(CHUNK_PAST_END)
        writing.write(piece)
        count -= len(piece)
