"""Checking a cleaned copy with readers that share no code with the format modules.

A format module that forgets a tag would also fail to see it when asked to scan its own output, so the
copy is read again in other ways before it is kept:

- Pillow, for the images it opens: the GPS directory, owner and serial tags, XMP and IPTC;
- a byte search over the parts of the file where metadata can be (everything except compressed picture
  and sound data, whose structure is walked here independently): ISO 6709 coordinate strings, the
  `©xyz` and `loci` boxes, XMP location and creator names (also in UTF-16), PDF `/Author` entries, and
  any Exif block, whose GPS and identity tags are read by a small TIFF walker of its own;
- pypdf for PDF document information, `zipfile` for DOCX document properties and tracked-change authors;
- ExifTool, when installed (`exiftool_problems`, given its tags).

`lossless_problems` checks that nothing else changed: for JPEG, the segments a decoder uses (tables,
frame headers and the compressed scans) must be byte-identical, which makes every decoder's pixels
identical; otherwise, or when asked, both files are decoded with Pillow and compared pixel by pixel. The
orientation tag must be unchanged, and for MOV/MP4 the media data must be byte-identical.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import re
import struct
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from stalkproof.digital.media.model import Metadata
from stalkproof.digital.media.wording import load_wording

Family = Literal["jpeg", "png", "webp", "tiff", "bmff", "pdf", "zip", "other"]
ProblemKind = Literal["leftover", "not_lossless"]
Region = tuple[int, int]

OWN_SCANNER = "stalkproof's own scanner, run again on the copy"
BY_PILLOW = "found by Pillow"
BY_BYTES = "found by a byte search"
BY_TIFF_WALK = "found by reading its Exif block"
BY_PYPDF = "found by pypdf"
BY_ZIP = "found in the document's XML"
BY_EXIFTOOL = "found by ExifTool"

GPS_IFD_TAG = 0x8825
EXIF_IFD_TAG = 0x8769
ORIENTATION_TAG = 0x0112
IDENTITY_IFD0_TAGS = {0x013B: "Artist", 0x9C9D: "XPAuthor"}
IDENTITY_EXIF_TAGS = {
    0xA430: "OwnerName",
    0xA431: "SerialNumber",
    0xA435: "LensSerialNumber",
    0xA420: "ImageUniqueID",
}
# IPTC IIM record 2 datasets that hold a place or a person.
IPTC_REVEALING = {26: "location code", 27: "location name", 80: "by-line", 90: "city", 92: "sub-location",
                  95: "province or state", 100: "country code", 101: "country", 118: "contact"}  # fmt: skip

_ISO6709 = rb"[+-][0-9]{2}\.[0-9]{2,}[+-][0-9]{3}\.[0-9]{2,}"
_XMP_NAMES = (
    "GPSLatitude", "GPSLongitude", "photoshop:City", "photoshop:State", "photoshop:Country",
    "Iptc4xmpCore:Location", "Iptc4xmpExt:LocationCreated", "Iptc4xmpExt:LocationShown",
    "exifEX:CameraOwnerName", "exifEX:BodySerialNumber", "aux:SerialNumber", "dc:creator",
)  # fmt: skip
_UTF16_NAMES = tuple(name.encode(codec) for name in ("GPSLatitude", "photoshop:City")
                     for codec in ("utf-16-le", "utf-16-be"))  # fmt: skip
BYTE_PATTERN = re.compile(
    b"|".join(
        [
            b"(?P<iso6709>" + _ISO6709 + b")",
            b"(?P<xmp>" + b"|".join(re.escape(name.encode()) for name in _XMP_NAMES) + b")",
            b"(?P<utf16>" + b"|".join(re.escape(name) for name in _UTF16_NAMES) + b")",
            rb"(?P<box>\xa9xyz|loci)",
            rb"(?P<author>/Author\s*(?:\((?!\))|<(?!>)))",
        ]
    )
)
LOCATION_BOX_MAX = 64 * 1024
EXIF_HEADER = b"Exif\x00\x00"
MAX_EXIF_BLOCKS = 32
JPEG_ENTROPY_END = re.compile(rb"\xff[\x01-\xcf\xd8-\xfe]")
LAYOUTS_KEPT = 8

# ExifTool tag names (after the group) that hold a place or a person. Exact names, so that for example
# PDF:Creator (the application that made the file) or XMP-xmp:CreatorTool do not count, while
# XMP-dc:Creator (a person) does.
EXIFTOOL_LOCATION_TAGS = frozenset(
    {"City", "State", "Country", "CountryCode", "Sub-location", "Province-State",
     "Country-PrimaryLocationName", "Country-PrimaryLocationCode", "Location", "LocationName",
     "LocationBody", "LocationNote", "LocationNotes", "LocationRole", "LocationDate", "LocationInformation",
     "ContentLocationName", "ContentLocationCode"}
)  # fmt: skip
EXIFTOOL_LOCATION_PREFIXES = ("GPS", "LocationCreated", "LocationShown")
EXIFTOOL_IDENTITY_TAGS = frozenset(
    {"OwnerName", "CameraOwnerName", "SerialNumber", "InternalSerialNumber", "LensSerialNumber",
     "BodySerialNumber", "CameraSerialNumber", "ImageUniqueID", "Artist", "Author", "XPAuthor",
     "LastModifiedBy", "Company", "Manager", "By-line", "Writer-Editor", "Creator"}
)  # fmt: skip
EXIFTOOL_IGNORED_GROUPS = ("ExifTool", "System", "File", "ICC")
# Groups where "Creator" is the program that made the file, not a person.
EXIFTOOL_PROGRAM_CREATOR_GROUPS = ("PDF",)


@dataclass(frozen=True)
class Problem:
    """Something wrong with a cleaned copy: a detail left in it, or a change beyond the metadata."""

    kind: ProblemKind
    what: str
    found_by: str

    def sentence(self) -> str:
        wording = load_wording().strip
        if self.kind == "leftover":
            return wording.leftover.format(what=self.what, found_by=self.found_by)
        return wording.not_lossless.format(what=self.what)


# --- (1) the format module's own scanner ------------------------------------------------------------


def own_scan_problems(found: Metadata) -> list[Problem]:
    problems = [Problem("leftover", f"a location ({spot.source})", OWN_SCANNER) for spot in found.locations]
    for item in found.items:
        if item.kind in ("place", "identity"):
            problems.append(Problem("leftover", f"{item.field} ({item.source})", OWN_SCANNER))
    return problems


# --- (2) independent readers ------------------------------------------------------------------------


def family_of(head: bytes) -> Family:
    """The container family by signature, decided here without the format modules."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return "bmff"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return "other"


def independent_problems(path: Path) -> list[Problem]:
    """Everything the readers above find in `path` that reveals a place or a person."""
    with _mapped(path) as data:
        family = family_of(bytes(data[:64]))
        problems = byte_problems(data, family, _layout_or_none(path, data) if family == "jpeg" else None)
    if family in ("jpeg", "png", "webp", "tiff"):
        problems += pillow_problems(path)
    elif family == "pdf":
        problems += pdf_problems(path)
    elif family == "zip":
        problems += docx_problems(path)
    return _unique(problems)


def byte_problems(
    data: bytes | mmap.mmap, family: Family, jpeg: Sequence[JpegPart] | None = None
) -> list[Problem]:
    problems: list[Problem] = []
    regions = searchable_regions(data, family, jpeg)
    for start, end in regions:
        problems += _pattern_problems(data, start, end, family)
    problems += _exif_block_problems(data, regions, family)
    return problems


def _pattern_problems(data: bytes | mmap.mmap, start: int, end: int, family: Family) -> list[Problem]:
    found: list[Problem] = []
    for match in BYTE_PATTERN.finditer(data, start, end):
        group = match.lastgroup
        if group == "iso6709":
            found.append(Problem("leftover", "an ISO 6709 coordinate string", BY_BYTES))
        elif group in ("xmp", "utf16"):
            text = match.group().decode("utf-16-le" if group == "utf16" else "ascii", "replace")
            found.append(Problem("leftover", f"XMP {text.strip(chr(0))}", BY_BYTES))
        elif group == "box" and _plausible_box(data, match.start()):
            found.append(Problem("leftover", f"a {match.group().decode('latin-1')} location box", BY_BYTES))
        elif group == "author" and family == "pdf":
            found.append(Problem("leftover", "a PDF /Author entry (perhaps in an older revision)", BY_BYTES))
    return found


def _plausible_box(data: bytes | mmap.mmap, type_offset: int) -> bool:
    # A four-letter code can occur by chance in compressed data; a real box has a sane size before it.
    if type_offset < 4:
        return False
    size: int = struct.unpack(">I", data[type_offset - 4 : type_offset])[0]
    return 8 < size <= min(LOCATION_BOX_MAX, len(data) - type_offset + 4)


def searchable_regions(
    data: bytes | mmap.mmap, family: Family, jpeg: Sequence[JpegPart] | None = None
) -> list[Region]:
    """Where metadata can be: the whole file, minus compressed picture or sound data that readers never
    treat as metadata (and whose size would make a byte search slow)."""
    size = len(data)
    skipped: list[Region]
    try:
        if family == "jpeg":
            parts = jpeg if jpeg is not None else jpeg_parts(data)
            skipped = [(part.start, part.end) for part in parts if part.entropy]
        elif family == "png":
            skipped = list(_chunk_bodies(data, 8, ">I4s", {b"IDAT", b"fdAT"}, length_first=True))
        elif family == "webp":
            skipped = list(_chunk_bodies(data, 12, "<4sI", {b"VP8 ", b"VP8L", b"ALPH", b"ANMF"}))
        elif family == "bmff":
            skipped = _quicktime_media(data)
        else:
            skipped = []
    except ValueError:
        skipped = []  # damaged structure: search everything
    return _complement(sorted(skipped), size)


def _complement(skipped: list[Region], size: int) -> list[Region]:
    regions, position = [], 0
    for start, end in skipped:
        if start > position:
            regions.append((position, start))
        position = max(position, end)
    if position < size:
        regions.append((position, size))
    return regions


def _chunk_bodies(
    data: bytes | mmap.mmap, offset: int, layout: str, media: set[bytes], length_first: bool = False
) -> Iterator[Region]:
    """Bodies of PNG (length, type, body, CRC) or RIFF (type, length, body, pad) chunks that are media."""
    while offset + 8 <= len(data):
        first, second = struct.unpack(layout, data[offset : offset + 8])
        length, kind = (first, second) if length_first else (second, first)
        body = offset + 8
        if body + length > len(data):
            raise ValueError("chunk past the end")
        if kind in media:
            yield body, body + length
        offset = body + length + (4 if length_first else length % 2)


def _quicktime_media(data: bytes | mmap.mmap) -> list[Region]:
    """Top-level `mdat` bodies of a movie. HEIF keeps its Exif and XMP items in `mdat`, so a file with a
    top-level `meta` box is searched whole."""
    boxes = list(_top_level_boxes(data))
    if any(kind == b"meta" for kind, _, _ in boxes) or not any(kind == b"moov" for kind, _, _ in boxes):
        return []
    return [(start, end) for kind, start, end in boxes if kind == b"mdat"]


def _top_level_boxes(data: bytes | mmap.mmap) -> Iterator[tuple[bytes, int, int]]:
    """(type, body start, end) of each top-level ISO media box."""
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        header = 8
        if size == 1:
            if offset + 16 > len(data):
                raise ValueError("box header past the end")
            (size,) = struct.unpack(">Q", data[offset + 8 : offset + 16])
            header = 16
        elif size == 0:
            size = len(data) - offset
        if size < header or offset + size > len(data):
            raise ValueError("box past the end")
        yield kind, offset + header, offset + size
        offset += size


# --- Exif blocks, read by a TIFF walker of this module's own ------------------------------------------


def _exif_block_problems(data: bytes | mmap.mmap, regions: list[Region], family: Family) -> list[Problem]:
    starts = [0] if family == "tiff" else []
    for start, end in regions:
        position = start
        while len(starts) < MAX_EXIF_BLOCKS and (found := data.find(EXIF_HEADER, position, end)) >= 0:
            starts.append(found + len(EXIF_HEADER))
            position = found + 1
    problems: list[Problem] = []
    for start in starts:
        problems += [Problem("leftover", name, BY_TIFF_WALK) for name in revealing_tiff_tags(data, start)]
    return problems


def revealing_tiff_tags(data: bytes | mmap.mmap, start: int) -> list[str]:
    """Names of GPS and identity tags in the TIFF structure at `start` (an Exif block); [] if unreadable."""
    try:
        order = {b"II": "<", b"MM": ">"}[bytes(data[start : start + 2])]
        (ifd0,) = struct.unpack(order + "I", data[start + 4 : start + 8])
        tags = _ifd_entries(data, start, ifd0, order)
        found = [name for tag, name in IDENTITY_IFD0_TAGS.items() if tag in tags]
        if tags.get(GPS_IFD_TAG) and _ifd_entries(data, start, tags[GPS_IFD_TAG], order):
            found.append("GPS tags")
        if tags.get(EXIF_IFD_TAG):
            exif = _ifd_entries(data, start, tags[EXIF_IFD_TAG], order)
            found += [name for tag, name in IDENTITY_EXIF_TAGS.items() if tag in exif]
    except (KeyError, struct.error, ValueError):
        return []
    return found


def _ifd_entries(data: bytes | mmap.mmap, base: int, offset: int, order: str) -> dict[int, int]:
    """Tag → value-or-offset field of one IFD (enough to follow sub-directory pointers)."""
    position = base + offset
    (count,) = struct.unpack(order + "H", data[position : position + 2])
    if count > 1000 or position + 2 + 12 * count > len(data):
        raise ValueError("implausible IFD")
    entries = {}
    for index in range(count):
        entry = position + 2 + 12 * index
        tag, _, _, value = struct.unpack(order + "HHII", data[entry : entry + 12])
        entries[tag] = value
    return entries


# --- Pillow, pypdf and zipfile ----------------------------------------------------------------------


def pillow_problems(path: Path) -> list[Problem]:
    from PIL import Image, IptcImagePlugin, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            exif = image.getexif()
            problems = _pillow_exif_problems(exif)
            xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
            problems += _xmp_problems(xmp)
            iptc = IptcImagePlugin.getiptcinfo(image) if image.format in ("JPEG", "TIFF") else None
            problems += [
                Problem("leftover", f"IPTC {IPTC_REVEALING[dataset]}", BY_PILLOW)
                for record, dataset in (iptc or {})
                if record == 2 and dataset in IPTC_REVEALING
            ]
            if image.format == "PNG":
                problems += _png_text_problems(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        return [Problem("leftover", f"a structure Pillow could not read ({error})", BY_PILLOW)]
    return problems


def _pillow_exif_problems(exif: Any) -> list[Problem]:
    problems = []
    if exif.get_ifd(GPS_IFD_TAG):
        problems.append(Problem("leftover", "GPS tags", BY_PILLOW))
    problems += [
        Problem("leftover", name, BY_PILLOW) for tag, name in IDENTITY_IFD0_TAGS.items() if tag in exif
    ]
    exif_ifd = exif.get_ifd(EXIF_IFD_TAG)
    problems += [
        Problem("leftover", name, BY_PILLOW) for tag, name in IDENTITY_EXIF_TAGS.items() if tag in exif_ifd
    ]
    return problems


def _xmp_problems(xmp: object) -> list[Problem]:
    if not xmp:
        return []
    raw = xmp.encode("utf-8") if isinstance(xmp, str) else bytes(xmp)  # type: ignore[call-overload]
    texts = [raw.decode("utf-8", "replace")]
    if b"\x00" in raw:
        texts += [raw.decode("utf-16-le", "replace"), raw.decode("utf-16-be", "replace")]
    found = {name for name in _XMP_NAMES for text in texts if name in text}
    return [Problem("leftover", f"XMP {name}", BY_PILLOW) for name in sorted(found)]


def _png_text_problems(image: Any) -> list[Problem]:
    problems = []
    for key, value in getattr(image, "text", {}).items():
        lowered = key.lower()
        if lowered in ("author", "location", "gps") or "xmp" in lowered:
            problems += _xmp_problems(value) if "xmp" in lowered else []
            if "xmp" not in lowered and str(value).strip():
                problems.append(Problem("leftover", f"a PNG text entry '{key}'", BY_PILLOW))
    return problems


def pdf_problems(path: Path) -> list[Problem]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        info: dict[str, Any] = dict(reader.metadata or {})
        problems = [
            Problem("leftover", f"the PDF {key[1:]} entry", BY_PYPDF)
            for key in ("/Author", "/LastModifiedBy", "/Company")
            if str(info.get(key) or "").strip()
        ]
        xmp = reader.xmp_metadata
        if xmp is not None and xmp.dc_creator:
            problems.append(Problem("leftover", "an XMP dc:creator name", BY_PYPDF))
    except (PyPdfError, OSError, ValueError, KeyError) as error:
        return [Problem("leftover", f"a structure pypdf could not read ({type(error).__name__})", BY_PYPDF)]
    return problems


DOCX_PROPERTIES = {
    "docProps/core.xml": ("creator", "lastModifiedBy"),
    "docProps/app.xml": ("Company", "Manager"),
}
DOCX_AUTHOR_ATTRIBUTE = re.compile(rb'\bw:author="([^"]*)"')
# Cleaners may leave a generic placeholder where a name was; these are not anyone's name.
PLACEHOLDER_NAMES = frozenset({b"", b"Author", b"Unknown", b"A"})
MAX_XML_MEMBER = 64 * 1024 * 1024


def docx_problems(path: Path) -> list[Problem]:
    problems: list[Problem] = []
    try:
        with zipfile.ZipFile(path) as archive:
            names = {info.filename: info for info in archive.infolist()}
            for member, elements in DOCX_PROPERTIES.items():
                if member in names and names[member].file_size <= MAX_XML_MEMBER:
                    text = archive.read(member)
                    problems += [
                        Problem("leftover", f"the document's {element}", BY_ZIP)
                        for element in elements
                        if re.search(rb"<(?:\w+:)?" + element.encode() + rb">\s*[^<\s]", text)
                    ]
            for member, info in names.items():
                in_body = member.startswith("word/") and member.endswith(".xml")
                if in_body and info.file_size <= MAX_XML_MEMBER and _named_authors(archive.read(member)):
                    problems.append(Problem("leftover", f"names of authors of changes in {member}", BY_ZIP))
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as error:
        return [Problem("leftover", f"a structure zipfile could not read ({type(error).__name__})", BY_ZIP)]
    return problems


def _named_authors(xml: bytes) -> bool:
    return any(
        match.group(1).strip() not in PLACEHOLDER_NAMES for match in DOCX_AUTHOR_ATTRIBUTE.finditer(xml)
    )


# --- (3) ExifTool ------------------------------------------------------------------------------------


def may_embed_documents(path: Path) -> bool:
    """False only for a JPEG shown here to hold no second picture (no JPEG signature outside its own
    compressed data, nothing after its end marker): then ExifTool's `-ee` has nothing to extract."""
    with _mapped(path) as data:
        if family_of(bytes(data[:64])) != "jpeg":
            return True
        parts = _layout_or_none(path, data)
        if parts is None:
            return True
        if parts[-1].end != len(data):
            return True  # a trailer, where phones put a second picture or a video
        regions = _complement(sorted((part.start, part.end) for part in parts if part.entropy), len(data))
        return any(data.find(b"\xff\xd8\xff", max(start, 1), end) >= 0 for start, end in regions)


def revealing_exiftool_tags(tags: list[tuple[str, Any]]) -> tuple[list[str], list[str]]:
    """The group:name of every ExifTool tag that holds a place, and of every one that holds a person."""
    places: list[str] = []
    people: list[str] = []
    for key, value in tags:
        group, _, name = key.rpartition(":")
        if not group or group.startswith(EXIFTOOL_IGNORED_GROUPS) or _blank(value):
            continue
        if name in EXIFTOOL_LOCATION_TAGS or name.startswith(EXIFTOOL_LOCATION_PREFIXES) or "GPS" in name:
            places.append(key)
        elif name in EXIFTOOL_IDENTITY_TAGS and not (
            name == "Creator" and group.startswith(EXIFTOOL_PROGRAM_CREATOR_GROUPS)
        ):
            people.append(key)
    return places, people


def exiftool_problems(tags: list[tuple[str, Any]]) -> list[Problem]:
    places, people = revealing_exiftool_tags(tags)
    problems = [Problem("leftover", key, BY_EXIFTOOL) for key in places + people]
    for key, value in tags:
        if key == "ExifTool:Error":
            problems.append(
                Problem("leftover", f"a structure ExifTool could not read ({value})", BY_EXIFTOOL)
            )
    return problems


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- (4) nothing but metadata changed ----------------------------------------------------------------


@dataclass(frozen=True)
class JpegPart:
    marker: int
    start: int
    end: int
    entropy: bool = False


_LAYOUTS: dict[tuple[str, int, int, int], tuple[JpegPart, ...] | None] = {}

# Segments a JPEG decoder uses: frame headers, tables, restart interval, scans, and APP14 "Adobe",
# whose transform flag changes the colour conversion.
_DECODING_MARKERS = frozenset({*range(0xC0, 0xD0), 0xDA, 0xDB, 0xDD, 0xEE})


def jpeg_parts(data: bytes | mmap.mmap) -> Iterator[JpegPart]:
    """The segments of a JPEG from SOI to EOI, with each scan's compressed data as its own part."""
    if bytes(data[:2]) != b"\xff\xd8":
        raise ValueError("not a JPEG")
    position = 2
    while position < len(data):
        while data[position : position + 1] == b"\xff" and data[position + 1 : position + 2] == b"\xff":
            position += 1  # fill bytes
        if data[position : position + 1] != b"\xff" or position + 2 > len(data):
            raise ValueError("expected a marker")
        marker = data[position + 1]
        if marker == 0xD9:
            yield JpegPart(marker, position, position + 2)
            return
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            yield JpegPart(marker, position, position + 2)
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            raise ValueError("segment past the end")
        yield JpegPart(marker, position, end)
        position = end
        if marker == 0xDA:
            found = JPEG_ENTROPY_END.search(data, position)
            if found is None:
                raise ValueError("scan without an end")
            yield JpegPart(0, position, found.start(), entropy=True)
            position = found.start()
    raise ValueError("no end of image")


def jpeg_layout(path: Path, data: bytes | mmap.mmap) -> tuple[JpegPart, ...]:
    """`jpeg_parts` of the file at `path`, remembered for the few files being checked (each copy is
    walked by several checks). Raises ValueError when the structure cannot be walked."""
    info = os.stat(path)
    key = (str(path), info.st_ino, info.st_size, info.st_mtime_ns)
    if key not in _LAYOUTS:
        try:
            _LAYOUTS[key] = tuple(jpeg_parts(data))
        except ValueError:
            _LAYOUTS[key] = None
        while len(_LAYOUTS) > LAYOUTS_KEPT:
            _LAYOUTS.pop(next(iter(_LAYOUTS)))
    layout = _LAYOUTS[key]
    if layout is None:
        raise ValueError("the JPEG structure could not be walked")
    return layout


def _layout_or_none(path: Path, data: bytes | mmap.mmap) -> tuple[JpegPart, ...] | None:
    try:
        return jpeg_layout(path, data)
    except ValueError:
        return None


def jpeg_decoding_parts(
    data: bytes | mmap.mmap, layout: Sequence[JpegPart] | None = None
) -> list[tuple[int, int, int]]:
    """(marker, start, end) of everything a decoder reads, in order; a marker of -1 stands for whether a
    JFIF segment is present, which can change how three components are read."""
    parts: list[tuple[int, int, int]] = []
    jfif = False
    for part in jpeg_parts(data) if layout is None else layout:
        if part.marker == 0xE0 and data[part.start + 4 : part.start + 9] == b"JFIF\x00":
            jfif = True
        if part.entropy or part.marker in _DECODING_MARKERS:
            parts.append((part.marker, part.start, part.end))
    parts.append((-1, int(jfif), int(jfif)))
    return parts


def same_jpeg_decoding(
    original: bytes | mmap.mmap,
    cleaned: bytes | mmap.mmap,
    layouts: tuple[Sequence[JpegPart] | None, Sequence[JpegPart] | None] = (None, None),
) -> bool:
    """True when a decoder reads exactly the same bytes from both files, so every decoder's pixels are
    identical; False when they differ or either cannot be walked."""
    try:
        before = jpeg_decoding_parts(original, layouts[0])
        after = jpeg_decoding_parts(cleaned, layouts[1])
    except ValueError:
        return False
    if len(before) != len(after):
        return False
    for (marker, start, end), (other_marker, other_start, other_end) in zip(before, after, strict=True):
        if marker != other_marker or end - start != other_end - other_start:
            return False
        if marker != -1 and original[start:end] != cleaned[other_start:other_end]:
            return False
    return True


IMAGE_FAMILIES = ("jpeg", "png", "webp", "tiff")
NOT_DECODED = "The pictures were not decoded and compared, because Pillow cannot decode this kind of file."
NOT_COMPARED = "The document's text and pictures were not compared with the original's."


def lossless_problems(source: Path, output: Path, decode: bool = False) -> tuple[list[Problem], list[str]]:
    """Differences beyond metadata between `source` and its cleaned copy `output`, and notes on what
    could not be compared. `decode=True` decodes JPEGs with Pillow even when their structure already
    proves the pixels identical."""
    movie: list[Problem] | None = None
    with _mapped(source) as original, _mapped(output) as cleaned:
        family = family_of(bytes(original[:64]))
        layouts = (
            (_layout_or_none(source, original), _layout_or_none(output, cleaned))
            if family == "jpeg"
            else None
        )
        if layouts and None not in layouts and not decode and same_jpeg_decoding(original, cleaned, layouts):
            return _orientation_problems(source, output), []
        if family == "bmff":
            movie = _movie_media_problems(original, cleaned)
    if family in IMAGE_FAMILIES:
        return _decoded_problems(source, output) + _orientation_problems(source, output), []
    if movie is not None:
        return movie, []
    if family == "bmff":  # HEIF: AVIF decodes with Pillow, HEIC does not
        return (_decoded_problems(source, output), []) if _pillow_opens(source) else ([], [NOT_DECODED])
    return [], [NOT_COMPARED] if family in ("pdf", "zip") else []


def _movie_media_problems(original: bytes | mmap.mmap, cleaned: bytes | mmap.mmap) -> list[Problem] | None:
    """For a movie, whether its media data is byte-identical; None for a file that is not a movie."""
    try:
        before = _quicktime_media(original)
    except ValueError:
        return None
    if not before:
        return None
    try:
        after = _quicktime_media(cleaned)
    except ValueError:
        after = []
    if len(before) != len(after) or any(
        _digest(original, first) != _digest(cleaned, second)
        for first, second in zip(before, after, strict=True)
    ):
        return [Problem("not_lossless", "media data (the sound and pictures)", "")]
    return []


def _pillow_opens(path: Path) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path):
            return True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False


def _digest(data: bytes | mmap.mmap, region: Region) -> bytes:
    digest = hashlib.sha256()
    step = 1 << 22
    for start in range(region[0], region[1], step):
        digest.update(data[start : min(start + step, region[1])])
    return digest.digest()


def _decoded_problems(source: Path, output: Path) -> list[Problem]:
    from PIL import Image, ImageSequence

    try:
        with Image.open(source) as before, Image.open(output) as after:
            frames_before = ImageSequence.Iterator(before)
            frames_after = ImageSequence.Iterator(after)
            if getattr(before, "n_frames", 1) != getattr(after, "n_frames", 1):
                return [Problem("not_lossless", "number of frames", "")]
            for first, second in zip(frames_before, frames_after, strict=False):
                if (first.mode, first.size) != (
                    second.mode,
                    second.size,
                ) or first.tobytes() != second.tobytes():
                    return [Problem("not_lossless", "pixels", "")]
    except (OSError, SyntaxError, ValueError):
        return [Problem("not_lossless", "pixels (Pillow could not decode one of them)", "")]
    return []


def _orientation_problems(source: Path, output: Path) -> list[Problem]:
    from PIL import Image

    try:
        with Image.open(source) as before, Image.open(output) as after:
            if before.getexif().get(ORIENTATION_TAG, 1) != after.getexif().get(ORIENTATION_TAG, 1):
                return [Problem("not_lossless", "orientation", "")]
    except (OSError, SyntaxError, ValueError):
        return [Problem("not_lossless", "orientation (Pillow could not read one of them)", "")]
    return []


# --- helpers -----------------------------------------------------------------------------------------


@contextmanager
def _mapped(path: Path) -> Iterator[bytes | mmap.mmap]:
    """The file's bytes without reading them all into memory (an empty file cannot be mapped)."""
    with path.open("rb") as file:
        if file.seek(0, 2) == 0:
            yield b""
            return
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield data


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
