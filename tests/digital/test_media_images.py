"""Still images: each container gives away location and identity in each place it can, scanning finds it,
stripping removes it without touching a pixel or the orientation, and damaged files fail closed."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from digital import media_fixtures as fx
from stalkproof.digital.media import jpeg, png, tiff, webp
from stalkproof.digital.media.model import MediaFormatError, Metadata

LAT, LON = 51.5074, -0.1278
Builder = Callable[[Path, float, float], Path]
CONTAINERS: list[tuple[str, ModuleType, Builder, str]] = [
    ("jpeg", jpeg, fx.jpeg_with_everything, "jpg"),
    ("png", png, fx.png_with_exif_and_xmp, "png"),
    ("webp", webp, fx.webp_with_exif_xmp, "webp"),
    ("tiff", tiff, fx.tiff_with_gps, "tif"),
]
IDS = [container[0] for container in CONTAINERS]


def _build(tmp_path: Path, builder: Builder, extension: str) -> Path:
    return builder(tmp_path / f"original.{extension}", LAT, LON)


def _strip(module: ModuleType, source: Path) -> tuple[Path, list[str]]:
    target = source.with_name("clean" + source.suffix)
    target.touch()
    removed: list[str] = module.strip(source, target)
    return target, removed


def _near(found: Metadata, source: str, lat: float = LAT, lon: float = LON) -> bool:
    return any(
        loc.source == source and abs(loc.lat - lat) < 1e-4 and abs(loc.lon - lon) < 1e-4
        for loc in found.locations
    )


def _values(found: Metadata, kind: str) -> set[tuple[str, str, str]]:
    return {(item.source, item.field, item.value) for item in found.items if item.kind == kind}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("label", "module", "builder", "extension"), CONTAINERS, ids=IDS)
def test_each_container_is_recognised_by_its_first_bytes(
    tmp_path: Path, label: str, module: ModuleType, builder: Builder, extension: str
) -> None:
    head = _build(tmp_path, builder, extension).read_bytes()[:64]
    assert [other.name for _, other, _, _ in CONTAINERS if other.matches(head)] == [module.name]


@pytest.mark.parametrize(("label", "module", "builder", "extension"), CONTAINERS, ids=IDS)
def test_scan_finds_exif_gps_and_xmp_position(
    tmp_path: Path, label: str, module: ModuleType, builder: Builder, extension: str
) -> None:
    found = module.scan(_build(tmp_path, builder, extension))
    assert found.format == module.name
    assert _near(found, "TIFF GPS" if module is tiff else "EXIF GPS")
    assert _near(found, "XMP exif:GPSLatitude")
    assert found.reveals_location()


@pytest.mark.parametrize(("label", "module", "builder", "extension"), CONTAINERS, ids=IDS)
def test_scan_finds_place_names_and_identity(
    tmp_path: Path, label: str, module: ModuleType, builder: Builder, extension: str
) -> None:
    found = module.scan(_build(tmp_path, builder, extension))
    exif_source = "TIFF" if module is tiff else "EXIF"
    places, identity = _values(found, "place"), _values(found, "identity")
    assert {("XMP", "photoshop:City", fx.CITY), ("XMP", "Iptc4xmpCore:Location", fx.SUBLOCATION)} <= places
    assert {
        (exif_source, "OwnerName", fx.OWNER),
        (exif_source, "SerialNumber", fx.BODY_SERIAL),
        (exif_source, "LensSerialNumber", fx.LENS_SERIAL),
        (exif_source, "ImageUniqueID", fx.IMAGE_ID),
        (exif_source, "Artist", fx.PERSON),
        (exif_source, "XPAuthor", fx.PERSON),
        ("XMP", "dc:creator", fx.PERSON),
        ("XMP", "xmpRights:Owner", fx.OWNER),
        ("XMP", "aux:SerialNumber", fx.BODY_SERIAL),
        ("XMP", "exifEX:BodySerialNumber", fx.BODY_SERIAL),
    } <= identity
    assert (exif_source, "Make", "ExampleCam") in _values(found, "device")
    assert (exif_source, "DateTimeOriginal", "2024:05:04 13:14:15") in _values(found, "time")


@pytest.mark.parametrize(
    ("module", "builder", "extension"),
    [
        (jpeg, fx.jpeg_with_everything, "jpg"),
        (png, fx.png_with_exif_and_xmp, "png"),
        (tiff, fx.tiff_with_gps, "tif"),
    ],
    ids=["jpeg-app13", "png-raw-profile", "tiff-tag-33723"],
)
def test_scan_finds_iptc_place_names(
    tmp_path: Path, module: ModuleType, builder: Builder, extension: str
) -> None:
    found = module.scan(_build(tmp_path, builder, extension))
    assert {
        ("IPTC", "City", fx.CITY),
        ("IPTC", "Sub-location", fx.SUBLOCATION),
        ("IPTC", "Province-State", fx.STATE),
        ("IPTC", "Country-PrimaryLocationName", fx.COUNTRY),
    } <= _values(found, "place")
    assert ("IPTC", "By-line", fx.PERSON) in _values(found, "identity")


@pytest.mark.parametrize(("label", "module", "builder", "extension"), CONTAINERS, ids=IDS)
def test_strip_removes_location_and_identity_and_keeps_pixels_and_orientation(
    tmp_path: Path, label: str, module: ModuleType, builder: Builder, extension: str
) -> None:
    source = _build(tmp_path, builder, extension)
    before = _digest(source)
    target, removed = _strip(module, source)
    after = module.scan(target)
    assert after.locations == []
    assert [item for item in after.items if item.kind in ("place", "identity")] == []
    assert fx.pixels(target) == fx.pixels(source)
    assert fx.orientation(target) == fx.ORIENTATION
    assert any("XMP" in words for words in removed)
    assert _digest(source) == before


@pytest.mark.skipif(not fx.EXIFTOOL.exists(), reason="ExifTool is not installed")
def test_exiftool_finds_no_location_or_identity_after_strip(tmp_path: Path) -> None:
    originals, cleaned = [], []
    for label, module, builder, extension in CONTAINERS:
        folder = tmp_path / label
        folder.mkdir()
        source = _build(folder, builder, extension)
        originals.append(source)
        cleaned.append(_strip(module, source)[0])
    before, after = fx.exiftool_tags(*originals), fx.exiftool_tags(*cleaned)
    assert before is not None and after is not None
    # The fixtures must show up in ExifTool, or an empty result afterwards would prove nothing.
    assert all("GPS:GPSLatitude" in tags or "XMP-exif:GPSLatitude" in tags for tags in before)
    assert all(fx.revealing_tags(tags) for tags in before)
    for tags in after:
        assert fx.revealing_tags(tags) == {}, tags["SourceFile"]
        assert tags.get("IFD0:Orientation") == "Rotate 90 CW", tags["SourceFile"]
        assert not any("Warning" in key or "Error" in key for key in tags), tags


def test_jpeg_extended_xmp_is_reassembled_from_pieces_in_any_order(tmp_path: Path) -> None:
    found = jpeg.scan(fx.jpeg_with_everything(tmp_path / "extended.jpg", LAT, LON))
    source = "XMP Iptc4xmpExt:LocationCreated/Iptc4xmpExt:GPSLatitude"
    assert _near(found, source, LAT + 1.0, LON + 1.0)
    assert ("XMP", "Iptc4xmpExt:LocationCreated/Iptc4xmpExt:City", fx.EXTENDED_CITY) in _values(
        found, "place"
    )


def test_jpeg_extended_xmp_with_a_missing_piece_is_reported_not_guessed(tmp_path: Path) -> None:
    pieces = fx.extended_xmp_segments(fx.location_shown_packet(LAT, LON), fx.EXTENDED_GUID)
    path = tmp_path / "partial.jpg"
    path.write_bytes(fx.with_segments(fx.encoded_jpeg(), pieces[:-1]))
    found = jpeg.scan(path)
    assert found.locations == []
    assert any("missing" in note for note in found.notes)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16"])
def test_jpeg_utf16_xmp_is_read_and_stripped(tmp_path: Path, encoding: str) -> None:
    source = fx.jpeg_with_xmp(tmp_path / "utf16.jpg", fx.xmp_packet(LAT, LON, encoding=encoding))
    assert _near(jpeg.scan(source), "XMP exif:GPSLatitude")
    target, _ = _strip(jpeg, source)
    assert jpeg.scan(target).items == []
    data = target.read_bytes()
    assert fx.CITY.encode("utf-16-le") not in data and fx.CITY.encode("utf-16-be") not in data


def test_jpeg_strip_keeps_icc_profile_and_jfif_and_drops_trailer_and_comment(tmp_path: Path) -> None:
    source = fx.jpeg_with_everything(tmp_path / "everything.jpg", LAT, LON)
    target, removed = _strip(jpeg, source)
    data = target.read_bytes()
    assert b"ICC_PROFILE\x00" in data and data[6:11] == b"JFIF\x00"
    assert data.endswith(b"\xff\xd9") and data.count(b"\xff\xd8") == 1
    assert fx.PERSON.encode() not in data and fx.CITY.encode() not in data
    assert any("after the end of the picture" in words for words in removed)
    assert "comment" in removed


def test_jpeg_orientation_one_or_absent_writes_no_exif(tmp_path: Path) -> None:
    source = tmp_path / "upright.jpg"
    source.write_bytes(fx.encoded_jpeg(exif=fx.exif_block(LAT, LON, orientation=1)))
    target, _ = _strip(jpeg, source)
    assert b"Exif\x00" not in target.read_bytes()
    assert fx.orientation(target) is None


def test_cmyk_jpeg_keeps_adobe_segment_and_pixels(tmp_path: Path) -> None:
    source = tmp_path / "cmyk.jpg"
    source.write_bytes(fx.encoded_jpeg(fx.picture(mode="CMYK"), exif=fx.exif_block(LAT, LON)))
    target, _ = _strip(jpeg, source)
    assert b"\xff\xeeAdobe" in source.read_bytes() or b"Adobe" in source.read_bytes()
    assert b"Adobe" in target.read_bytes()
    assert fx.pixels(target) == fx.pixels(source)


def test_progressive_jpeg_with_restart_markers_keeps_pixels(tmp_path: Path) -> None:
    source = tmp_path / "progressive.jpg"
    image = fx.picture(200, 120)
    source.write_bytes(fx.encoded_jpeg(image, progressive=True, exif=fx.exif_block(LAT, LON)))
    restart = tmp_path / "restart.jpg"
    restart.write_bytes(fx.encoded_jpeg(image, restart_marker_blocks=1, exif=fx.exif_block(LAT, LON)))
    for path in (source, restart):
        target, _ = _strip(jpeg, path)
        assert fx.pixels(target) == fx.pixels(path)
        assert jpeg.scan(target).locations == []


def test_png_raw_exif_profile_is_read_and_removed(tmp_path: Path) -> None:
    source = fx.png_with_raw_exif_profile(tmp_path / "raw.png", LAT, LON)
    assert _near(png.scan(source), "EXIF GPS")
    target, removed = _strip(png, source)
    assert png.scan(target).locations == []
    assert removed == ["text 'Raw profile type exif'"]


def test_png_strip_keeps_transparency_and_palette(tmp_path: Path) -> None:
    source = tmp_path / "palette.png"
    image = fx.picture().convert("P")
    image.save(source, "PNG", transparency=3, exif=fx.exif_block(LAT, LON))
    target, _ = _strip(png, source)
    assert fx.pixels(target) == fx.pixels(source)
    assert b"tRNS" in target.read_bytes() and b"PLTE" in target.read_bytes()


def test_webp_strip_clears_vp8x_flags_and_fixes_riff_size(tmp_path: Path) -> None:
    source = fx.webp_with_exif_xmp(tmp_path / "flags.webp", LAT, LON)
    assert source.read_bytes()[20] & (webp.EXIF_FLAG | webp.XMP_FLAG) == webp.EXIF_FLAG | webp.XMP_FLAG
    target, _ = _strip(webp, source)
    data = target.read_bytes()
    assert struct.unpack("<I", data[4:8])[0] + 8 == len(data)
    assert data[12:16] == b"VP8X"
    assert data[20] & webp.XMP_FLAG == 0 and data[20] & webp.EXIF_FLAG  # Exif kept only for the rotation
    assert b"XMP " not in data


def test_webp_without_rotation_keeps_no_exif_at_all(tmp_path: Path) -> None:
    source = tmp_path / "upright.webp"
    exif = fx.exif_block(LAT, LON, orientation=1)
    fx.picture().save(source, "WEBP", lossless=True, exif=exif, xmp=fx.xmp_packet(LAT, LON))
    target, _ = _strip(webp, source)
    data = target.read_bytes()
    assert b"EXIF" not in data and data[20] & (webp.EXIF_FLAG | webp.XMP_FLAG) == 0
    assert fx.pixels(target) == fx.pixels(source)


def test_handmade_big_endian_tiff_is_scanned_and_stripped(tmp_path: Path) -> None:
    source = tmp_path / "big-endian.tif"
    source.write_bytes(fx.handmade_tiff(">", artist=fx.PERSON))
    assert ("TIFF", "Artist", fx.PERSON) in _values(tiff.scan(source), "identity")
    target, removed = _strip(tiff, source)
    assert removed == ["artist"]
    assert fx.PERSON.encode() not in target.read_bytes()
    assert fx.pixels(target) == fx.pixels(source)


def test_tiff_whose_metadata_overlaps_the_picture_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "overlap.tif"
    source.write_bytes(fx.handmade_tiff("<", artist=fx.PERSON, artist_inside_pixels=True))
    target = tmp_path / "clean.tif"
    target.touch()
    with pytest.raises(MediaFormatError, match="cannot be stripped safely"):
        tiff.strip(source, target)


# --- damaged input: one sentence, nothing half-done, the original untouched --------------------------------


def _truncated_jpeg(tmp_path: Path) -> Path:
    path = tmp_path / "truncated.jpg"
    data = fx.encoded_jpeg(fx.picture(200, 120), exif=fx.exif_block(LAT, LON))
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def _segment_past_end(tmp_path: Path) -> Path:
    path = tmp_path / "segment-past-end.jpg"
    path.write_bytes(b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", 60000) + b"Exif\x00\x00MM\x00*")
    return path


def _webp_size_lies(tmp_path: Path) -> Path:
    path = fx.webp_with_exif_xmp(tmp_path / "lies.webp", LAT, LON)
    data = bytearray(path.read_bytes())
    data[4:8] = struct.pack("<I", len(data) + 5000)
    path.write_bytes(bytes(data))
    return path


def _png_cut_short(tmp_path: Path) -> Path:
    path = fx.png_with_exif_and_xmp(tmp_path / "cut.png", LAT, LON)
    data = path.read_bytes()
    path.write_bytes(data[: data.index(b"IEND") - 10])
    return path


def _tiff_offset_past_end(tmp_path: Path) -> Path:
    path = fx.tiff_with_gps(tmp_path / "past-end.tif", LAT, LON)
    data = bytearray(path.read_bytes())
    data[4:8] = struct.pack("<I", len(data) + 100)
    path.write_bytes(bytes(data))
    return path


def _exif_loop(tmp_path: Path) -> Path:
    path = tmp_path / "loop.jpg"
    looping = b"Exif\x00\x00MM\x00*" + struct.pack(">I", 8) + struct.pack(">H", 0) + struct.pack(">I", 8)
    path.write_bytes(fx.with_segments(fx.encoded_jpeg(), [fx.segment(0xE1, looping)]))
    return path


DAMAGED = [
    (jpeg, _truncated_jpeg, "cut short"),
    (jpeg, _segment_past_end, "past the end"),
    (webp, _webp_size_lies, "size field"),
    (png, _png_cut_short, "past the end|cut short"),
    (tiff, _tiff_offset_past_end, "past its own end"),
]


@pytest.mark.parametrize(
    ("module", "make", "expected"), DAMAGED, ids=[make.__name__.lstrip("_") for _, make, _ in DAMAGED]
)
def test_damaged_files_fail_with_one_sentence_and_leave_the_original_untouched(
    tmp_path: Path, module: ModuleType, make: Callable[[Path], Path], expected: str
) -> None:
    source = make(tmp_path)
    before = _digest(source)
    with pytest.raises(MediaFormatError, match=expected) as scanned:
        module.scan(source)
    target = tmp_path / "clean.out"
    target.touch()
    with pytest.raises(MediaFormatError, match=expected) as stripped:
        module.strip(source, target)
    for error in (scanned.value, stripped.value):
        message = str(error)
        assert message.startswith(f"{source}: ") and message.endswith(".")
        assert "\n" not in message and message.count(". ") == 0
        assert error.path == source
    assert _digest(source) == before
    assert target.exists()  # the caller deletes it


def test_unknown_jpeg_marker_is_refused_rather_than_dropped(tmp_path: Path) -> None:
    source = tmp_path / "odd.jpg"
    source.write_bytes(fx.with_segments(fx.encoded_jpeg(), [fx.segment(0x4F, b"odd")]))
    target = tmp_path / "clean.jpg"
    target.touch()
    with pytest.raises(MediaFormatError, match="does not know"):
        jpeg.strip(source, target)


def test_unknown_critical_png_chunk_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "critical.png"
    fx.picture().save(source, "PNG")
    data = source.read_bytes()
    source.write_bytes(data[:33] + fx.png_chunk(b"CgBI", b"\x00\x00\x00\x00") + data[33:])
    target = tmp_path / "clean.png"
    target.touch()
    with pytest.raises(MediaFormatError, match="does not know"):
        png.strip(source, target)


def test_exif_loop_fails_the_scan_but_strip_simply_drops_the_block(tmp_path: Path) -> None:
    source = _exif_loop(tmp_path)
    with pytest.raises(MediaFormatError, match="loop"):
        jpeg.scan(source)
    target, removed = _strip(jpeg, source)
    assert b"Exif" not in target.read_bytes()
    assert removed == ["Exif metadata (GPS position, camera, times, serial numbers)"]


@pytest.mark.parametrize("lossless", [True, False])
def test_files_without_metadata_come_out_byte_identical(tmp_path: Path, lossless: bool) -> None:
    sources = {jpeg: tmp_path / "plain.jpg", png: tmp_path / "plain.png", webp: tmp_path / "plain.webp"}
    sources[tiff] = tmp_path / "plain.tif"
    fx.picture().save(sources[jpeg], "JPEG", quality=90)
    fx.picture().save(sources[png], "PNG")
    fx.picture().save(sources[webp], "WEBP", lossless=lossless)
    fx.picture().save(sources[tiff], "TIFF")
    for module, source in sources.items():
        target, removed = _strip(module, source)
        assert removed == [], module.name
        assert target.read_bytes() == source.read_bytes(), module.name


def test_png_compressed_itxt_xmp_is_read(tmp_path: Path) -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", fx.xmp_packet(LAT, LON).decode(), zip=True)
    source = tmp_path / "compressed.png"
    fx.picture().save(source, "PNG", pnginfo=info)
    assert _near(png.scan(source), "XMP exif:GPSLatitude")


def test_unknown_app1_is_noted_and_dropped(tmp_path: Path) -> None:
    source = tmp_path / "flir.jpg"
    source.write_bytes(fx.with_segments(fx.encoded_jpeg(), [fx.segment(0xE1, b"FLIR\x00" + bytes(40))]))
    assert any("'FLIR'" in note for note in jpeg.scan(source).notes)
    target, removed = _strip(jpeg, source)
    assert removed == ["APP1 application data"] and b"FLIR" not in target.read_bytes()


def test_forged_extended_xmp_lengths_reserve_no_memory(tmp_path: Path) -> None:
    """Fifty packets each claiming almost 4 GB: read as notes, without reserving any of it."""
    prefix = b"http://ns.adobe.com/xmp/extension/\x00"
    forged = [
        fx.segment(0xE1, prefix + f"{index:032X}".encode() + struct.pack(">II", 0xFFFF0000, 0) + b"<x")
        for index in range(50)
    ]
    source = tmp_path / "forged.jpg"
    source.write_bytes(fx.with_segments(fx.encoded_jpeg(), forged))
    notes = jpeg.scan(source).notes
    assert len([note for note in notes if "larger than any real photo" in note]) == 50


def test_extended_xmp_pieces_that_disagree_on_the_length_are_refused(tmp_path: Path) -> None:
    prefix = b"http://ns.adobe.com/xmp/extension/\x00" + fx.EXTENDED_GUID.encode()
    pieces = [fx.segment(0xE1, prefix + struct.pack(">II", total, 0) + b"<x") for total in (10, 12)]
    source = tmp_path / "disagree.jpg"
    source.write_bytes(fx.with_segments(fx.encoded_jpeg(), pieces))
    with pytest.raises(MediaFormatError, match="do not fit together"):
        jpeg.scan(source)


@pytest.mark.parametrize("compression", ["tiff_lzw", "tiff_adobe_deflate", "jpeg", "packbits"])
def test_compressed_multipage_tiff_is_stripped_on_every_page(tmp_path: Path, compression: str) -> None:
    from PIL import Image

    source = tmp_path / "pages.tif"
    pages = [fx.picture(), fx.picture(32, 32)]
    tags = {315: fx.PERSON, 270: "Taken at Exampleton"}
    pages[0].save(
        source, "TIFF", compression=compression, tiffinfo=tags, save_all=True, append_images=pages[1:]
    )
    assert [item.value for item in tiff.scan(source).items] == [fx.PERSON, fx.PERSON]
    target, removed = _strip(tiff, source)
    assert removed == ["image description", "artist"]
    assert tiff.scan(target).items == []
    with Image.open(source) as before, Image.open(target) as after:
        for page in range(2):
            before.seek(page)
            after.seek(page)
            assert after.tobytes() == before.tobytes()
