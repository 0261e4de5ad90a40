"""Uploads are saved under safe names, capped, and removed; downloads are offered once and cleared."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi import UploadFile

from stalkproof.errors import InputError, NotFoundError
from stalkproof.web.downloads import Downloads
from stalkproof.web.uploads import received, safe_name


@pytest.mark.parametrize(
    ("offered", "expected"),
    [
        ("chat.txt", "chat.txt"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("/absolute/path/photo.jpg", "photo.jpg"),
        ("..", "upload"),
        ("", "upload"),
        ("name\x00with-nul.txt", "name_with-nul.txt"),
        ("WhatsApp Chat with J (1).txt", "WhatsApp Chat with J (1).txt"),
    ],
)
def test_safe_names_are_never_paths(offered: str, expected: str) -> None:
    assert safe_name(offered) == expected


def test_uploads_are_saved_then_removed() -> None:
    files = [
        UploadFile(io.BytesIO(b"one"), filename="a.txt"),
        UploadFile(io.BytesIO(b"two"), filename="a.txt"),
    ]
    with received(files) as paths:
        assert [path.read_bytes() for path in paths] == [b"one", b"two"]
        assert paths[0] != paths[1]
        folder = paths[0].parents[1]
        assert folder.stat().st_mode & 0o777 == 0o700
    assert not folder.exists()


def test_an_upload_over_the_limit_is_refused_and_nothing_is_left() -> None:
    big = UploadFile(io.BytesIO(b"x" * 5000), filename="big.bin")
    with pytest.raises(InputError, match="too big"), received([big], limit=1000) as paths:
        pytest.fail(f"should not get here with {paths}")


def test_downloads_are_cleared(tmp_path: Path) -> None:
    downloads = Downloads()
    place = downloads.new_place("cleaned.jpg")
    place.write_bytes(b"data")
    item = downloads.offer(place, "cleaned.jpg", "image/jpeg")
    assert downloads.find(item.token).path.read_bytes() == b"data"
    downloads.clear()
    assert not place.exists()
    with pytest.raises(NotFoundError):
        downloads.find(item.token)
