"""QuickTime/MP4 and HEIF/AVIF: scanning finds every location, stripping removes it without touching a
media byte, and damaged or unstrippable files are refused with nothing written."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import random
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from digital import bmff_fixtures as fx
from stalkproof.digital.media import bmff, heif, quicktime
from stalkproof.digital.media.model import MediaFormatError, Metadata

EXIFTOOL = Path("/usr/bin/exiftool")
HAS_XMP_READER = importlib.util.find_spec("stalkproof.digital.media.xmp") is not None
HAS_EXIF_READER = importlib.util.find_spec("stalkproof.digital.media.exif") is not None
# ExifTool tag names (after the group) that reveal a place, a person or a device.
REVEALING = ("GPS", "Location", "ISO6709", "City", "Serial", "Artist", "Author", "Creator", "Make", "Model")
SECRETS = (fx.PLACE.encode(), fx.PERSON.encode(), fx.SERIAL.encode(), b"+51.5074", fx.MAKE.encode())

Builder = Callable[[Path], Path]
MOVIES: dict[str, Builder] = {
    "mp4": fx.mp4_with_location,
    "mov": fx.mov_with_location,
    "mp4-64-bit-mdat": functools.partial(fx.mp4_with_location, large_mdat=True),
}


def succeeds_or_says_one_sentence(call: Callable[[], object], path: Path) -> None:
    """`call` works, or raises MediaFormatError: one line naming `path`, the file the person chose."""
    try:
        call()
    except MediaFormatError as error:
        assert str(error).startswith(f"{path}: ") and "\n" not in str(error)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def strip_to(module: object, source: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    target = tmp_path / ("clean-" + source.name)
    target.touch()
    removed = module.strip(source, target)  # type: ignore[attr-defined]
    return target, removed


def exiftool_revealing(path: Path) -> list[str]:
    output = subprocess.run(
        [str(EXIFTOOL), "-j", "-G1", "-a", "-ee", str(path)], capture_output=True, check=True, text=True
    ).stdout
    tags = json.loads(output)[0]
    return [key for key in tags if any(word in key.split(":")[-1] for word in REVEALING)]


def free_ranges(path: Path) -> list[tuple[int, int]]:
    """Byte ranges of every `free` box anywhere in the movie's metadata."""
    containers = {b"moov", b"trak", b"udta", b"meta", b"ilst", b"mdia", b"minf", b"stbl"}
    with bmff.open_boxes(path) as reader:
        walked = reader.walk(reader.top_level(), lambda _trail, box: box.type in containers)
        return [(box.offset, box.end) for _trail, box in walked if box.type == bmff.FREE]


def assert_nothing_revealing(found: Metadata) -> None:
    assert found.locations == []
    assert [item for item in found.items if item.kind in ("place", "identity", "device")] == []


# --- QuickTime / MP4 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(MOVIES))
def test_scan_finds_every_location_in_a_movie(tmp_path: Path, kind: str) -> None:
    movie = MOVIES[kind](tmp_path / f"holiday.{kind[:3]}")

    found = quicktime.scan(movie)

    assert found.format == kind[:3]
    sources = {location.source for location in found.locations}
    assert {"QuickTime ©xyz", "QuickTime track ©xyz", "QuickTime loci (3GPP)"} <= sources
    assert "QuickTime key com.apple.quicktime.location.ISO6709" in sources
    for location in found.locations:
        assert location.lat == pytest.approx(51.5074, abs=1e-4)
        assert location.lon == pytest.approx(-0.1278, abs=1e-4)
    places = {item.value for item in found.of_kind("place")}
    assert fx.PLACE in places and "near the park" in places
    identities = {item.value for item in found.of_kind("identity")}
    assert {fx.PERSON, fx.SERIAL} <= identities
    assert fx.MAKE in {item.value for item in found.of_kind("device")}
    if HAS_XMP_READER:
        assert any("XMP" in location.source for location in found.locations)


@pytest.mark.parametrize("kind", sorted(MOVIES))
def test_strip_removes_location_and_keeps_every_media_byte(tmp_path: Path, kind: str) -> None:
    movie = MOVIES[kind](tmp_path / f"holiday.{kind[:3]}")
    original = movie.read_bytes()

    clean, removed = strip_to(quicktime, movie, tmp_path)

    assert movie.read_bytes() == original
    assert any("©xyz" in words for words in removed) and any("loci" in words for words in removed)
    assert any("XMP" in words for words in removed)
    assert_nothing_revealing(quicktime.scan(clean))
    cleaned = clean.read_bytes()
    assert len(cleaned) == len(original)
    assert fx.mdat_payload(clean) == fx.mdat_payload(movie)
    for secret in SECRETS:
        assert secret not in cleaned
    # Every changed byte is inside a box that is now `free`: sample tables and offsets are as they were.
    spans = free_ranges(clean)
    changed = [i for i, (a, b) in enumerate(zip(original, cleaned, strict=True)) if a != b]
    assert changed and all(any(start <= i < end for start, end in spans) for i in changed)


@pytest.mark.skipif(not EXIFTOOL.exists(), reason="ExifTool is not installed")
@pytest.mark.parametrize("kind", sorted(MOVIES))
def test_exiftool_finds_no_location_after_strip(tmp_path: Path, kind: str) -> None:
    movie = MOVIES[kind](tmp_path / f"holiday.{kind[:3]}")
    assert exiftool_revealing(movie)  # the fixture does reveal, as ExifTool sees it

    clean, _ = strip_to(quicktime, movie, tmp_path)

    assert exiftool_revealing(clean) == []


def test_strip_keeps_creation_times(tmp_path: Path) -> None:
    movie = fx.mp4_with_location(tmp_path / "clip.mp4")
    clean, _ = strip_to(quicktime, movie, tmp_path)
    assert {item.field for item in quicktime.scan(clean).of_kind("time")} == {"date", "creation date"}


def test_gps_track_is_noted_and_strip_refuses(tmp_path: Path) -> None:
    movie = fx.mp4_with_location(tmp_path / "action.mp4", gps_track=True)
    before = sha256(movie)

    found = quicktime.scan(movie)
    assert quicktime.GPS_TRACK_NOTE in found.notes
    target = tmp_path / "clean.mp4"
    target.touch()
    with pytest.raises(MediaFormatError, match="GPS track"):
        quicktime.strip(movie, target)

    assert sha256(movie) == before
    assert target.read_bytes() == b""


def test_a_box_past_the_end_of_the_file_is_refused(tmp_path: Path) -> None:
    movie = fx.mp4_with_location(tmp_path / "cut.mp4")
    data = bytearray(movie.read_bytes())
    mdat_at = data.index(b"mdat") - 4
    data[mdat_at : mdat_at + 4] = struct.pack(">I", len(data) * 2)
    movie.write_bytes(bytes(data))
    before = sha256(movie)
    target = tmp_path / "clean.mp4"
    target.touch()

    with pytest.raises(MediaFormatError, match=f"byte {mdat_at}") as raised:
        quicktime.strip(movie, target)
    with pytest.raises(MediaFormatError):
        quicktime.scan(movie)

    assert "past the end of the file" in str(raised.value)
    assert sha256(movie) == before
    assert target.read_bytes() == b""


def test_a_box_past_its_parent_is_refused(tmp_path: Path) -> None:
    movie = fx.mp4_with_location(tmp_path / "odd.mp4")
    data = bytearray(movie.read_bytes())
    loci_at = data.index(b"loci") - 4
    data[loci_at : loci_at + 4] = struct.pack(">I", 4000)  # longer than its udta, shorter than the file
    movie.write_bytes(bytes(data))

    with pytest.raises(MediaFormatError, match=f"'loci' box at byte {loci_at}.*'udta' box"):
        quicktime.scan(movie)


def test_a_box_with_an_impossible_size_is_refused(tmp_path: Path) -> None:
    movie = tmp_path / "tiny.mp4"
    movie.write_bytes(fx.box(b"ftyp", b"isom", fx.u32(0), b"isom") + fx.u32(4) + b"moov")
    with pytest.raises(MediaFormatError, match="impossible size"):
        quicktime.scan(movie)


def test_a_last_box_of_size_zero_runs_to_the_end_of_the_file(tmp_path: Path) -> None:
    movie = fx.mp4_with_location(tmp_path / "open.mp4")
    data = movie.read_bytes()
    tail = fx.u32(0) + b"mdat" + fx.media_bytes(100)
    movie.write_bytes(data + tail)
    with bmff.open_boxes(movie) as reader:
        last = reader.top_level()[-1]
    assert (last.type, last.end) == (b"mdat", len(data) + len(tail))


def test_other_uuid_boxes_are_left_alone(tmp_path: Path) -> None:
    movie = fx.mp4_with_location(tmp_path / "extra.mp4")
    other = fx.uuid_box(bytes(range(16)), b"vendor data")
    movie.write_bytes(movie.read_bytes() + other)
    clean, _ = strip_to(quicktime, movie, tmp_path)
    assert clean.read_bytes().endswith(other)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+51.5074-000.1278/", (51.5074, -0.1278, None)),
        ("+51.5074-000.1278+012.500/", (51.5074, -0.1278, 12.5)),
        ("-33.8568+151.2153", (-33.8568, 151.2153, None)),
        ("+5130.444-00007.668/", (51.5074, -0.1278, None)),
        ("+513026.64-0000740.08/", (51.5074, -0.1278, None)),
        ("+40.6894-074.0447+000.000CRSWGS_84/", (40.6894, -74.0447, 0.0)),
    ],
)
def test_iso6709_forms(text: str, expected: tuple[float, float, float | None]) -> None:
    parsed = quicktime.parse_iso6709(text)
    assert parsed is not None
    assert parsed[0] == pytest.approx(expected[0], abs=1e-4)
    assert parsed[1] == pytest.approx(expected[1], abs=1e-4)
    assert parsed[2] == expected[2]


@pytest.mark.parametrize("text", ["", "London", "+91.0000+000.0000/", "+51.5+181.0/", "+5170.0-00007.0/"])
def test_iso6709_rejects_what_is_not_a_point(text: str) -> None:
    assert quicktime.parse_iso6709(text) is None


def test_itunes_style_items_and_3gpp_author(tmp_path: Path) -> None:
    # ffmpeg and Android write `meta` (ISO flavour, handler mdir) with `ilst` items holding `data` boxes.
    items = fx.box(
        b"ilst",
        fx.box(b"\xa9xyz", fx.data_box(fx.iso6709(-33.8568, 151.2153).encode())),
        fx.box(b"\xa9ART", fx.data_box(fx.PERSON.encode())),
        fx.box(b"\xa9too", fx.data_box(b"ExampleEncoder")),
    )
    meta = fx.full_box(b"meta", 0, 0, fx.full_box(b"hdlr", 0, 0, fx.u32(0), b"mdir", bytes(12), b"\0"), items)
    author = fx.full_box(b"auth", 0, 0, fx.u16(fx.ENGLISH), b"Jo Example\0")
    movie = tmp_path / "phone.mp4"
    ftyp = fx.box(b"ftyp", b"mp42", fx.u32(0), b"isom")
    movie.write_bytes(ftyp + fx.box(b"moov", fx.box(b"udta", meta, author)) + fx.box(b"mdat", b"x"))

    found = quicktime.scan(movie)

    assert [(spot.lat, spot.lon, spot.source) for spot in found.locations] == [
        (-33.8568, 151.2153, "QuickTime metadata item ©xyz")
    ]
    assert {item.value for item in found.of_kind("identity")} == {fx.PERSON, "Jo Example"}
    clean, _ = strip_to(quicktime, movie, tmp_path)
    assert_nothing_revealing(quicktime.scan(clean))
    assert b"ExampleEncoder" in clean.read_bytes()  # the encoder's name is not about anyone


def test_unreadable_coordinates_are_still_reported_and_removed(tmp_path: Path) -> None:
    movie = tmp_path / "odd.mov"
    udta = fx.box(b"udta", fx.qt_text(b"\xa9xyz", "somewhere near the park"))
    movie.write_bytes(fx.box(b"ftyp", b"qt  ", fx.u32(0), b"qt  ") + fx.box(b"moov", udta))
    assert [item.kind for item in quicktime.scan(movie).items] == ["place"]
    clean, removed = strip_to(quicktime, movie, tmp_path)
    assert removed and quicktime.scan(clean).items == []


# --- detection ---------------------------------------------------------------------------------------


def test_detection_by_first_bytes(tmp_path: Path) -> None:
    mp4 = fx.mp4_with_location(tmp_path / "a.jpg").read_bytes()[:64]
    heic = fx.heic_with_exif_gps(tmp_path / "b.jpg").read_bytes()[:64]
    avif = fx.avif_with_exif_gps(tmp_path / "c.avif").read_bytes()[:64]
    old_mov = fx.box(b"moov", b"")[:64]
    jpeg = b"\xff\xd8\xff\xe0" + bytes(60)
    canon_raw = fx.box(b"ftyp", b"crx ", fx.u32(1), b"crx isom")

    assert quicktime.matches(mp4) and quicktime.matches(old_mov)
    assert heif.matches(heic) and heif.matches(avif)
    assert not quicktime.matches(heic) and not quicktime.matches(avif) and not heif.matches(mp4)
    assert not any(module.matches(head) for module in (quicktime, heif) for head in (jpeg, canon_raw))
    assert heif.format_of(avif) == "avif" and heif.format_of(heic) == "heic"


# --- HEIF / AVIF -------------------------------------------------------------------------------------


@pytest.mark.parametrize("xmp_in_idat", [True, False])
def test_heic_scan_finds_exif_and_xmp_items(tmp_path: Path, xmp_in_idat: bool) -> None:
    image = fx.heic_with_exif_gps(tmp_path / "photo.heic", xmp_in_idat=xmp_in_idat)
    found = heif.scan(image)
    assert found.format == "heic"
    if not (HAS_EXIF_READER and HAS_XMP_READER):
        assert len(found.notes) == 2
        return
    sources = {location.source for location in found.locations}
    assert any(source.startswith(heif.EXIF_SOURCE) for source in sources)
    assert any(source.startswith(heif.XMP_SOURCE) for source in sources)
    assert fx.SERIAL in {item.value for item in found.of_kind("identity")}
    assert fx.PLACE in {item.value for item in found.of_kind("place")}


@pytest.mark.parametrize("xmp_in_idat", [True, False])
def test_heic_strip_clears_items_and_keeps_the_image(tmp_path: Path, xmp_in_idat: bool) -> None:
    image = fx.heic_with_exif_gps(tmp_path / "photo.heic", xmp_in_idat=xmp_in_idat)
    original = image.read_bytes()

    clean, removed = strip_to(heif, image, tmp_path)

    assert image.read_bytes() == original
    assert removed == ["Exif metadata (HEIF Exif item)", "XMP metadata (HEIF XMP item)"]
    cleaned = clean.read_bytes()
    assert len(cleaned) == len(original)
    assert fx.heic_image_bytes(clean) == fx.heic_image_bytes(image)
    # Everything before the metadata bytes (ftyp, iinf, iloc, and irot, which holds the orientation) is kept.
    keep_until = original.index(b"idat") if xmp_in_idat else original.index(b"mdat")
    assert cleaned[:keep_until] == original[:keep_until]
    for secret in SECRETS:
        assert secret not in cleaned
    assert_nothing_revealing(heif.scan(clean))
    if EXIFTOOL.exists():
        assert exiftool_revealing(image)
        assert exiftool_revealing(clean) == []


def test_avif_strip_keeps_decoded_pixels(tmp_path: Path) -> None:
    image = fx.avif_with_exif_gps(tmp_path / "photo.avif")

    clean, _ = strip_to(heif, image, tmp_path)

    with Image.open(image) as before, Image.open(clean) as after:
        assert before.size == after.size
        assert before.tobytes() == after.tobytes()
        assert not after.getexif().get_ifd(0x8825)
    assert_nothing_revealing(heif.scan(clean))
    if EXIFTOOL.exists():
        assert exiftool_revealing(clean) == []


def test_heif_item_past_the_end_is_refused(tmp_path: Path) -> None:
    image = fx.heic_with_exif_gps(tmp_path / "cut.heic")
    image.write_bytes(image.read_bytes()[:-300])  # cuts into the Exif item inside mdat, and mdat itself
    with pytest.raises(MediaFormatError, match="past the end"):
        heif.scan(image)


def test_heif_exif_extent_past_the_end_is_refused(tmp_path: Path) -> None:
    image = fx.heic_with_exif_gps(tmp_path / "bad.heic")
    data = bytearray(image.read_bytes())
    # The Exif item's extent length is the last field of its iloc entry (item 2).
    iloc = data.index(b"iloc") + 4 + 4 + 2 + 2
    entry = iloc + 16  # item 1 entry is 16 bytes with 4-byte offsets and lengths
    length_at = entry + 12
    data[length_at : length_at + 4] = struct.pack(">I", 10**6)
    image.write_bytes(bytes(data))
    target = tmp_path / "clean.heic"
    target.touch()
    with pytest.raises(MediaFormatError, match="item 2"):
        heif.strip(image, target)
    assert target.read_bytes() == b""


def test_heif_without_meta_is_refused(tmp_path: Path) -> None:
    image = tmp_path / "empty.heic"
    image.write_bytes(fx.box(b"ftyp", b"heic", fx.u32(0), b"mif1heic") + fx.box(b"mdat", b"x"))
    with pytest.raises(MediaFormatError, match="no 'meta' box"):
        heif.scan(image)


@pytest.mark.parametrize(
    "build",
    [
        functools.partial(fx.mp4_with_location, mdat_size=16),
        functools.partial(fx.mov_with_location, mdat_size=16),
        functools.partial(fx.heic_with_exif_gps, image_size=16),
    ],
    ids=["mp4", "mov", "heic"],
)
def test_damaged_files_give_a_sentence_never_a_traceback(tmp_path: Path, build: Builder) -> None:
    original = build(tmp_path / "original").read_bytes()
    module = heif if heif.matches(original[:64]) else quicktime
    rng = random.Random(7)
    damaged, target = tmp_path / "damaged", tmp_path / "clean"
    for _ in range(150):
        data = bytearray(original)
        position = rng.randrange(len(data))
        data[position : position + 4] = rng.choice(
            [b"\0\0\0\0", b"\0\0\0\1", b"\xff\xff\xff\xff", b"\0\0\0\x10"]
        )
        damaged.write_bytes(bytes(data[: rng.randrange(len(data) // 2, len(data) + 1)]))
        target.write_bytes(b"")
        succeeds_or_says_one_sentence(functools.partial(module.scan, damaged), damaged)
        succeeds_or_says_one_sentence(functools.partial(module.strip, damaged, target), damaged)


def test_fixtures_can_be_copied_and_reused(tmp_path: Path) -> None:
    # The orchestration tests and the benchmark build many files from one fixture.
    first = fx.mp4_with_location(tmp_path / "one.mp4", 48.8584, 2.2945, mdat_size=10_000)
    second = tmp_path / "two.mp4"
    shutil.copyfile(first, second)
    assert quicktime.scan(second).locations[0].lat == pytest.approx(48.8584)
    assert len(fx.mdat_payload(second)) == 10_000
