"""The metadata readers shared by every image container: Exif (TIFF structure), XMP, IPTC IIM and
Photoshop resources. Blocks are written here by hand or by Pillow, never by the code under test."""

from __future__ import annotations

import io
import struct
from typing import Any

import pytest
from PIL import ExifTags, Image

from digital import media_fixtures as fx
from stalkproof.digital.media import exif, iptc, xmp
from stalkproof.digital.media.model import MediaFormatError

# --- Exif -----------------------------------------------------------------------------------------------


def _pillow_exif(gps: dict[int, Any], **tags: Any) -> bytes:
    block = Image.Exif()
    for tag, value in tags.items():
        block[int(tag.removeprefix("t"), 16)] = value
    block[ExifTags.IFD.GPSInfo] = gps
    return block.tobytes()


def _table(order: str, entries: list[tuple[int, int, int, int]], next_offset: int = 0) -> bytes:
    packed = b"".join(struct.pack(order + "HHII", *entry) for entry in entries)
    return struct.pack(order + "H", len(entries)) + packed + struct.pack(order + "I", next_offset)


def _header(order: str, first: int = 8) -> bytes:
    return (b"II*\x00" if order == "<" else b"MM\x00*") + struct.pack(order + "I", first)


def test_southern_and_western_positions_are_negative_and_altitude_below_sea_level() -> None:
    block = _pillow_exif({1: "S", 2: (33.0, 51.0, 36.0), 3: "W", 4: (70.0, 30.0, 0.0), 5: b"\x01", 6: 12.5})
    found = exif.read_exif(block, "EXIF")
    [place] = found.locations
    assert place.source == "EXIF GPS"
    assert place.lat == pytest.approx(-33.86) and place.lon == pytest.approx(-70.5)
    assert place.altitude == pytest.approx(-12.5)


def test_destination_position_and_area_name_are_reported() -> None:
    area = b"ASCII\x00\x00\x00Example Park"
    gps = {0x13: "N", 0x14: (10.0, 0.0, 0.0), 0x15: "E", 0x16: (20.0, 0.0, 0.0), 0x1C: area}
    found = exif.read_exif(_pillow_exif(gps), "HEIC Exif item")
    assert [(place.lat, place.lon, place.source) for place in found.locations] == [
        (10.0, 20.0, "HEIC Exif item GPS destination")
    ]
    assert [(item.kind, item.value) for item in found.items] == [("place", "Example Park")]


def test_zero_zero_position_is_a_note_not_a_place() -> None:
    found = exif.read_exif(_pillow_exif({1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)}), "EXIF")
    assert found.locations == []
    assert any("no fix" in note for note in found.notes)


def test_reading_matches_pillow_on_a_full_block() -> None:
    block = fx.exif_block(48.8584, 2.2945)
    found = exif.read_exif(block, "EXIF")
    pillow = Image.Exif()
    pillow.load(block)
    gps = pillow.get_ifd(ExifTags.IFD.GPSInfo)
    expected = sum(float(part) * weight for part, weight in zip(gps[2], (1, 1 / 60, 1 / 3600), strict=True))
    assert found.locations[0].lat == pytest.approx(expected)
    owner = pillow.get_ifd(ExifTags.IFD.Exif)[0xA430]
    assert ("identity", "OwnerName", owner) in {(item.kind, item.field, item.value) for item in found.items}


@pytest.mark.parametrize("order", ["<", ">"])
def test_block_with_and_without_exif_prefix_and_in_both_byte_orders(order: str) -> None:
    artist = b"Alice Example\x00"
    block = _header(order) + _table(order, [(0x013B, 2, len(artist), 26)]) + artist
    for data in (block, b"Exif\x00\x00" + block):
        assert [item.value for item in exif.read_exif(data, "EXIF").items] == ["Alice Example"]


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (_header(">") + _table(">", [(0x8769, 4, 1, 8)]), "loop"),
        (_header(">") + _table(">", [], next_offset=8), "loop"),
        (_header(">") + _table(">", [(0x013B, 2, 40, 1000)]), "past its own end"),
        (_header(">", first=4000) + _table(">", []), "past its own end"),
        (_header(">") + struct.pack(">H", 5000), "more entries"),
        (b"MM\x00+\x00\x08\x00\x00", "BigTIFF"),
        (b"NOTATIFF", "TIFF header"),
        (b"MM", "TIFF header"),
    ],
    ids=[
        "exif-ifd-loop",
        "next-ifd-loop",
        "value-past-end",
        "ifd-past-end",
        "huge-count",
        "bigtiff",
        "junk",
        "short",
    ],
)
def test_damaged_exif_blocks_raise_one_sentence(block: bytes, expected: str) -> None:
    with pytest.raises(MediaFormatError, match=expected) as raised:
        exif.read_exif(block, "EXIF")
    assert str(raised.value).endswith(".") and "\n" not in str(raised.value)


def test_orientation_is_read_from_ifd0_only_and_range_checked() -> None:
    assert exif.orientation_of(fx.exif_block(1.0, 1.0, orientation=8)) == 8
    assert exif.orientation_of(_header(">") + _table(">", [(0x0112, 3, 1, 9 << 16)])) is None
    assert exif.orientation_of(_header(">") + _table(">", [])) is None


@pytest.mark.parametrize("orientation", range(1, 9))
def test_minimal_orientation_block_reads_back_in_pillow(orientation: int) -> None:
    block = exif.orientation_only(orientation)
    pillow = Image.Exif()
    pillow.load(b"Exif\x00\x00" + block)
    assert dict(pillow) == {0x0112: orientation}
    assert exif.read_exif(block, "EXIF").items == []


# --- XMP ------------------------------------------------------------------------------------------------

RDF_OPEN = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
)
RDF_CLOSE = "</rdf:RDF></x:xmpmeta>"


def _xmp(description: str) -> bytes:
    return (RDF_OPEN + description + RDF_CLOSE).encode()


@pytest.mark.parametrize(
    ("text", "hemispheres", "expected"),
    [
        ("51,30.5N", "NS", 51.508333),
        ("51,30,30N", "NS", 51.508333),
        ("0,7.5W", "EW", -0.125),
        ("33,51.6S", "NS", -33.86),
        ("-0.1275", "EW", -0.1275),
        ("+51.5", "NS", 51.5),
        ("51.5S", "NS", -51.5),
        ("51,30.5E", "NS", None),
        ("north", "NS", None),
    ],
)
def test_xmp_coordinate_forms(text: str, hemispheres: str, expected: float | None) -> None:
    value = xmp.coordinate(text, hemispheres)
    assert value == (pytest.approx(expected) if expected is not None else None)


def test_each_location_structure_keeps_its_own_position() -> None:
    packet = _xmp(
        '<rdf:Description xmlns:ext="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"><ext:LocationShown><rdf:Bag>'
        '<rdf:li rdf:parseType="Resource"><ext:City>Aville</ext:City>'
        "<ext:GPSLatitude>10.5</ext:GPSLatitude><ext:GPSLongitude>20.5</ext:GPSLongitude></rdf:li>"
        '<rdf:li><rdf:Description ext:City="Bville" ext:GPSLatitude="-11" ext:GPSLongitude="-21"/></rdf:li>'
        "</rdf:Bag></ext:LocationShown></rdf:Description>"
    )
    found = xmp.read_xmp(packet, "XMP")
    assert sorted((place.lat, place.lon) for place in found.locations) == [(-11.0, -21.0), (10.5, 20.5)]
    assert {item.value for item in found.items} == {"Aville", "Bville"}
    assert {item.field for item in found.items} == {"Iptc4xmpExt:LocationShown/Iptc4xmpExt:City"}


def test_drone_position_in_its_own_schema_is_found() -> None:
    packet = _xmp(
        '<rdf:Description xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" '
        'drone-dji:GpsLatitude="+22.5406" drone-dji:GpsLongtitude="+113.9530"/>'
    )
    [place] = xmp.read_xmp(packet, "XMP").locations
    assert (place.lat, place.lon, place.source) == (22.5406, 113.953, "XMP drone-dji:GpsLatitude")


def test_face_region_names_and_creator_contact_address_are_found() -> None:
    packet = _xmp(
        '<rdf:Description xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
        'xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/">'
        "<mwg-rs:Regions rdf:parseType='Resource'><mwg-rs:RegionList><rdf:Bag>"
        "<rdf:li rdf:parseType='Resource'><mwg-rs:Name>Carol Example</mwg-rs:Name></rdf:li>"
        "</rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>"
        "<Iptc4xmpCore:CreatorContactInfo Iptc4xmpCore:CiAdrCity='Exampleton'/>"
        "</rdf:Description>"
    )
    items = {(item.kind, item.value) for item in xmp.read_xmp(packet, "XMP").items}
    assert items == {("identity", "Carol Example"), ("place", "Exampleton")}


def test_half_a_position_or_nonsense_is_a_note() -> None:
    only_latitude = _xmp(
        '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="1,2N"/>'
    )
    nonsense = _xmp(
        '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        'exif:GPSLatitude="99,0N" exif:GPSLongitude="1,0E"/>'
    )
    for packet in (only_latitude, nonsense):
        found = xmp.read_xmp(packet, "XMP")
        assert found.locations == [] and len(found.notes) == 1


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-8-sig"])
def test_xmp_in_other_encodings_without_declaration(encoding: str) -> None:
    packet = fx.xmp_packet(1.5, 2.5).decode("utf-8").encode(encoding)
    [place] = xmp.read_xmp(packet, "XMP").locations
    assert place.lat == pytest.approx(1.5) and place.lon == pytest.approx(2.5)


def test_xmp_with_xml_declaration_naming_utf16_and_trailing_padding() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?>' + fx.xmp_packet(1.5, 2.5).decode() + "\x00" * 7
    assert len(xmp.read_xmp(text.encode("utf-16-le"), "XMP").locations) == 1


@pytest.mark.parametrize(
    ("packet", "expected"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>&lol2;</x:xmpmeta>",
            "entities",
        ),
        (b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x>&xxe;</x>', "entities"),
        (_xmp("<rdf:Description>&undefined;</rdf:Description>"), "not well-formed"),
        (b"<x:xmpmeta><unclosed>", "not well-formed"),
    ],
    ids=["entity-bomb", "external-entity", "undefined-entity", "broken"],
)
def test_hostile_or_broken_xmp_is_refused(packet: bytes, expected: str) -> None:
    with pytest.raises(MediaFormatError, match=expected):
        xmp.read_xmp(packet, "XMP")


# --- IPTC and Photoshop resources -----------------------------------------------------------------------


def test_iptc_extended_length_dataset_and_latin1_fallback() -> None:
    long_city = "Ex" * 40000
    extended = (
        b"\x1c\x02\x5a" + struct.pack(">H", 0x8004) + struct.pack(">I", len(long_city)) + long_city.encode()
    )
    latin = b"\x1c\x02\x65" + struct.pack(">H", 4) + "Caf\xe9".encode("latin-1")
    found = iptc.read_iptc(extended + latin, "IPTC")
    assert [(item.field, len(item.value)) for item in found.items] == [
        ("City", iptc.MAX_VALUE_CHARS),
        ("Country-PrimaryLocationName", 4),
    ]
    assert found.items[1].value == "Café"


@pytest.mark.parametrize(
    "data",
    [
        b"\x1c\x02\x5a\x00\x20short",
        b"\x1c\x02",
        b"\x1c\x02\x5a\x00\x02ab\x99junk",
        b"\x1c\x02\x5a\x80\x09",
    ],
    ids=["past-end", "cut-header", "junk-after", "bad-extended-width"],
)
def test_damaged_iptc_raises(data: bytes) -> None:
    with pytest.raises(MediaFormatError, match="IPTC"):
        iptc.read_iptc(data, "IPTC")


def test_iptc_zero_padding_is_accepted() -> None:
    assert len(iptc.read_iptc(fx.iptc_iim() + b"\x00\x00\x00", "IPTC").items) == 6


def test_photoshop_resources_with_odd_names_and_sizes_and_several_blocks() -> None:
    def resource(number: int, name: bytes, payload: bytes) -> bytes:
        pascal = bytes((len(name),)) + name
        pascal += b"\x00" * (len(pascal) & 1)
        return (
            b"8BIM"
            + struct.pack(">H", number)
            + pascal
            + struct.pack(">I", len(payload))
            + payload
            + (b"\x00" * (len(payload) & 1))
        )

    data = iptc.PHOTOSHOP_HEADER + resource(0x03ED, b"abc", b"xyz") + resource(0x0404, b"", fx.iptc_iim())
    data += resource(0x0424, b"x", fx.xmp_packet(1.5, 2.5))
    found = iptc.read_photoshop(data, "Photoshop")
    assert ("City", fx.CITY) in {(item.field, item.value) for item in found.items}
    assert len(found.locations) == 1


def test_damaged_photoshop_resources_raise() -> None:
    data = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", 500) + b"short"
    with pytest.raises(MediaFormatError, match="Photoshop"):
        iptc.read_photoshop(data, "Photoshop")
    with pytest.raises(MediaFormatError, match="Photoshop"):
        iptc.read_photoshop(b"XXXX" + bytes(20) + b"y", "Photoshop")


def test_fixture_blocks_are_also_readable_by_pillow() -> None:
    """Guards the fixtures themselves: Pillow must see the same IPTC city the reader sees."""
    from PIL import IptcImagePlugin

    buffer = io.BytesIO()
    raw = fx.with_segments(fx.encoded_jpeg(), [fx.app13(fx.iptc_iim())])
    buffer.write(raw)
    buffer.seek(0)
    with Image.open(buffer) as image:
        info = IptcImagePlugin.getiptcinfo(image)
    assert info is not None and info[(2, 90)] == fx.CITY.encode()


def test_missing_link_after_the_last_table_is_accepted() -> None:
    """libpng's own test picture ends its Exif block right after the last table's entries."""
    ifd0 = _table(">", [(0x0112, 3, 1, 5 << 16), (0x8769, 4, 1, 38)])
    exif_ifd = struct.pack(">H", 1) + struct.pack(">HHIHH", 0xA431, 2, 2, 0x4100, 0)
    block = _header(">") + ifd0 + exif_ifd
    assert len(block) == 52
    assert [(item.field, item.value) for item in exif.read_exif(block, "EXIF").items] == [
        ("SerialNumber", "A")
    ]
    assert exif.orientation_of(block) == 5


def test_deeply_nested_xmp_is_refused_not_a_crash() -> None:
    nested = "<rdf:Seq><rdf:li>" * 3000 + "x" + "</rdf:li></rdf:Seq>" * 3000
    packet = _xmp(f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{nested}</dc:creator>'
                  "</rdf:Description>")  # fmt: skip
    with pytest.raises(MediaFormatError, match="nested"):
        xmp.read_xmp(packet, "XMP")
