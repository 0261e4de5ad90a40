"""Location and identity in QuickTime (MOV) and MP4 video: where phones and cameras put them, and how to
take them out without touching a single media sample.

Where they live (all inside `moov`, never inside the media data):
- `udta` atoms: `©xyz` (an ISO 6709 string such as "+51.5074-000.1278/"), 3GPP `loci` (fixed-point
  longitude, latitude and altitude with a place name), `©mak` `©mod` `©swr` `©day` `©ART` `©aut`, 3GPP
  `auth`, and XMP as `XMP_`; at movie and at track level.
- `meta` boxes: Apple's `keys` + `ilst` pairs (`com.apple.quicktime.location.ISO6709`, `…location.name`,
  `…make`, `…model`, …), or iTunes-style `ilst` items named by the same © atoms.
- an XMP `uuid` box, usually at the top level.

Stripping blanks those boxes in place (renamed to `free`, body zeroed) on a copy, so the file keeps its
size and every chunk offset in `stco`/`co64` stays right. Timed GPS tracks (GoPro `gpmd`, Google `camm`,
dashcam `gps ` tables) keep their coordinates in the media data itself, which cannot be removed this way:
scanning says so, and stripping refuses such a file.
"""

from __future__ import annotations

import re
import shutil
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from stalkproof.digital.media import bmff
from stalkproof.digital.media.bmff import Box, BoxReader, ByteCursor
from stalkproof.digital.media.model import Item, ItemKind, Location, MediaFormatError, Metadata

name = "quicktime"

XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
# Kinds of metadata that `strip` removes; times stay (the file's own mvhd times hold them anyway).
STRIPPED_KINDS: frozenset[ItemKind] = frozenset({"location", "place", "identity", "device"})
GPS_TRACK_TYPES = frozenset({b"gpmd", b"camm"})
GPS_TRACK_NOTE = "This video may hold a GPS track in its media data, which stalkproof cannot strip."

_DESCEND = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta"})
_ATOM_FIELDS: dict[bytes, tuple[ItemKind, str]] = {
    b"\xa9xyz": ("location", "location"),
    b"\xa9mak": ("device", "make"),
    b"\xa9mod": ("device", "model"),
    b"\xa9swr": ("device", "software"),
    b"\xa9day": ("time", "date"),
    b"\xa9ART": ("identity", "artist"),
    b"\xa9aut": ("identity", "author"),
}
_KEY_FIELDS: dict[str, tuple[ItemKind, str]] = {
    "com.apple.quicktime.location.iso6709": ("location", "location"),
    "com.apple.quicktime.location.name": ("place", "location name"),
    "com.apple.quicktime.location.body": ("place", "location body"),
    "com.apple.quicktime.location.note": ("place", "location note"),
    "com.apple.quicktime.make": ("device", "make"),
    "com.apple.quicktime.model": ("device", "model"),
    "com.apple.quicktime.software": ("device", "software"),
    "com.apple.quicktime.creationdate": ("time", "creation date"),
    "com.apple.quicktime.author": ("identity", "author"),
    "com.apple.quicktime.artist": ("identity", "artist"),
}
_TEXT_ATOM_LIMIT = 1024 * 1024


@dataclass
class Finding:
    """One box that reveals something, with what it reveals; `strip` blanks it when `removable`."""

    box: Box
    label: str
    locations: list[Location] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    whole_box: bool = False  # XMP: removed whatever it turned out to hold

    @property
    def removable(self) -> bool:
        return self.whole_box or bool(self.locations) or any(i.kind in STRIPPED_KINDS for i in self.items)


@dataclass
class Survey:
    """What one walk over the boxes found."""

    format: str
    findings: list[Finding] = field(default_factory=list)
    gps_tracks: list[str] = field(default_factory=list)

    def metadata(self) -> Metadata:
        found = Metadata(self.format)
        for finding in self.findings:
            found.locations.extend(finding.locations)
            found.items.extend(finding.items)
            found.notes.extend(finding.notes)
        if self.gps_tracks:
            found.notes.append(GPS_TRACK_NOTE)
        return found


def matches(head: bytes) -> bool:
    return bmff.brand_family(head) == "quicktime"


def format_of(head: bytes) -> str:
    """The format name: mov for QuickTime files (brand `qt  `, or no ftyp at all), mp4 for the rest."""
    brands = bmff.ftyp_brands(head)
    return "mov" if brands is None or brands[0] == b"qt  " else "mp4"


def scan(path: Path) -> Metadata:
    with bmff.open_boxes(path) as reader:
        return survey(reader, format_of(reader.read_at(0, min(64, reader.file_size)))).metadata()


def strip(source: Path, target: Path) -> list[str]:
    with bmff.open_boxes(source) as reader:
        found = survey(reader, format_of(reader.read_at(0, min(64, reader.file_size))))
    refuse_gps_tracks(found)
    shutil.copyfile(source, target)
    removed = blank_findings(target, found.findings)
    check_clean(scan, target, source)
    return removed


def refuse_gps_tracks(found: Survey) -> None:
    if found.gps_tracks:
        kinds = ", ".join(sorted(set(found.gps_tracks)))
        raise MediaFormatError(
            f"this video holds a timed GPS track ({kinds}) inside its media data, which stalkproof cannot "
            "remove without re-encoding the video."
        )


def blank_findings(target: Path, findings: list[Finding]) -> list[str]:
    """Blank every removable finding's box in `target`; the words for what went."""
    removed: list[str] = []
    with target.open("r+b") as file:
        for finding in findings:
            if finding.removable:
                bmff.blank_box(file, finding.box)
                if finding.label not in removed:
                    removed.append(finding.label)
    return removed


def check_clean(scan_copy: Callable[[Path], Metadata], target: Path, source: Path) -> None:
    """Fail closed: the copy must read back and no longer reveal any location, identity or device.
    Errors name `source`, the file the person chose; the copy is deleted by the caller."""
    try:
        after = scan_copy(target)
    except MediaFormatError as error:
        raise MediaFormatError("the cleaned copy could not be read back.", source) from error
    left = [f"{item.field} ({item.source})" for item in after.items if item.kind in STRIPPED_KINDS]
    left += [location.source for location in after.locations]
    if left:
        raise MediaFormatError(f"some metadata could not be removed ({', '.join(left)}).", source)


def survey(reader: BoxReader, format_name: str, boxes: list[Box] | None = None) -> Survey:
    """Walk `moov` and the top level (or `boxes`) and collect every revealing box."""
    found = Survey(format_name)
    for trail, box in reader.walk(reader.top_level() if boxes is None else boxes, _descend):
        _visit(reader, trail, box, found)
    return found


def _descend(trail: tuple[bytes, ...], box: Box) -> bool:
    return box.type in _DESCEND


def _visit(reader: BoxReader, trail: tuple[bytes, ...], box: Box, found: Survey) -> None:
    parent = trail[-1] if trail else b""
    if box.type == bmff.UUID and box.user_type == XMP_UUID:
        found.findings.append(_xmp_finding(reader, box, "QuickTime XMP uuid box"))
    elif box.type == b"meta":
        found.findings.extend(_meta_findings(reader, box))
    elif parent == b"udta":
        finding = _udta_finding(reader, box, "QuickTime track" if b"trak" in trail else "QuickTime")
        if finding is not None:
            found.findings.append(finding)
    elif box.type == b"hdlr" and parent == b"mdia":
        handler = _handler_type(reader, box)
        if handler in GPS_TRACK_TYPES:
            found.gps_tracks.append(handler.decode("latin-1"))
    elif box.type == b"stsd":
        found.gps_tracks.extend(c.name for c in reader.children(box) if c.type in GPS_TRACK_TYPES)
    elif box.type == b"gps " and parent == b"moov":
        found.gps_tracks.append("gps ")


def _udta_finding(reader: BoxReader, box: Box, flavour: str) -> Finding | None:
    if box.type in _ATOM_FIELDS:
        return _atom_finding(box, _text_atom(reader, box), flavour)
    if box.type == b"loci":
        return _loci_finding(reader, box)
    if box.type == b"auth":
        author = _three_gpp_string(reader.cursor(box), skip=6)
        return Finding(box, "3GPP author", items=[Item("identity", "author", author, "3GPP auth")])
    if box.type == b"XMP_":
        return _xmp_finding(reader, box, "QuickTime XMP_ atom")
    return None


def _atom_finding(box: Box, value: str, flavour: str) -> Finding:
    kind, field_name = _ATOM_FIELDS[box.type]
    source = f"{flavour} {box.name}"
    return _value_finding(box, kind, field_name, value, source)


def _value_finding(box: Box, kind: ItemKind, field_name: str, value: str, source: str) -> Finding:
    if kind == "location":
        point = parse_iso6709(value)
        if point is not None:
            lat, lon, altitude = point
            return Finding(box, f"location ({source})", locations=[Location(lat, lon, source, altitude)])
        kind = "place"  # unreadable coordinates are still removed, as a place
    return Finding(box, f"{field_name} ({source})", items=[Item(kind, field_name, value, source)])


def _text_atom(reader: BoxReader, box: Box) -> str:
    """A QuickTime user-data text atom (`u16 length, u16 language, text`), or an iTunes-style item whose
    value sits in a `data` box."""
    body = reader.body(box, _TEXT_ATOM_LIMIT)
    if len(body) >= 16 and body[4:8] == b"data":
        values = _data_values(reader, box)
        return values[0] if values else ""
    if len(body) < 4:
        return _decode_text(body)
    length, language = struct.unpack(">HH", body[:4])
    text = body[4 : 4 + length] if 0 < length <= len(body) - 4 else body[4:]
    return _decode_text(text, mac_roman=language < 0x400 and language != 0)


def _decode_text(raw: bytes, mac_roman: bool = False) -> str:
    raw = raw.rstrip(b"\0")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("mac_roman" if mac_roman else "latin-1")


def _data_values(reader: BoxReader, item: Box) -> list[str]:
    """The values of the `data` boxes inside an `ilst` item, as text."""
    values = []
    for child in reader.children(item):
        if child.type != b"data":
            continue
        cursor = reader.cursor(child)
        type_code = cursor.uint(4) & 0xFFFFFF
        cursor.uint(4)  # locale
        values.append(_typed_value(type_code, cursor.rest()))
    return values


def _typed_value(type_code: int, raw: bytes) -> str:
    if type_code == 2:
        return raw.decode("utf-16-be", errors="replace")
    if type_code in (21, 22) and 0 < len(raw) <= 8:
        return str(int.from_bytes(raw, "big", signed=type_code == 21))
    if type_code == 23 and len(raw) == 4:
        return str(struct.unpack(">f", raw)[0])
    if type_code == 24 and len(raw) == 8:
        return str(struct.unpack(">d", raw)[0])
    return _decode_text(raw)


def _loci_finding(reader: BoxReader, box: Box) -> Finding:
    """3GPP location: version/flags, language, name, role, longitude, latitude, altitude (16.16 fixed
    point, longitude first), astronomical body, notes."""
    cursor = reader.cursor(box)
    source = "QuickTime loci (3GPP)"
    place = _three_gpp_string(cursor, skip=6)
    finding = Finding(box, f"location ({source})")
    if place:
        finding.items.append(Item("place", "location name", place, source))
    if cursor.remaining < 13:
        finding.items.append(Item("place", "location", "(unreadable coordinates)", source))
        return finding
    cursor.take(1)  # role
    lon, lat, altitude = (cursor.int32() / 65536 for _ in range(3))
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        finding.locations.append(Location(lat, lon, source, altitude))
    else:
        finding.items.append(Item("place", "location", f"{lat} {lon}", source))
    _three_gpp_string(cursor, skip=0)  # astronomical body ("earth")
    notes = _three_gpp_string(cursor, skip=0) if cursor.remaining else ""
    if notes:
        finding.items.append(Item("place", "location notes", notes, source))
    return finding


def _three_gpp_string(cursor: ByteCursor, skip: int) -> str:
    """A 3GPP string: UTF-8, or UTF-16 when it starts with a byte-order mark; NUL-terminated."""
    cursor.take(skip)
    if cursor.data[cursor.position : cursor.position + 2] in (b"\xfe\xff", b"\xff\xfe"):
        start = cursor.position
        while cursor.remaining >= 2 and cursor.take(2) != b"\0\0":
            pass
        raw = cursor.data[start : cursor.position]
        return raw.decode("utf-16", errors="replace").rstrip("\0")
    return _decode_text(cursor.cstring())


def _meta_findings(reader: BoxReader, meta: Box) -> list[Finding]:
    children = reader.children(meta)
    keys_box = next((c for c in children if c.type == b"keys"), None)
    keys = _keys(reader, keys_box) if keys_box is not None else None
    findings = []
    for child in children:
        if child.type == bmff.UUID and child.user_type == XMP_UUID:
            findings.append(_xmp_finding(reader, child, "QuickTime XMP uuid box"))
        if child.type != b"ilst":
            continue
        for item in reader.children(child):
            finding = _ilst_finding(reader, item, keys)
            if finding is not None:
                findings.append(finding)
    return findings


def _keys(reader: BoxReader, box: Box) -> list[str]:
    cursor = reader.cursor(box)
    cursor.take(4)  # version, flags
    count = cursor.uint(4)
    keys = []
    for _ in range(count):
        size = cursor.uint(4)
        cursor.take(4)  # namespace, 'mdta'
        keys.append(cursor.take(size - 8).decode("utf-8", errors="replace"))
    return keys


def _ilst_finding(reader: BoxReader, item: Box, keys: list[str] | None) -> Finding | None:
    if keys is None:
        if item.type not in _ATOM_FIELDS:
            return None
        values = _data_values(reader, item)
        return _atom_finding(item, values[0] if values else "", "QuickTime metadata item")
    index = int.from_bytes(item.type, "big")
    if not 1 <= index <= len(keys):
        return None
    key = keys[index - 1]
    classified = _classify_key(key)
    if classified is None:
        return None
    values = _data_values(reader, item)
    kind, field_name = classified
    return _value_finding(item, kind, field_name, values[0] if values else "", f"QuickTime key {key}")


def _classify_key(key: str) -> tuple[ItemKind, str] | None:
    lowered = key.lower()
    if lowered in _KEY_FIELDS:
        return _KEY_FIELDS[lowered]
    last = lowered.rsplit(".", 1)[-1]
    if "iso6709" in lowered:
        return ("location", "location")
    if "location" in lowered or "gps" in lowered:
        return ("place", last)
    if any(word in lowered for word in ("serial", "owner", "author", "artist")):
        return ("identity", last)
    if last in ("make", "model"):
        return ("device", last)
    return None


def _xmp_finding(reader: BoxReader, box: Box, source: str) -> Finding:
    packet = reader.body(box)
    finding = Finding(box, f"XMP metadata ({source})", whole_box=True)
    found = bmff.read_xmp_lazily(packet, source)
    if found is None:
        finding.notes.append(f"The {source} holds XMP metadata that this copy of stalkproof could not read.")
    else:
        finding.locations.extend(found.locations)
        finding.items.extend(found.items)
        finding.notes.extend(found.notes)
    return finding


def _handler_type(reader: BoxReader, box: Box) -> bytes:
    cursor = reader.cursor(box)
    cursor.take(8)  # version/flags, pre_defined (QuickTime: component type)
    return cursor.fourcc()


_ANGLE = r"[+-]\d+(?:\.\d*)?"
_ISO6709 = re.compile(rf"^\s*({_ANGLE})({_ANGLE})({_ANGLE})?(?:CRS[^/]*)?/?\s*$")


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """Latitude, longitude and altitude from an ISO 6709 point ("+51.5074-000.1278+011.0/"), accepting
    degrees, degrees-minutes and degrees-minutes-seconds forms; None when it is not one."""
    match = _ISO6709.match(text)
    if match is None:
        return None
    lat = _angle(match.group(1), 2)
    lon = _angle(match.group(2), 3)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    altitude = float(match.group(3)) if match.group(3) else None
    return lat, lon, altitude


def _angle(text: str, degree_digits: int) -> float | None:
    sign = -1.0 if text[0] == "-" else 1.0
    whole, _, fraction = text[1:].partition(".")
    fraction = "." + fraction if fraction else ""
    extra = len(whole) - degree_digits
    if extra == 0:
        return sign * float(whole + fraction)
    degrees = int(whole[:degree_digits])
    if extra == 2:
        minutes = float(whole[degree_digits:] + fraction)
        return sign * (degrees + minutes / 60) if minutes < 60 else None
    if extra == 4:
        minutes = int(whole[degree_digits : degree_digits + 2])
        seconds = float(whole[degree_digits + 2 :] + fraction)
        valid = minutes < 60 and seconds < 60
        return sign * (degrees + minutes / 60 + seconds / 3600) if valid else None
    return None
