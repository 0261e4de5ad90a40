"""`stalkproof media scan` and `media strip` on the command line: JSON for scripts, plain words for people."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stalkproof.cli.media_commands import media_app
from stalkproof.errors import InputError

from .media_fakes import KESWICK, private_geocoder
from .media_fixtures import encoded_jpeg, jpeg_with_everything


@pytest.fixture(autouse=True)
def _places_cache_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    private_geocoder(monkeypatch, tmp_path_factory.getbasetemp() / "geonames-cache")


def registered_in_main() -> bool:
    from stalkproof.cli.main import app

    return any(group.name == "media" for group in app.registered_groups)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr: through `stalkproof.cli.main.main` once the media commands are
    registered there, until then through the sub-app alone (where errors come back as exceptions)."""
    if registered_in_main():
        from stalkproof.cli.main import main

        code = main(["media", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    result = CliRunner().invoke(media_app, args)
    error = result.exception
    if isinstance(error, InputError):
        return 1, result.stdout, str(error)
    if error is not None and not isinstance(error, SystemExit):
        raise error
    return result.exit_code, result.stdout, ""


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    jpeg_with_everything(folder / "keswick.jpg", *KESWICK)
    (folder / "sub" / "plain.jpg").write_bytes(encoded_jpeg())
    return folder


def test_scan_json_has_the_contract_fields(photos: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = run(["scan", str(photos), "--json"], capsys)
    assert code == 0
    data = json.loads(stdout)
    assert [Path(entry["path"]).name for entry in data] == ["keswick.jpg", "plain.jpg"]
    for entry in data:
        assert {"path", "format", "sha256", "location", "identity", "findings"} <= set(entry)
    located, plain = data
    assert located["location"]["source"] == "EXIF GPS"
    assert located["location"]["where"] == "within about 1 km of Keswick, England, United Kingdom"
    assert {"lat", "lon", "where", "source"} <= set(located["location"])
    assert plain["location"] is None and plain["identity"] == []


def test_scan_tells_a_person_what_the_photo_gives_away_and_how_to_share_it(
    photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _ = run(["scan", str(photos / "keswick.jpg")], capsys)
    assert code == 0
    text = " ".join(stdout.split())
    assert "This photo records where it was taken: within about 1 km of Keswick" in text
    assert "Anyone who gets a copy of this photo can read these details" in text
    assert f'stalkproof media strip "{photos / "keswick.jpg"}" --out FOLDER' in text
    assert "GeoNames" in text and "approximate" in text


def test_evidence_scan_points_to_keeping_the_original(
    photos: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _ = run(["scan", "--evidence", "--no-exiftool", str(photos / "keswick.jpg")], capsys)
    assert code == 0
    text = " ".join(stdout.split())
    assert "only read, not changed" in text and "stalkproof exhibit add" in text
    assert "SHA-256" in text


def test_scanning_a_damaged_file_exits_1_with_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damaged = tmp_path / "cut.jpg"
    damaged.write_bytes(encoded_jpeg()[:200])
    code, stdout, stderr = run(["scan", str(damaged)], capsys)
    assert code == 1
    assert stdout == ""
    assert stderr.strip().startswith(f"{damaged}: ")
    assert len(stderr.strip().splitlines()) == 1


def test_strip_json_then_refusing_to_overwrite(
    photos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "clean"
    code, stdout, _ = run(["strip", str(photos / "keswick.jpg"), "--out", str(out), "--json"], capsys)
    assert code == 0
    [entry] = json.loads(stdout)
    assert {"path", "out", "removed", "verified"} <= set(entry)
    assert entry["verified"] is True
    assert entry["out"] == str(out / "keswick.jpg")
    assert entry["removed"]
    code, _, stderr = run(["strip", str(photos / "keswick.jpg"), "--out", str(out)], capsys)
    assert code == 1
    assert "already exists" in stderr


def test_strip_of_a_folder_reports_each_copy(
    photos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _ = run(["strip", str(photos), "--out", str(tmp_path / "clean"), "--no-exiftool"], capsys)
    assert code == 0
    text = " ".join(stdout.split())
    assert "2 cleaned copies" in text and "The originals were not changed" in text
    assert (tmp_path / "clean" / "photos" / "sub" / "plain.jpg").exists()


def test_strip_needs_an_output_folder(photos: Path) -> None:
    result = CliRunner().invoke(media_app, ["strip", str(photos)])
    assert result.exit_code == 2
