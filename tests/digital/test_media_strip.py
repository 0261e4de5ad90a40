"""`media strip`: lossless, checked copies; failing closed with nothing written and the original untouched."""

from __future__ import annotations

import hashlib
import io
import shutil
import struct
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from stalkproof.digital.media import jpeg as jpeg_format
from stalkproof.digital.media import verify
from stalkproof.digital.media.model import Metadata
from stalkproof.digital.media.strip import StripFailed, strip_paths
from stalkproof.errors import InputError

from .bmff_fixtures import mdat_payload, mp4_with_location
from .media_fakes import KESWICK, KESWICK_ISO6709, FakeFormat, private_geocoder, use_formats, write_fake
from .media_fixtures import ORIENTATION, encoded_jpeg, jpeg_with_everything, orientation, pixels

HAS_EXIFTOOL = shutil.which("exiftool") is not None


@pytest.fixture(autouse=True)
def _places_cache_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    private_geocoder(monkeypatch, tmp_path_factory.getbasetemp() / "geonames-cache")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    """Everything in `folder`, hidden temporary files included."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*")) if folder.exists() else []


# --- the real thing ---------------------------------------------------------------------------------------


def test_a_photo_is_cleaned_losslessly_and_the_original_is_untouched(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    photo = jpeg_with_everything(tmp_path / "in" / "photo.jpg", *KESWICK)
    before = sha256(photo)
    out = tmp_path / "out"
    [result] = strip_paths([photo], out, use_exiftool=HAS_EXIFTOOL)
    assert result.verified and result.error is None
    assert result.out == out / "photo.jpg"
    assert result.removed
    assert sha256(photo) == before == result.sha256
    assert listing(out) == ["photo.jpg"]
    assert pixels(result.out) == pixels(photo)
    assert orientation(result.out) == ORIENTATION
    with Image.open(result.out) as cleaned:
        assert not cleaned.getexif().get_ifd(0x8825)
        assert "xmp" not in cleaned.info
    if HAS_EXIFTOOL:
        assert any(check.startswith("ExifTool") for check in result.checks)
    else:
        assert any("ExifTool is not installed" in note for note in result.notes)


def test_a_movie_keeps_its_media_data_byte_for_byte(tmp_path: Path) -> None:
    movie = mp4_with_location(tmp_path / "clip.mp4", *KESWICK)
    [result] = strip_paths([movie], tmp_path / "out", use_exiftool=HAS_EXIFTOOL)
    assert result.verified
    assert result.out is not None
    assert mdat_payload(result.out) == mdat_payload(movie)
    assert KESWICK_ISO6709 not in result.out.read_bytes()


def test_a_folder_is_mirrored_under_the_output_folder(tmp_path: Path) -> None:
    (tmp_path / "trip" / "day1").mkdir(parents=True)
    (tmp_path / "trip" / "day1" / "a.jpg").write_bytes(encoded_jpeg())
    jpeg_with_everything(tmp_path / "trip" / "b.jpg", *KESWICK)
    results = strip_paths([tmp_path / "trip"], tmp_path / "out", use_exiftool=False)
    assert all(result.verified for result in results)
    assert listing(tmp_path / "out") == ["trip", "trip/b.jpg", "trip/day1", "trip/day1/a.jpg"]


# --- failing closed ---------------------------------------------------------------------------------------


def test_a_format_that_forgets_something_is_caught_by_its_own_rescan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_formats(monkeypatch, FakeFormat("forgets"))
    original = write_fake(tmp_path / "in" / "a.fake", locations=[(*KESWICK, "EXIF GPS")])
    before = sha256(original)
    with pytest.raises(StripFailed) as caught:
        strip_paths([original], tmp_path / "out", use_exiftool=False)
    message = str(caught.value)
    assert "still held a location (EXIF GPS)" in message
    assert "stalkproof's own scanner" in message
    assert message.endswith("The original is unchanged.")
    assert listing(tmp_path / "out") == []
    assert sha256(original) == before


def test_a_leftover_the_format_cannot_see_is_caught_by_the_byte_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_formats(monkeypatch, FakeFormat("blind"))
    original = write_fake(
        tmp_path / "in" / "a.fake",
        locations=[(*KESWICK, "QuickTime ©xyz")],
        payload=b"xyz " + KESWICK_ISO6709,
    )
    with pytest.raises(StripFailed, match=r"ISO 6709 coordinate string \(found by a byte search"):
        strip_paths([original], tmp_path / "out", use_exiftool=False)
    assert listing(tmp_path / "out") == []


def test_a_change_to_the_picture_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Reencodes(FakeFormat):
        """Claims JPEGs and 'cleans' them by saving again through Pillow, which is lossy."""

        def matches(self, head: bytes) -> bool:
            return head.startswith(b"\xff\xd8\xff")

        def scan(self, path: Path) -> Metadata:
            return Metadata(format="jpeg")

        def strip(self, source: Path, target: Path) -> list[str]:
            with Image.open(source) as image:
                image.save(target, "JPEG", quality=60)
            return ["everything"]

    use_formats(monkeypatch, Reencodes(), real=False)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(encoded_jpeg())
    with pytest.raises(StripFailed, match="pixels differed from the original's"):
        strip_paths([photo], tmp_path / "out", use_exiftool=False)
    assert listing(tmp_path / "out") == []


def test_a_lost_orientation_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class DropsOrientation(FakeFormat):
        """Uses the real JPEG cleaner, then throws away the small Exif block that keeps the orientation."""

        def matches(self, head: bytes) -> bool:
            return head.startswith(b"\xff\xd8\xff")

        def scan(self, path: Path) -> Metadata:
            return Metadata(format="jpeg")

        def strip(self, source: Path, target: Path) -> list[str]:
            removed = jpeg_format.strip(source, target)
            target.write_bytes(_without_app1(target.read_bytes()))
            return removed

    use_formats(monkeypatch, DropsOrientation(), real=False)
    photo = jpeg_with_everything(tmp_path / "photo.jpg", *KESWICK)
    with pytest.raises(StripFailed, match="orientation differed"):
        strip_paths([photo], tmp_path / "out", use_exiftool=False)


def _without_app1(data: bytes) -> bytes:
    position = 2
    while data[position + 1] != 0xDA:
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if data[position + 1] == 0xE1:
            return data[:position] + data[position + 2 + length :]
        position += 2 + length
    raise AssertionError("no APP1 segment")


@pytest.mark.skipif(not HAS_EXIFTOOL, reason="ExifTool is not installed")
def test_what_only_exiftool_sees_still_stops_the_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class CopiesJpegs(FakeFormat):
        def matches(self, head: bytes) -> bool:
            return head.startswith(b"\xff\xd8\xff")

        def scan(self, path: Path) -> Metadata:
            return Metadata(format="jpeg")

        def strip(self, source: Path, target: Path) -> list[str]:
            shutil.copyfile(source, target)
            return []

    use_formats(monkeypatch, CopiesJpegs(), real=False)
    monkeypatch.setattr(verify, "independent_problems", lambda path: [])  # pretend they all missed it
    photos = [jpeg_with_everything(tmp_path / f"{name}.jpg", *KESWICK) for name in ("a", "b", "c")]
    results = strip_paths(photos, tmp_path / "out", use_exiftool=True)
    assert [result.verified for result in results] == [False, False, False]
    assert all(result.error and "found by ExifTool" in result.error for result in results)
    assert listing(tmp_path / "out") == []


def test_in_a_batch_each_failure_is_reported_and_the_rest_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_formats(monkeypatch, FakeFormat())
    good = write_fake(tmp_path / "in" / "good.fake", locations=[(*KESWICK, "EXIF GPS")])
    damaged = tmp_path / "in" / "damaged.jpg"
    damaged.write_bytes(encoded_jpeg()[:300])
    unknown = tmp_path / "in" / "notes.txt"
    unknown.write_text("not media")
    results = strip_paths([good, damaged, unknown], tmp_path / "out", use_exiftool=False)
    assert [result.path for result in results] == [good, damaged, unknown]
    assert [result.verified for result in results] == [True, False, False]
    assert results[1].error is not None and results[1].error.startswith("No cleaned copy was written")
    assert results[2].error is not None and "does not know this kind of file" in results[2].error
    assert listing(tmp_path / "out") == ["good.fake"]


@pytest.mark.parametrize("kind", ["truncated jpeg", "mp4 box past the end", "zip with path traversal"])
def test_bad_input_gets_one_sentence_and_nothing_is_written(tmp_path: Path, kind: str) -> None:
    path = _bad_file(tmp_path / "in", kind)
    before = sha256(path)
    with pytest.raises(InputError) as caught:
        strip_paths([path], tmp_path / "out", use_exiftool=False)
    message = str(caught.value)
    assert message.startswith(f"{path}: No cleaned copy was written for this file: ")
    assert "\n" not in message and "Traceback" not in message
    assert listing(tmp_path / "out") == []
    assert sha256(path) == before


def _bad_file(folder: Path, kind: str) -> Path:
    folder.mkdir(parents=True)
    if kind == "truncated jpeg":
        path = folder / "cut.jpg"
        path.write_bytes(encoded_jpeg()[:-400])
    elif kind == "mp4 box past the end":
        path = mp4_with_location(folder / "clip.mp4", *KESWICK)
        data = bytearray(path.read_bytes())
        ftyp_size = struct.unpack(">I", data[:4])[0]
        data[ftyp_size : ftyp_size + 4] = struct.pack(">I", len(data) * 2)  # the box after ftyp
        path.write_bytes(bytes(data))
    else:
        path = folder / "letter.docx"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("word/document.xml", "<w:document/>")
            archive.writestr("../../outside.xml", "<evil/>")
        path.write_bytes(buffer.getvalue())
    return path


# --- names and overwriting --------------------------------------------------------------------------------


def test_an_existing_copy_is_kept_unless_overwrite_is_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_formats(monkeypatch, FakeFormat())
    original = write_fake(tmp_path / "in" / "a.fake", locations=[(*KESWICK, "EXIF GPS")])
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.fake").write_bytes(b"someone's earlier file")
    with pytest.raises(StripFailed, match="already exists; use --overwrite"):
        strip_paths([original], out, use_exiftool=False)
    assert (out / "a.fake").read_bytes() == b"someone's earlier file"
    [result] = strip_paths([original], out, overwrite=True, use_exiftool=False)
    assert result.verified
    assert b"EXIF GPS" not in (out / "a.fake").read_bytes()
    assert listing(out) == ["a.fake"]


def test_the_original_is_never_overwritten_even_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_formats(monkeypatch, FakeFormat())
    original = write_fake(tmp_path / "a.fake", locations=[(*KESWICK, "EXIF GPS")])
    before = sha256(original)
    with pytest.raises(StripFailed, match="would replace the original"):
        strip_paths([original], tmp_path, overwrite=True, use_exiftool=False)
    assert sha256(original) == before
    assert listing(tmp_path) == ["a.fake"]


def test_two_files_with_the_same_name_are_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_formats(monkeypatch, FakeFormat())
    first = write_fake(tmp_path / "one" / "a.fake")
    second = write_fake(tmp_path / "two" / "a.fake")
    with pytest.raises(InputError, match="would both be written to"):
        strip_paths([first, second], tmp_path / "out", use_exiftool=False)
    assert not (tmp_path / "out").exists()


def test_an_interruption_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_formats(monkeypatch, FakeFormat())
    files = [write_fake(tmp_path / "in" / f"{index}.fake") for index in range(4)]

    def stop(done: int, _total: int, _path: Path) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        strip_paths(files, tmp_path / "out", stop, use_exiftool=HAS_EXIFTOOL)
    assert not [name for name in listing(tmp_path / "out") if name.endswith(".part")]


# --- the ExifTool reading of a copy -----------------------------------------------------------------------


def test_exiftool_tags_that_name_a_place_or_person_are_problems() -> None:
    tags = [
        ("SourceFile", "/tmp/x.jpg"),
        ("System:FileName", "GPS-photo.jpg"),
        ("ICC_Profile:ProfileCopyright", "Copyright Example Inc."),
        ("ICC-header:ProfileCreator", "Example"),
        ("PDF:Creator", "Example Writer"),
        ("XMP-xmp:CreatorTool", "Example Editor"),
        ("IFD0:Orientation", 6),
        ("XMP-photoshop:City", ""),
        ("GPS:GPSLatitude", 54.6),
        ("XMP-dc:Creator", "Alice Example"),
        ("Keys:LocationName", "Exampleton"),
        ("ExifIFD:OwnerName", "Bob Example"),
    ]
    places, people = verify.revealing_exiftool_tags(tags)
    assert places == ["GPS:GPSLatitude", "Keys:LocationName"]
    assert people == ["XMP-dc:Creator", "ExifIFD:OwnerName"]
    problems = verify.exiftool_problems([*tags, ("ExifTool:Error", "File format error")])
    assert len(problems) == 5
    assert all(problem.found_by == verify.BY_EXIFTOOL for problem in problems)


def test_pixels_can_also_be_decoded_and_compared(tmp_path: Path) -> None:
    photo = jpeg_with_everything(tmp_path / "photo.jpg", *KESWICK)
    [result] = strip_paths([photo], tmp_path / "out", use_exiftool=False, decode_pixels=True)
    assert result.verified


def test_exiftool_is_spared_ee_only_for_a_jpeg_with_no_second_picture(tmp_path: Path) -> None:
    photo = jpeg_with_everything(tmp_path / "photo.jpg", *KESWICK)  # a second picture after the end
    assert verify.may_embed_documents(photo)
    [result] = strip_paths([photo], tmp_path / "out", use_exiftool=False)
    assert result.out is not None
    assert not verify.may_embed_documents(result.out)
    movie = mp4_with_location(tmp_path / "clip.mp4", *KESWICK)
    assert verify.may_embed_documents(movie)
