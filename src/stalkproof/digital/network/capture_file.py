"""The packets in a pcap or pcapng file, read record by record without trusting the file.

dpkt decodes the packets themselves (see `pcap.py`), but its file readers stop with an exception at a
damaged end, read a pcapng's first interface only, and cannot tell a packet cut short by the end of the
file from a whole one. Recordings people bring are often copied off phones and routers and cut short, so
the two container formats are read here: every length is checked against what is left, a damaged end
stops the reading and is noted (everything before it stands), and each pcapng interface keeps its own
link type and time resolution.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from stalkproof.digital.network.contact import ReadNotes

# pcap magic numbers as they appear in the file's first four bytes: byte order, and whether the
# fraction of a second is in micro- or nanoseconds.
_PCAP_MAGICS: dict[bytes, tuple[str, int]] = {
    b"\xd4\xc3\xb2\xa1": ("<", 1_000_000),
    b"\xa1\xb2\xc3\xd4": (">", 1_000_000),
    b"\x4d\x3c\xb2\xa1": ("<", 1_000_000_000),
    b"\xa1\xb2\x3c\x4d": (">", 1_000_000_000),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_SECTION_HEADER, _INTERFACE, _SIMPLE_PACKET, _OLD_PACKET, _ENHANCED_PACKET = 0x0A0D0D0A, 1, 3, 2, 6
_OPTION_TSRESOL, _OPTION_TSOFFSET = 9, 14
# No real link layer carries more than this in one packet; a larger length means the file is damaged.
_LARGEST_PACKET = 1 << 18
_LARGEST_BLOCK = 1 << 24


@dataclass(frozen=True, slots=True)
class Record:
    """One packet: its number in the file (from 1), time in seconds since 1970, link type and bytes."""

    number: int
    time: float | None
    link_type: int
    data: bytes
    original_length: int

    @property
    def cut_short(self) -> bool:
        """The recording kept only the first part of this packet (its snapshot length was shorter)."""
        return len(self.data) < self.original_length


def capture_format(first_bytes: bytes) -> str | None:
    """ "pcap", "pcapng", or None, from a file's first four bytes."""
    if first_bytes[:4] in _PCAP_MAGICS:
        return "pcap"
    if first_bytes[:4] == PCAPNG_MAGIC:
        return "pcapng"
    return None


def read_records(path: Path, notes: ReadNotes) -> Iterator[Record]:
    """Every packet record in `path`; `notes.damaged_end` is set when the file stops part-way."""
    with path.open("rb") as stream:
        kind = capture_format(stream.read(4))
        stream.seek(0)
        notes.format = kind or ""
        if kind == "pcap":
            yield from _pcap_records(stream, notes)
        elif kind == "pcapng":
            yield from _pcapng_records(stream, notes)


def _pcap_records(stream: BinaryIO, notes: ReadNotes) -> Iterator[Record]:
    header = stream.read(24)
    if len(header) < 24:
        notes.damaged_end = True
        return
    order, per_second = _PCAP_MAGICS[header[:4]]
    link_type = struct.unpack(order + "I", header[20:24])[0] & 0x0FFFFFFF  # upper bits: FCS length
    number = 0
    while head := stream.read(16):
        if len(head) < 16:
            notes.damaged_end = True
            return
        seconds, fraction, saved, original = struct.unpack(order + "IIII", head)
        if saved > _LARGEST_PACKET:
            notes.damaged_end = True
            return
        data = stream.read(saved)
        if len(data) < saved:
            notes.damaged_end = True
            return
        number += 1
        yield Record(number, seconds + fraction / per_second, link_type, data, max(original, saved))


@dataclass
class _Interface:
    link_type: int
    snap_length: int
    per_second: float = 1_000_000.0
    offset: int = 0


def _pcapng_records(stream: BinaryIO, notes: ReadNotes) -> Iterator[Record]:
    order = "<"
    interfaces: list[_Interface] = []
    number = 0
    while head := stream.read(8):
        if len(head) < 8:
            notes.damaged_end = True
            return
        if head[:4] == PCAPNG_MAGIC:
            # A new section: its byte order is in the body, and its interfaces start again from 0.
            bom = stream.read(4)
            if len(bom) < 4:
                notes.damaged_end = True
                return
            order = "<" if struct.unpack("<I", bom)[0] == _BYTE_ORDER_MAGIC else ">"
            interfaces = []
            if _block_body(stream, order, head, already=4, notes=notes) is None:
                return
            continue
        kind = struct.unpack(order + "I", head[:4])[0]
        body = _block_body(stream, order, head, already=0, notes=notes)
        if body is None:
            return
        if kind == _INTERFACE:
            interfaces.append(_interface(body, order))
            continue
        record = _packet(kind, body, order, interfaces, number + 1)
        if record is not None:
            number += 1
            yield record


def _block_body(stream: BinaryIO, order: str, head: bytes, already: int, notes: ReadNotes) -> bytes | None:
    """The block's body (without the trailing length), or None (and a damaged end) if it does not fit."""
    total = struct.unpack(order + "I", head[4:8])[0]
    if total < 12 + already or total % 4 or total > _LARGEST_BLOCK:
        notes.damaged_end = True
        return None
    rest = stream.read(total - 8 - already)
    if len(rest) < total - 8 - already:
        notes.damaged_end = True
        return None
    return rest[:-4]


def _interface(body: bytes, order: str) -> _Interface:
    if len(body) < 8:
        return _Interface(link_type=-1, snap_length=0)
    link_type, _reserved, snap_length = struct.unpack(order + "HHI", body[:8])
    interface = _Interface(link_type, snap_length)
    for code, value in _options(body[8:], order):
        if code == _OPTION_TSRESOL and value:
            exponent = value[0] & 0x7F
            interface.per_second = float(2**exponent if value[0] & 0x80 else 10**exponent)
        elif code == _OPTION_TSOFFSET and len(value) == 8:
            interface.offset = struct.unpack(order + "q", value)[0]
    return interface


def _options(data: bytes, order: str) -> Iterator[tuple[int, bytes]]:
    position = 0
    while position + 4 <= len(data):
        code, length = struct.unpack(order + "HH", data[position : position + 4])
        if code == 0:
            return
        yield code, data[position + 4 : position + 4 + length]
        position += 4 + length + (-length % 4)


def _packet(kind: int, body: bytes, order: str, interfaces: list[_Interface], number: int) -> Record | None:
    if kind == _ENHANCED_PACKET and len(body) >= 20:
        interface_id, high, low, saved, original = struct.unpack(order + "IIIII", body[:20])
        data = body[20 : 20 + saved]
    elif kind == _OLD_PACKET and len(body) >= 20:
        interface_id, _drops, high, low, saved, original = struct.unpack(order + "HHIIII", body[:20])
        data = body[20 : 20 + saved]
    elif kind == _SIMPLE_PACKET and len(body) >= 4 and interfaces:
        # A simple packet has no time and always belongs to the first interface.
        original = struct.unpack(order + "I", body[:4])[0]
        snap = interfaces[0].snap_length or original
        return Record(number, None, interfaces[0].link_type, body[4 : 4 + min(original, snap)], original)
    else:
        return None
    if interface_id >= len(interfaces):
        return None
    interface = interfaces[interface_id]
    time = interface.offset + ((high << 32) | low) / interface.per_second
    return Record(number, time, interface.link_type, data, max(original, len(data)))
