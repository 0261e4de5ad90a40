"""Synthetic photos that give away where they were taken and who took them, in every place a container
allows: Exif GPS, XMP (UTF-8, UTF-16, extended across several segments), IPTC, PNG text, trailers.

Pictures are drawn and encoded by Pillow; metadata blocks are written here by hand (or with Pillow's Exif
writer) so that the readers under test never check their own output. Everyone in them is fictional.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageCms, PngImagePlugin

PERSON = "Alice Example"
OWNER = "Bob Example"
BODY_SERIAL = "SN-0042-EXAMPLE"
LENS_SERIAL = "LENS-7700-900123"
IMAGE_ID = "0123456789abcdef0123456789abcdef"
CITY = "Exampleton"
SUBLOCATION = "Example Street"
STATE = "Exampleshire"
COUNTRY = "Exampleland"
EXTENDED_CITY = "Farawayville"
ORIENTATION = 6  # rotate 90° clockwise to display

EXIFTOOL = Path("/usr/bin/exiftool")
# ExifTool tag names (after "Group:") that would mean location or identity survived a strip.
REVEALING_TAG = re.compile(
    r"^(GPS.*|.*City|State|Province-State|Country.*|Sub-location|Location.*|.*SerialNumber|.*OwnerName"
    r"|Artist|Creator|By-line.*|XPAuthor|ImageUniqueID|Rights|Owner|CopyrightNotice|Copyright"
    r"|PersonInImage|Author)$"
)


def picture(width: int = 64, height: int = 48, mode: str = "RGB") -> Image.Image:
    """A deterministic gradient, so re-encoding or lost data would change the decoded pixels."""
    image = Image.new("RGB", (width, height))
    image.putdata(
        [((x * 4) % 256, (y * 5) % 256, (x * y) % 256) for y in range(height) for x in range(width)]
    )
    return image.convert(mode)


def to_dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return float(degrees), float(minutes), seconds


def exif_block(lat: float, lon: float, *, orientation: int = ORIENTATION, identity: bool = True) -> bytes:
    """An Exif block ("Exif\\0\\0" + TIFF) written by Pillow: GPS, orientation, and the owner's details."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "ExampleCam"
    exif[0x0110] = "Model X"
    gps: dict[int, Any] = {
        1: "N" if lat >= 0 else "S",
        2: to_dms(lat),
        3: "E" if lon >= 0 else "W",
        4: to_dms(lon),
        5: b"\x00",
        6: 35.5,
    }
    exif[ExifTags.IFD.GPSInfo] = gps
    if identity:
        exif[0x013B] = PERSON
        exif[0x8298] = f"(c) {PERSON}"
        exif[0x9C9D] = (PERSON + "\x00").encode("utf-16-le")
        details = exif.get_ifd(ExifTags.IFD.Exif)
        details[0xA430] = OWNER
        details[0xA431] = BODY_SERIAL
        details[0xA435] = LENS_SERIAL
        details[0xA420] = IMAGE_ID
        details[0x9003] = "2024:05:04 13:14:15"
    return exif.tobytes()


def xmp_packet(lat: float, lon: float, *, city: str = CITY, encoding: str = "utf-8", guid: str = "") -> bytes:
    """An XMP packet with the position in XMP's "DD,MM.mmN" form, place names in three schemas, and
    names and serial numbers. `guid` adds xmpNote:HasExtendedXMP."""
    north, east = ("N" if lat >= 0 else "S"), ("E" if lon >= 0 else "W")
    lat_text = f"{int(abs(lat))},{(abs(lat) % 1) * 60:.6f}{north}"
    lon_text = f"{int(abs(lon))},{(abs(lon) % 1) * 60:.6f}{east}"
    extended = f' xmpNote:HasExtendedXMP="{guid}"' if guid else ""
    body = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:xmpNote="http://ns.adobe.com/xmp/note/"
    exif:GPSLatitude="{lat_text}"
    photoshop:City="{city}" photoshop:State="{STATE}"{extended}>
   <exif:GPSLongitude>{lon_text}</exif:GPSLongitude>
   <photoshop:Country>{COUNTRY}</photoshop:Country>
  </rdf:Description>
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"
    xmlns:aux="http://ns.adobe.com/exif/1.0/aux/"
    xmlns:exifEX="http://cipa.jp/exif/1.0/"
    xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
    aux:SerialNumber="{BODY_SERIAL}" Iptc4xmpCore:Location="{SUBLOCATION}">
   <dc:creator><rdf:Seq><rdf:li>{PERSON}</rdf:li></rdf:Seq></dc:creator>
   <xmpRights:Owner><rdf:Bag><rdf:li>{OWNER}</rdf:li></rdf:Bag></xmpRights:Owner>
   <exifEX:BodySerialNumber>{BODY_SERIAL}</exifEX:BodySerialNumber>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return body.encode(encoding)


def location_shown_packet(lat: float, lon: float, city: str = EXTENDED_CITY) -> bytes:
    """XMP whose only position and place are inside an IPTC Extension LocationCreated structure."""
    return f"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">
  <Iptc4xmpExt:LocationCreated><rdf:Bag><rdf:li rdf:parseType="Resource">
   <Iptc4xmpExt:City>{city}</Iptc4xmpExt:City>
   <Iptc4xmpExt:GPSLatitude>{lat}</Iptc4xmpExt:GPSLatitude>
   <Iptc4xmpExt:GPSLongitude>{lon}</Iptc4xmpExt:GPSLongitude>
  </rdf:li></rdf:Bag></Iptc4xmpExt:LocationCreated>
 </rdf:Description></rdf:RDF></x:xmpmeta>""".encode()


def iptc_iim(city: str = CITY) -> bytes:
    """IPTC IIM datasets: UTF-8 marker, city, sub-location, province, country, by-line, copyright."""
    datasets = [
        (1, 90, b"\x1b%G"),
        (2, 90, city.encode()),
        (2, 92, SUBLOCATION.encode()),
        (2, 95, STATE.encode()),
        (2, 101, COUNTRY.encode()),
        (2, 80, PERSON.encode()),
        (2, 116, f"(c) {PERSON}".encode()),
    ]
    return b"".join(b"\x1c" + bytes((record, number)) + struct.pack(">H", len(value)) + value
                    for record, number, value in datasets)  # fmt: skip


def photoshop_resources(iptc: bytes) -> bytes:
    """Photoshop image resources holding the IPTC block as resource 0x0404 (no "Photoshop 3.0" header)."""
    padding = b"\x00" if len(iptc) % 2 else b""
    return b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iptc)) + iptc + padding


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def xmp_segment(packet: bytes) -> bytes:
    return segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet)


def extended_xmp_segments(packet: bytes, guid: str, pieces: int = 3) -> list[bytes]:
    """The packet split into `pieces` Extended XMP APP1 segments, sent in reverse order (allowed)."""
    size = -(-len(packet) // pieces)
    header = b"http://ns.adobe.com/xmp/extension/\x00" + guid.encode("ascii")
    parts = [
        segment(0xE1, header + struct.pack(">II", len(packet), offset) + packet[offset : offset + size])
        for offset in range(0, len(packet), size)
    ]
    return parts[::-1]


def app13(iptc: bytes) -> bytes:
    return segment(0xED, b"Photoshop 3.0\x00" + photoshop_resources(iptc))


def with_segments(jpeg: bytes, segments: list[bytes], trailer: bytes = b"") -> bytes:
    """Insert segments right after SOI (and after JFIF APP0 if present) and append a trailer after EOI."""
    position = 2
    if jpeg[2:4] == b"\xff\xe0":
        position += 2 + struct.unpack(">H", jpeg[4:6])[0]
    return jpeg[:position] + b"".join(segments) + jpeg[position:] + trailer


def encoded_jpeg(image: Image.Image | None = None, **options: Any) -> bytes:
    buffer = io.BytesIO()
    (image or picture()).save(buffer, "JPEG", quality=90, **options)
    return buffer.getvalue()


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


EXTENDED_GUID = hashlib.md5(b"extended", usedforsecurity=False).hexdigest().upper()


def jpeg_with_everything(path: Path, lat: float, lon: float) -> Path:
    """A JPEG with Exif GPS and identity (orientation 6), XMP, Extended XMP (a second place, in three
    segments), Photoshop IPTC, a comment, an ICC profile, and a second picture appended after EOI."""
    base = encoded_jpeg(exif=exif_block(lat, lon), icc_profile=srgb_profile())
    extended = location_shown_packet(lat + 1.0, lon + 1.0)
    segments = [
        xmp_segment(xmp_packet(lat, lon, guid=EXTENDED_GUID)),
        *extended_xmp_segments(extended, EXTENDED_GUID),
        app13(iptc_iim()),
        segment(0xFE, f"Taken by {PERSON}".encode()),
    ]
    trailer = encoded_jpeg(picture(8, 8), exif=exif_block(lat, lon))
    path.write_bytes(with_segments(base, segments, trailer))
    return path


def jpeg_with_xmp(path: Path, packet: bytes, *, exif: bytes | None = None) -> Path:
    base = encoded_jpeg(exif=exif) if exif else encoded_jpeg()
    path.write_bytes(with_segments(base, [xmp_segment(packet)]))
    return path


def raw_profile(name: str, data: bytes) -> bytes:
    """ImageMagick's text encoding of a binary profile: name, length, then hex in lines of 72."""
    text = data.hex()
    lines = "\n".join(text[index : index + 72] for index in range(0, len(text), 72))
    return f"\n{name}\n{len(data):8d}\n{lines}\n".encode("ascii")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_exif_and_xmp(path: Path, lat: float, lon: float) -> Path:
    """A PNG with eXIf (GPS, identity, orientation 6), XMP in iTXt, IPTC as a zTXt "Raw profile type iptc",
    an Author tEXt, a tIME chunk, and bytes after IEND."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp_packet(lat, lon).decode("utf-8"))
    info.add_text("Author", PERSON)
    info.add(b"zTXt", b"Raw profile type iptc\x00\x00" + zlib.compress(raw_profile("iptc", iptc_iim())))
    info.add(b"tIME", struct.pack(">HBBBBB", 2024, 5, 4, 13, 14, 15))
    picture().save(path, "PNG", exif=exif_block(lat, lon), pnginfo=info)
    with path.open("ab") as stream:
        stream.write(b"appended data after the end")
    return path


def png_with_raw_exif_profile(path: Path, lat: float, lon: float) -> Path:
    """A PNG whose only Exif is ImageMagick's hex "Raw profile type exif" text."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Raw profile type exif", raw_profile("exif", exif_block(lat, lon)).decode("ascii"))
    picture().save(path, "PNG", pnginfo=info)
    return path


def webp_with_exif_xmp(path: Path, lat: float, lon: float) -> Path:
    """A lossless WebP with EXIF (GPS, identity, orientation 6) and XMP chunks."""
    picture().save(path, "WEBP", lossless=True, exif=exif_block(lat, lon), xmp=xmp_packet(lat, lon))
    return path


def tiff_with_gps(path: Path, lat: float, lon: float) -> Path:
    """A TIFF with a GPS table, an Exif table of serial numbers, Artist, XMP (tag 700) and IPTC (33723)."""
    exif = Image.Exif()
    exif.load(exif_block(lat, lon))
    exif[700] = xmp_packet(lat, lon)
    exif[33723] = iptc_iim()
    picture().save(path, "TIFF", exif=exif)  # uncompressed: Pillow's libtiff path rejects these tags
    return path


def handmade_tiff(order: str, *, artist: str, artist_inside_pixels: bool = False) -> bytes:
    """A small uncompressed RGB TIFF in either byte order ("<" or ">"), orientation 6, with an Artist tag.
    With `artist_inside_pixels` the Artist value points into the picture data, as a broken writer might."""
    width, height = 8, 4
    pixel_data = bytes((index * 7) % 256 for index in range(width * height * 3))
    artist_bytes = artist.encode() + b"\x00"
    count = 11
    values_at = 8 + 2 + 12 * count + 4
    bits_at, artist_at = values_at, values_at + 6
    pixels_at = artist_at + len(artist_bytes) + (len(artist_bytes) & 1)
    if artist_inside_pixels:
        artist_at = pixels_at

    def short(tag: int, value: int) -> bytes:
        return struct.pack(order + "HHIHH", tag, 3, 1, value, 0)

    def pointer(tag: int, kind: int, number: int, offset: int) -> bytes:
        return struct.pack(order + "HHII", tag, kind, number, offset)

    entries = [
        short(256, width),
        short(257, height),
        pointer(258, 3, 3, bits_at),
        short(259, 1),
        short(262, 2),
        pointer(273, 4, 1, pixels_at),
        short(274, ORIENTATION),
        short(277, 3),
        short(278, height),
        pointer(279, 4, 1, len(pixel_data)),
        pointer(315, 2, len(artist_bytes), artist_at),
    ]
    header = (b"II*\x00" if order == "<" else b"MM\x00*") + struct.pack(order + "I", 8)
    table = struct.pack(order + "H", count) + b"".join(entries) + struct.pack(order + "I", 0)
    values = struct.pack(order + "3H", 8, 8, 8) + artist_bytes + bytes(len(artist_bytes) & 1)
    return header + table + values + pixel_data


def pixels(path: Path) -> bytes:
    with Image.open(path) as image:
        return image.tobytes()


def orientation(path: Path) -> int | None:
    with Image.open(path) as image:
        value = image.getexif().get(0x0112)
        return int(value) if value is not None else None


def exiftool_tags(*paths: Path) -> list[dict[str, Any]] | None:
    """ExifTool's view of the files (`-j -G1 -a`), or None where ExifTool is not installed."""
    if not EXIFTOOL.exists() or shutil.which(str(EXIFTOOL)) is None:
        return None
    run = subprocess.run(
        [str(EXIFTOOL), "-j", "-G1", "-a", *map(str, paths)], capture_output=True, check=False
    )
    result: list[dict[str, Any]] = json.loads(run.stdout)
    return result


def revealing_tags(tags: dict[str, Any]) -> dict[str, Any]:
    """The ExifTool tags that would show location or identity ("XMP-photoshop:City", "GPS:GPSLatitude")."""
    return {key: value for key, value in tags.items() if REVEALING_TAG.match(key.rpartition(":")[2])}
