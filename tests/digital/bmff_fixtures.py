"""Synthetic MP4, MOV and HEIC files written box by box, with location and identity where phones and
cameras put it. Shared by the media tests, the orchestration tests and the benchmark.

Every person, place and device here is fictional; coordinates default to central London because the
stalkproof test suite uses a fictional case there.
"""

from __future__ import annotations

import struct
from pathlib import Path

from PIL import Image

XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
ENGLISH = 0x15C7  # ISO 639-2 "eng" packed in 15 bits, as QuickTime and 3GPP store languages
IDENTITY_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)

PERSON = "Alex Example"
PLACE = "Exampletown"
MAKE = "ExampleCam"
MODEL = "Model 7"
SERIAL = "EX-0042-7700"


def u16(value: int) -> bytes:
    return struct.pack(">H", value)


def u32(value: int) -> bytes:
    return struct.pack(">I", value)


def fixed16(value: float) -> bytes:
    """A signed 16.16 fixed-point number."""
    return struct.pack(">i", round(value * 65536))


def box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return u32(8 + len(body)) + kind + body


def large_box(kind: bytes, *parts: bytes) -> bytes:
    """A box written with the 64-bit size field."""
    body = b"".join(parts)
    return u32(1) + kind + struct.pack(">Q", 16 + len(body)) + body


def full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return box(kind, bytes([version]) + flags.to_bytes(3, "big"), *parts)


def uuid_box(user_type: bytes, *parts: bytes) -> bytes:
    return box(b"uuid", user_type, *parts)


def iso6709(lat: float, lon: float, altitude: float | None = None) -> str:
    text = f"{lat:+08.4f}{lon:+09.4f}"
    if altitude is not None:
        text += f"{altitude:+08.3f}"
    return text + "/"


def qt_text(kind: bytes, text: str) -> bytes:
    """A QuickTime user-data text atom: length, language, UTF-8 text."""
    raw = text.encode("utf-8")
    return box(kind, u16(len(raw)), u16(ENGLISH), raw)


def loci(lat: float, lon: float, altitude: float, place: str, notes: str = "") -> bytes:
    """3GPP location: language, name, role, longitude, latitude, altitude, body, notes."""
    return full_box(
        b"loci", 0, 0, u16(ENGLISH), place.encode() + b"\0", b"\0",
        fixed16(lon), fixed16(lat), fixed16(altitude), b"earth\0", notes.encode() + b"\0",
    )  # fmt: skip


def data_box(value: bytes, type_code: int = 1) -> bytes:
    return box(b"data", u32(type_code), u32(0), value)


def keys_meta(entries: dict[str, str]) -> bytes:
    """An Apple `meta` (QuickTime flavour, no version field) with `keys` and `ilst`."""
    keys = b"".join(u32(8 + len(k.encode())) + b"mdta" + k.encode() for k in entries)
    items = b"".join(box(u32(i), data_box(v.encode())) for i, v in enumerate(entries.values(), 1))
    return box(
        b"meta",
        box(b"hdlr", u32(0), u32(0), b"mdta", bytes(12), b"\0"),
        full_box(b"keys", 0, 0, u32(len(entries)), keys),
        box(b"ilst", items),
    )


def xmp_packet(lat: float, lon: float) -> bytes:
    """XMP with GPS, a city and a creator, as photo and video tools write it."""

    def angle(value: float, positive: str, negative: str) -> str:
        whole = int(abs(value))
        return f"{whole},{(abs(value) - whole) * 60:.4f}{positive if value >= 0 else negative}"

    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/"'
        ' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        f' exif:GPSLatitude="{angle(lat, "N", "S")}" exif:GPSLongitude="{angle(lon, "E", "W")}"'
        f' photoshop:City="{PLACE}"><dc:creator><rdf:Seq><rdf:li>{PERSON}</rdf:li></rdf:Seq></dc:creator>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def media_bytes(size: int) -> bytes:
    """Deterministic stand-in for encoded samples."""
    pattern = bytes((i * 37 + 11) % 256 for i in range(251))
    return (pattern * (size // len(pattern) + 1))[:size]


def _sample_entry(kind: bytes) -> bytes:
    if kind == b"avc1":
        visual = bytes(16) + u16(16) + u16(16) + u32(0x480000) * 2 + bytes(4) + u16(1) + bytes(32)
        return box(kind, bytes(6), u16(1), visual, u16(24), b"\xff\xff")
    return box(kind, bytes(6), u16(1))


def trak(
    track_id: int, handler: bytes, entry: bytes, chunk_offset: int, chunk_size: int, *extra: bytes
) -> bytes:
    """A track with one sample in one chunk at `chunk_offset`; `extra` boxes (such as `udta`) follow."""
    tkhd = full_box(
        b"tkhd", 0, 3, u32(0), u32(0), u32(track_id), u32(0), u32(1000), bytes(8),
        u16(0), u16(0), u16(0), u16(0), IDENTITY_MATRIX, u32(16 << 16), u32(16 << 16),
    )  # fmt: skip
    stbl = box(
        b"stbl",
        full_box(b"stsd", 0, 0, u32(1), _sample_entry(entry)),
        full_box(b"stts", 0, 0, u32(1), u32(1), u32(1000)),
        full_box(b"stsc", 0, 0, u32(1), u32(1), u32(1), u32(1)),
        full_box(b"stsz", 0, 0, u32(chunk_size), u32(1)),
        full_box(b"stco", 0, 0, u32(1), u32(chunk_offset)),
    )
    minf = box(b"minf", full_box(b"nmhd", 0, 0), stbl)
    mdia = box(
        b"mdia",
        full_box(b"mdhd", 0, 0, u32(0), u32(0), u32(1000), u32(1000), u16(ENGLISH), u16(0)),
        full_box(b"hdlr", 0, 0, u32(0), handler, bytes(12), b"\0"),
        minf,
    )
    return box(b"trak", tkhd, mdia, *extra)


def _movie(
    brand: bytes, lat: float, lon: float, mdat_size: int, gps_track: bool, large_mdat: bool, xmp_in_udta: bool
) -> bytes:
    ftyp = box(b"ftyp", brand, u32(0), brand, b"mp41" if brand != b"qt  " else b"")
    mdat = (large_box if large_mdat else box)(b"mdat", media_bytes(mdat_size))
    media_offset = len(ftyp) + (16 if large_mdat else 8)
    half = mdat_size // 2 if gps_track else mdat_size
    track_udta = box(b"udta", qt_text(b"\xa9xyz", iso6709(lat, lon)))
    tracks = trak(1, b"vide", b"avc1", media_offset, half, track_udta)
    if gps_track:
        tracks += trak(2, b"meta", b"gpmd", media_offset + half, mdat_size - half)
    mvhd = full_box(
        b"mvhd", 0, 0, u32(0), u32(0), u32(1000), u32(1000), u32(0x10000), u16(0x100), bytes(10),
        IDENTITY_MATRIX, bytes(24), u32(3),
    )  # fmt: skip
    udta = box(
        b"udta",
        qt_text(b"\xa9xyz", iso6709(lat, lon, 12.5)),
        loci(lat, lon, 12.5, PLACE, "near the park"),
        qt_text(b"\xa9mak", MAKE),
        qt_text(b"\xa9mod", MODEL),
        qt_text(b"\xa9ART", PERSON),
        qt_text(b"\xa9day", "2026-03-01T09:30:00Z"),
        box(b"XMP_", xmp_packet(lat, lon)) if xmp_in_udta else b"",
    )
    meta = keys_meta(
        {
            "com.apple.quicktime.location.ISO6709": iso6709(lat, lon, 12.5),
            "com.apple.quicktime.location.name": PLACE,
            "com.apple.quicktime.make": MAKE,
            "com.apple.quicktime.model": MODEL,
            "com.apple.quicktime.creationdate": "2026-03-01T09:30:00+0000",
            "com.example.camera.serialnumber": SERIAL,
        }
    )
    moov = box(b"moov", mvhd, tracks, udta, meta)
    tail = b"" if xmp_in_udta else uuid_box(XMP_UUID, xmp_packet(lat, lon))
    return ftyp + mdat + moov + tail


def mp4_with_location(
    path: Path,
    lat: float = 51.5074,
    lon: float = -0.1278,
    *,
    mdat_size: int = 4096,
    gps_track: bool = False,
    large_mdat: bool = False,
) -> Path:
    """An MP4 with location in movie and track `©xyz`, `loci`, the ISO 6709 key, `location.name` and an
    XMP `uuid` box, plus make, model, artist and a serial-number key. `gps_track` adds a GoPro-style
    `gpmd` track; `large_mdat` writes `mdat` with a 64-bit size."""
    path.write_bytes(_movie(b"isom", lat, lon, mdat_size, gps_track, large_mdat, xmp_in_udta=False))
    return path


def mov_with_location(
    path: Path, lat: float = 51.5074, lon: float = -0.1278, *, mdat_size: int = 4096
) -> Path:
    """A QuickTime movie (brand `qt  `) with the same metadata, its XMP in `udta/XMP_`."""
    path.write_bytes(_movie(b"qt  ", lat, lon, mdat_size, False, False, xmp_in_udta=True))
    return path


def mdat_payload(path: Path) -> bytes:
    """The body of the first top-level `mdat` box (test helper: must survive stripping unchanged)."""
    data = path.read_bytes()
    position = 0
    while position < len(data):
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[position + 8 : position + 16])[0], 16
        if kind == b"mdat":
            return data[position + header : position + size]
        position += size
    raise AssertionError("no mdat box")


def exif_with_gps(lat: float, lon: float) -> bytes:
    """Exif ("Exif\\0\\0" + TIFF) with a GPS directory, make, artist and body serial number, via Pillow."""
    exif = Image.Exif()
    exif[0x010F] = MAKE
    exif[0x0110] = MODEL
    exif[0x013B] = PERSON
    exif.get_ifd(0x8769)[0xA431] = SERIAL

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)

    exif.get_ifd(0x8825).update(
        {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}
    )
    return exif.tobytes()


def heic_with_exif_gps(
    path: Path,
    lat: float = 51.5074,
    lon: float = -0.1278,
    *,
    image_size: int = 2048,
    xmp_in_idat: bool = True,
) -> Path:
    """A HEIC-like file built box by box: an `hvc1` image item (stand-in bytes), an Exif item with GPS
    in `mdat`, and an XMP item with GPS and a city (in `idat`, construction method 1, unless
    `xmp_in_idat` is False); rotation in an `irot` property."""
    image = media_bytes(image_size)
    exif_item = u32(6) + exif_with_gps(lat, lon)
    xmp = xmp_packet(lat, lon)
    ftyp = box(b"ftyp", b"heic", u32(0), b"mif1", b"heic")

    def meta(mdat_body_offset: int) -> bytes:
        def infe(item_id: int, kind: bytes, extra: bytes = b"") -> bytes:
            return full_box(b"infe", 2, 0, u16(item_id), u16(0), kind, b"\0", extra)

        xmp_place = (
            u16(3) + u16(1) + u16(0) + u16(1) + u32(0) + u32(len(xmp))
            if xmp_in_idat
            else u16(3)
            + u16(0)
            + u16(0)
            + u16(1)
            + u32(mdat_body_offset + len(image) + len(exif_item))
            + u32(len(xmp))
        )
        iloc = full_box(
            b"iloc", 1, 0, bytes([0x44, 0x00]), u16(3),
            u16(1) + u16(0) + u16(0) + u16(1) + u32(mdat_body_offset) + u32(len(image)),
            u16(2) + u16(0) + u16(0) + u16(1) + u32(mdat_body_offset + len(image)) + u32(len(exif_item)),
            xmp_place,
        )  # fmt: skip
        iinf = full_box(
            b"iinf", 0, 0, u16(3),
            infe(1, b"hvc1"), infe(2, b"Exif"), infe(3, b"mime", b"application/rdf+xml\0"),
        )  # fmt: skip
        ipco = box(b"ipco", full_box(b"ispe", 0, 0, u32(16), u32(16)), box(b"irot", b"\x01"))
        ipma = full_box(b"ipma", 0, 0, u32(1), u16(1), b"\x02", b"\x81\x82")
        iref = full_box(
            b"iref", 0, 0, box(b"cdsc", u16(2), u16(1), u16(1)), box(b"cdsc", u16(3), u16(1), u16(1))
        )
        return full_box(
            b"meta", 0, 0,
            full_box(b"hdlr", 0, 0, u32(0), b"pict", bytes(12), b"\0"),
            full_box(b"pitm", 0, 0, u16(1)),
            iinf, iloc, iref, box(b"iprp", ipco, ipma),
            box(b"idat", xmp) if xmp_in_idat else b"",
        )  # fmt: skip

    mdat_body = image + exif_item + (b"" if xmp_in_idat else xmp)
    placeholder = meta(0)
    offset = len(ftyp) + len(placeholder) + 8
    path.write_bytes(ftyp + meta(offset) + box(b"mdat", mdat_body))
    return path


def heic_image_bytes(path: Path, image_size: int = 2048) -> bytes:
    """The stand-in image item of `heic_with_exif_gps` (it starts the `mdat` body)."""
    return mdat_payload(path)[:image_size]


def avif_with_exif_gps(path: Path, lat: float = 51.5074, lon: float = -0.1278) -> Path:
    """A real AVIF encoded by Pillow, with an Exif item holding GPS and an XMP item with a city."""
    picture = Image.new("RGB", (32, 24))
    picture.putdata([((x * 8) % 256, (y * 10) % 256, (x * y) % 256) for y in range(24) for x in range(32)])
    picture.save(path, format="AVIF", exif=exif_with_gps(lat, lon), xmp=xmp_packet(lat, lon), quality=90)
    return path
