"""`media scan`: format detection by first bytes, folders, plain-words findings, damaged files, evidence."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from stalkproof.digital.media import formats
from stalkproof.digital.media.exiftool import ExifTool
from stalkproof.digital.media.model import MediaFormatError, Metadata
from stalkproof.digital.media.scan import Scanner, ScanResult, scan_paths
from stalkproof.errors import InputError

from .bmff_fixtures import heic_with_exif_gps
from .media_fakes import KESWICK, FakeFormat, private_geocoder, use_formats, write_fake
from .media_fixtures import encoded_jpeg, jpeg_with_everything

CONTRACT_FIELDS = {"path", "format", "sha256", "location", "identity", "findings"}


@pytest.fixture(autouse=True)
def _places_cache_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    private_geocoder(monkeypatch, tmp_path_factory.getbasetemp() / "geonames-cache")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def scan_one(path: Path, **options: object) -> ScanResult:
    results = list(scan_paths([path], **options))  # type: ignore[arg-type]
    assert len(results) == 1
    return results[0]


def test_the_format_comes_from_the_first_bytes_never_the_name(tmp_path: Path) -> None:
    heic = heic_with_exif_gps(tmp_path / "holiday.jpg", *KESWICK)
    jpeg = tmp_path / "picture.png"
    jpeg.write_bytes(encoded_jpeg())
    found = formats.detect(heic)
    if found is None or getattr(found, "name", "") != "heif":
        pytest.skip("the HEIF format module is not available yet")
    assert scan_one(heic).format == "heic"
    assert scan_one(jpeg).format == "jpeg"


def test_a_fake_format_is_found_by_its_signature_whatever_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeFormat()
    use_formats(monkeypatch, fake)
    path = write_fake(tmp_path / "looks-like.jpg")
    assert formats.detect(path) is fake
    assert formats.detect(write_fake(tmp_path / "other.txt")) is fake
    plain = tmp_path / "plain.jpg"
    plain.write_bytes(b"just some text, not a photo")
    assert formats.detect(plain) is None


def test_folders_are_read_recursively_and_link_loops_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_formats(monkeypatch, FakeFormat())
    top = tmp_path / "photos"
    (top / "2026" / "march").mkdir(parents=True)
    jpeg_with_everything(top / "2026" / "march" / "IMG_0001.JPG", *KESWICK)
    write_fake(top / "2026" / "clip.fake")
    (top / "notes.txt").write_text("shopping list\n")
    os.symlink(top, top / "2026" / "loop")  # a folder that contains itself
    results = list(scan_paths([top]))
    names = sorted(result.path.name for result in results)
    assert names == ["IMG_0001.JPG", "clip.fake", "notes.txt"]
    by_name = {result.path.name: result for result in results}
    assert by_name["notes.txt"].format is None
    assert by_name["notes.txt"].error is None
    assert "does not know this kind of file" in by_name["notes.txt"].notes[0]
    assert by_name["IMG_0001.JPG"].location is not None


def test_a_photo_taken_in_keswick_says_so_in_plain_words(tmp_path: Path) -> None:
    result = scan_one(jpeg_with_everything(tmp_path / "photo.jpg", *KESWICK))
    assert result.location is not None
    assert result.location.source == "EXIF GPS"  # EXIF is preferred to the XMP copy of the same place
    assert result.findings[0].startswith(
        "This photo records where it was taken: within about 1 km of Keswick, England, United Kingdom"
    )
    assert "EXIF GPS" in result.findings[0]
    assert result.reveals_identity
    assert any("Alice Example" in sentence for sentence in result.findings)


def test_exif_gps_is_chosen_over_xmp_and_a_gps_destination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_formats(monkeypatch, FakeFormat())
    path = write_fake(
        tmp_path / "a.fake",
        locations=[
            (51.5, -0.12, "XMP exif:GPSLatitude"),
            (48.85, 2.35, "EXIF GPS destination"),
            (*KESWICK, "EXIF GPS"),
        ],
    )
    result = scan_one(path)
    assert result.location is not None
    assert result.location.source == "EXIF GPS"
    assert sum("another place" in sentence for sentence in result.findings) == 2


def test_a_position_of_zero_zero_is_reported_but_not_used_as_the_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_formats(monkeypatch, FakeFormat())
    result = scan_one(write_fake(tmp_path / "a.fake", locations=[(0.0, 0.0, "EXIF GPS")]))
    assert result.location is None
    assert result.reveals_location
    assert any("no signal" in sentence for sentence in result.findings)


def test_nothing_found_is_never_called_safe(tmp_path: Path) -> None:
    path = tmp_path / "plain.jpg"
    path.write_bytes(encoded_jpeg())
    result = scan_one(path)
    assert not result.reveals_location and not result.reveals_identity
    assert result.findings[0].startswith("No location or identity details were found")
    assert all("safe" not in sentence and "clean" not in sentence for sentence in result.findings)


def test_a_damaged_file_in_a_folder_is_one_result_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a-cut-short.jpg").write_bytes(encoded_jpeg()[:200])
    jpeg_with_everything(tmp_path / "b-fine.jpg", *KESWICK)
    results = list(scan_paths([tmp_path]))
    assert [result.path.name for result in results] == ["a-cut-short.jpg", "b-fine.jpg"]
    damaged, fine = results
    assert damaged.error is not None and damaged.error.startswith("This file could not be read: ")
    assert damaged.sha256 == sha256(tmp_path / "a-cut-short.jpg")  # hashed before it was parsed
    assert fine.error is None and fine.location is not None


def test_a_single_damaged_file_named_on_its_own_stops_with_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    path.write_bytes(encoded_jpeg()[:200])
    with pytest.raises(MediaFormatError) as caught:
        scan_one(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)


def test_a_bug_in_a_format_module_does_not_end_a_folder_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_formats(monkeypatch, FakeFormat("crashes"), real=True)
    write_fake(tmp_path / "a.fake")
    (tmp_path / "b.jpg").write_bytes(encoded_jpeg())
    results = list(scan_paths([tmp_path]))
    assert results[0].error is not None and "unexpected problem" in results[0].error
    assert results[1].error is None


def test_a_missing_path_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no file or folder"):
        list(scan_paths([tmp_path, tmp_path / "nope.jpg"]))


def test_progress_counts_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_formats(monkeypatch, FakeFormat())
    for index in range(3):
        write_fake(tmp_path / f"{index}.fake")
    seen: list[tuple[int, int]] = []
    list(scan_paths([tmp_path], lambda done, total, _path: seen.append((done, total))))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_json_has_the_contract_fields(tmp_path: Path) -> None:
    path = jpeg_with_everything(tmp_path / "photo.jpg", *KESWICK)
    data = scan_one(path).to_json()
    assert set(data) >= CONTRACT_FIELDS
    assert data["sha256"] == sha256(path)
    assert set(data["location"]) >= {"lat", "lon", "where", "source"}
    assert data["location"]["where"].startswith("within about 1 km of Keswick")
    assert all({"field", "value", "source"} <= set(item) for item in data["identity"])
    assert "evidence" not in data


def _snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns, sha256(path))
        for path in folder.rglob("*")
        if path.is_file()
    }


def test_evidence_mode_writes_nothing_and_records_how_the_file_was_read(tmp_path: Path) -> None:
    received = tmp_path / "received"
    received.mkdir()
    path = jpeg_with_everything(received / "sent-to-me.jpg", *KESWICK)
    before = _snapshot(tmp_path)
    folder_mtime = received.stat().st_mtime_ns
    result = scan_one(path, evidence=True)
    assert _snapshot(tmp_path) == before
    assert received.stat().st_mtime_ns == folder_mtime
    assert result.evidence is not None
    assert result.evidence["read_only"] is True
    assert result.evidence["unchanged_while_read"] is True
    assert result.evidence["sha256_after_reading"] == result.sha256 == sha256(path)
    assert {"stalkproof", "python", "pillow"} <= set(result.evidence["tools"])
    assert "evidence" in result.to_json()


def test_exiftool_gives_a_second_opinion_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("exiftool") is None:
        pytest.skip("ExifTool is not installed")

    class Blind(FakeFormat):
        """Claims every JPEG and sees nothing in it."""

        def matches(self, head: bytes) -> bool:
            return head.startswith(b"\xff\xd8")

        def scan(self, path: Path) -> Metadata:
            return Metadata(format="jpeg")

    use_formats(monkeypatch, Blind(), real=False)
    path = jpeg_with_everything(tmp_path / "photo.jpg", *KESWICK)
    tool = ExifTool.start()
    assert tool is not None
    with tool:
        result = Scanner(exiftool=tool, evidence=True).scan(path)
    assert result.exiftool is not None
    assert any(tag.endswith("GPSLatitude") for tag in result.exiftool["location_tags"])
    assert any(sentence.startswith("ExifTool, a second program") for sentence in result.findings)
    assert not any(sentence.startswith("No location") for sentence in result.findings)
    assert result.evidence is not None and "exiftool" in result.evidence["tools"]
