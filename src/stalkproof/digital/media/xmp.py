"""XMP packets: GPS coordinates, place names, creators, owners and serial numbers.

XMP is RDF/XML, so the same fact can be written as an attribute, an element, an array item or a field of a
structure (IPTC's LocationShown). The reader walks every form the same way and looks properties up by
namespace and name. A packet that declares a DOCTYPE or entities is refused: expat would otherwise expand
them (entity bombs), and no XMP writer needs them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

from stalkproof.digital.media.model import Item, ItemKind, Location, MediaFormatError, Metadata

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_NS = "http://www.w3.org/XML/1998/namespace"
EXIF = "http://ns.adobe.com/exif/1.0/"
EXIF_EX = "http://cipa.jp/exif/1.0/"
AUX = "http://ns.adobe.com/exif/1.0/aux/"
TIFF = "http://ns.adobe.com/tiff/1.0/"
PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
IPTC_CORE = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
DC = "http://purl.org/dc/elements/1.1/"
XMP_BASIC = "http://ns.adobe.com/xap/1.0/"
XMP_RIGHTS = "http://ns.adobe.com/xap/1.0/rights/"
MWG_REGIONS = "http://www.metadataworkinggroup.com/schemas/regions/"
MS_PHOTO_REGION = "http://ns.microsoft.com/photo/1.2/t/Region#"

# Conventional prefixes, so a field reads as people and ExifTool write it ("photoshop:City").
PREFIXES = {
    EXIF: "exif",
    EXIF_EX: "exifEX",
    AUX: "aux",
    TIFF: "tiff",
    PHOTOSHOP: "photoshop",
    IPTC_CORE: "Iptc4xmpCore",
    IPTC_EXT: "Iptc4xmpExt",
    DC: "dc",
    XMP_BASIC: "xmp",
    XMP_RIGHTS: "xmpRights",
    MWG_REGIONS: "mwg-rs",
    MS_PHOTO_REGION: "MPReg",
    "http://www.dji.com/drone-dji/1.0/": "drone-dji",
}

_PLACE_FIELDS = ("City", "ProvinceState", "CountryName", "CountryCode", "Sublocation", "WorldRegion")
_CONTACT_ADDRESS = ("CiAdrExtadr", "CiAdrCity", "CiAdrRegion", "CiAdrPcode", "CiAdrCtry")

PROPERTIES: dict[tuple[str, str], ItemKind] = {
    (PHOTOSHOP, "City"): "place",
    (PHOTOSHOP, "State"): "place",
    (PHOTOSHOP, "Country"): "place",
    (IPTC_CORE, "Location"): "place",
    (IPTC_CORE, "CountryCode"): "place",
    **{(IPTC_CORE, name): "place" for name in _CONTACT_ADDRESS},
    (IPTC_CORE, "CiEmailWork"): "identity",
    (IPTC_CORE, "CiTelWork"): "identity",
    **{(IPTC_EXT, name): "place" for name in (*_PLACE_FIELDS, "LocationName")},
    (IPTC_EXT, "PersonInImage"): "identity",
    (EXIF, "GPSAreaInformation"): "place",
    (DC, "creator"): "identity",
    (DC, "rights"): "identity",
    (XMP_RIGHTS, "Owner"): "identity",
    (TIFF, "Artist"): "identity",
    (AUX, "SerialNumber"): "identity",
    (AUX, "OwnerName"): "identity",
    (AUX, "LensSerialNumber"): "identity",
    (EXIF_EX, "BodySerialNumber"): "identity",
    (EXIF_EX, "LensSerialNumber"): "identity",
    (EXIF_EX, "CameraOwnerName"): "identity",
    (EXIF_EX, "ImageUniqueID"): "identity",
    (MWG_REGIONS, "Name"): "identity",
    (MS_PHOTO_REGION, "PersonDisplayName"): "identity",
    (TIFF, "Make"): "device",
    (TIFF, "Model"): "device",
    (XMP_BASIC, "CreatorTool"): "device",
    (EXIF, "DateTimeOriginal"): "time",
    (PHOTOSHOP, "DateCreated"): "time",
}

# Matched on the lower-cased local name in any namespace: drones and phone apps use their own schemas
# (DJI writes drone-dji:GpsLatitude, and some firmware spells the longitude "GpsLongtitude").
LATITUDE_NAMES = frozenset({"gpslatitude"})
LONGITUDE_NAMES = frozenset({"gpslongitude", "gpslongtitude"})
DESTINATION_NAMES = {"gpsdestlatitude": "latitude", "gpsdestlongitude": "longitude"}
ALTITUDE_NAME = "gpsaltitude"
ALTITUDE_REF_NAME = "gpsaltituderef"

MAX_VALUE_CHARS = 500
MAX_DEPTH = 100  # real packets nest a few levels; this keeps hostile ones far from Python's recursion limit
_DECLARATION = re.compile(r"\s*<\?xml[^>]{0,300}\?>")  # only ever at the start
_FORBIDDEN = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_ENVELOPES = (re.compile(r"<([\w.-]+:)?(x[am]pmeta)\b"), re.compile(r"<([\w.-]+:)?(RDF)\b"))
_DMS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)(?:\s*,\s*(\d+(?:\.\d+)?))?\s*([NSEWnsew])\s*$")
_DECIMAL = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*([NSEWnsew])?\s*$")
_RATIONAL = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(?:/\s*(\d+(?:\.\d+)?))?\s*$")


@dataclass(frozen=True)
class _Property:
    trail: tuple[str, ...]  # Clark names ("{uri}local") from the top-level property down to this value
    value: str
    holder: int  # which resource holds it, so a latitude is paired with the longitude beside it


def read_xmp(packet: bytes, source: str) -> Metadata:
    """What an XMP packet (UTF-8, UTF-16 or UTF-32, with or without its xpacket wrapper) reveals.

    `source` names where the packet was found (for example "XMP"); it prefixes every finding's source.
    Raises MediaFormatError when the packet is not XML or declares a DOCTYPE or entities."""
    found = Metadata(format="xmp")
    root = _parse(_decode(packet))
    properties = [prop for resource in _top_resources(root) for prop in _resource_properties(resource, (), 0)]
    for prop in properties:
        uri, local = _split(prop.trail[-1])
        kind = PROPERTIES.get((uri, local))
        if kind is not None:
            found.items.append(Item(kind, label(prop.trail), prop.value[:MAX_VALUE_CHARS], source))
    _pair_coordinates(properties, source, found)
    return found


def label(trail: tuple[str, ...]) -> str:
    """A property path as people write it: "Iptc4xmpExt:LocationShown/Iptc4xmpExt:City"."""
    parts = []
    for clark in trail:
        uri, local = _split(clark)
        prefix = PREFIXES.get(uri)
        parts.append(f"{prefix}:{local}" if prefix else local)
    return "/".join(parts)


def _decode(packet: bytes) -> str:
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if packet.startswith(bom):
            return packet[len(bom) :].decode(encoding, errors="replace")
    return packet.decode(_guess_encoding(packet[:4]), errors="replace")


def _guess_encoding(head: bytes) -> str:
    """XML without a byte-order mark starts with ASCII markup, so where the first zero bytes fall tells
    the width and byte order (the detection the XML specification describes in its appendix F)."""
    zeros = tuple(byte == 0 for byte in head[:4].ljust(4, b"\x01"))
    if zeros == (False, True, True, True):
        return "utf-32-le"
    if zeros == (True, True, True, False):
        return "utf-32-be"
    if zeros[:2] == (False, True):
        return "utf-16-le"
    if zeros[:2] == (True, False):
        return "utf-16-be"
    return "utf-8"


def _parse(text: str) -> ET.Element:
    if _FORBIDDEN.search(text):
        raise MediaFormatError(
            "the XMP metadata declares its own document type or entities, which this tool refuses to read."
        )
    declaration = _DECLARATION.match(text)
    if declaration:
        text = text[declaration.end() :]
    text = _envelope(text.strip("\x00 \t\r\n"))
    try:
        # Safe here: DOCTYPE and ENTITY declarations were refused above, so expat has nothing to expand.
        return ET.fromstring(text.encode("utf-8"))  # noqa: S314
    except ET.ParseError as error:
        raise MediaFormatError(f"the XMP metadata is not well-formed XML ({error}).") from None


def _envelope(text: str) -> str:
    """The x:xmpmeta (or bare rdf:RDF) element, without the padding and wrappers around it. Found with
    one search and one reverse search, so hostile input cannot make it slow."""
    for opening in _ENVELOPES:
        match = opening.search(text)
        if match:
            closing = f"</{match.group(1) or ''}{match.group(2)}"
            end = text.rfind(closing)
            if end < match.start():
                return text[match.start() :]
            return text[match.start() : text.find(">", end) + 1 or len(text)]
    return text


def _split(clark: str) -> tuple[str, str]:
    if clark.startswith("{"):
        uri, _, local = clark[1:].partition("}")
        return uri, local
    return "", clark


def _is_syntax(clark: str) -> bool:
    return clark.startswith((f"{{{RDF}}}", f"{{{XML_NS}}}"))


def _top_resources(root: ET.Element) -> Iterator[ET.Element]:
    rdf_roots = [root] if root.tag == f"{{{RDF}}}RDF" else list(root.iter(f"{{{RDF}}}RDF"))
    for rdf_root in rdf_roots:
        yield from rdf_root.iterfind(f"{{{RDF}}}Description")


def _resource_properties(resource: ET.Element, trail: tuple[str, ...], depth: int) -> Iterator[_Property]:
    for key, value in resource.attrib.items():
        if not _is_syntax(key) and value.strip():
            yield _Property((*trail, key), value.strip(), id(resource))
    for child in resource:
        if child.tag == f"{{{RDF}}}value" and trail:
            yield from _property_values(child, trail, resource, depth + 1)
        elif isinstance(child.tag, str) and not _is_syntax(child.tag):
            yield from _property_values(child, (*trail, child.tag), resource, depth + 1)


def _property_values(
    element: ET.Element, trail: tuple[str, ...], holder: ET.Element, depth: int
) -> Iterator[_Property]:
    """The values of one property element: plain text, array items, or the fields of a structure."""
    if depth > MAX_DEPTH:
        raise MediaFormatError("the XMP metadata is nested more deeply than any real file's.")
    if element.get(f"{{{RDF}}}parseType") == "Resource":
        yield from _resource_properties(element, trail, depth + 1)
        return
    children = list(element)
    if children:
        for child in children:
            if child.tag in (f"{{{RDF}}}Seq", f"{{{RDF}}}Bag", f"{{{RDF}}}Alt"):
                for item in child:
                    yield from _property_values(item, trail, item, depth + 1)
            elif child.tag == f"{{{RDF}}}Description":
                yield from _resource_properties(child, trail, depth + 1)
        return
    if any(not _is_syntax(key) for key in element.attrib):
        yield from _resource_properties(element, trail, depth + 1)
        return
    text = (element.text or "").strip()
    if text:
        yield _Property(trail, text, id(holder))


def _pair_coordinates(properties: list[_Property], source: str, found: Metadata) -> None:
    groups: dict[tuple[object, ...], dict[str, _Property]] = {}
    for prop in properties:
        role = _coordinate_role(_split(prop.trail[-1])[1].lower())
        if role is None:
            continue
        # Top-level properties may sit in different rdf:Description elements; structure fields may not.
        key: tuple[object, ...] = (prop.trail[:-1], 0 if len(prop.trail) == 1 else prop.holder)
        groups.setdefault(key, {})[role] = prop
    for roles in groups.values():
        for prefix in ("", "dest-"):
            _add_location(roles, prefix, source, found)


def _coordinate_role(local: str) -> str | None:
    if local in LATITUDE_NAMES:
        return "latitude"
    if local in LONGITUDE_NAMES:
        return "longitude"
    if local in DESTINATION_NAMES:
        return "dest-" + DESTINATION_NAMES[local]
    if local in (ALTITUDE_NAME, ALTITUDE_REF_NAME):
        return local
    return None


def _add_location(roles: dict[str, _Property], prefix: str, source: str, found: Metadata) -> None:
    latitude, longitude = roles.get(prefix + "latitude"), roles.get(prefix + "longitude")
    first = latitude or longitude
    if first is None:
        return
    where = f"{source} {label(first.trail)}"
    if latitude is None or longitude is None:
        found.notes.append(f"{where} has only one half of a position (latitude or longitude).")
        return
    lat, lon = coordinate(latitude.value, "NS"), coordinate(longitude.value, "EW")
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        unreadable = f"{latitude.value}, {longitude.value}"
        found.notes.append(f"{where} holds a position this tool could not read: {unreadable}.")
        return
    altitude = _altitude(roles) if not prefix else None
    found.locations.append(Location(lat, lon, where, altitude))


def coordinate(text: str, hemispheres: str) -> float | None:
    """A latitude or longitude in XMP's "51,30.5N" / "51,30,30N" form or as a signed decimal."""
    match = _DMS.match(text)
    if match:
        degrees, minutes, seconds, hemisphere = match.groups()
        value = float(degrees) + float(minutes) / 60 + float(seconds or 0) / 3600
    else:
        match = _DECIMAL.match(text)
        if not match:
            return None
        value, hemisphere = float(match.group(1)), match.group(2)
    if hemisphere:
        if hemisphere.upper() not in hemispheres:
            return None
        value = -abs(value) if hemisphere.upper() == hemispheres[1] else value
    return value


def _altitude(roles: dict[str, _Property]) -> float | None:
    prop = roles.get(ALTITUDE_NAME)
    match = _RATIONAL.match(prop.value) if prop else None
    if match is None:
        return None
    denominator = float(match.group(2) or 1)
    if denominator == 0:
        return None
    value = float(match.group(1)) / denominator
    below_sea = roles.get(ALTITUDE_REF_NAME)
    return -value if below_sea is not None and below_sea.value.strip() == "1" else value
