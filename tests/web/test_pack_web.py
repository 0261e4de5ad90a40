"""The evidence pack pages in process (no pack is built here: the browser tests build two), and the safe
unzip that checks a pack someone hands over."""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import PASSPHRASE
from stalkproof.errors import InputError
from stalkproof.evidence.cases import current_case
from stalkproof.evidence.diary import add_entry, diary_draft
from stalkproof.evidence.exhibits import ExhibitDetails, add_exhibit
from stalkproof.evidence.parties import add_party
from stalkproof.evidence.time import parse_when
from stalkproof.report.pack_archive import UnzipLimits, unzip_pack, zip_pack
from stalkproof.vault.vault import Vault
from stalkproof.web.config import WebConfig
from stalkproof.web.session import LocalSession
from web.conftest import in_process

EXHIBIT = b"Synthetic screenshot bytes: a fictional message, for tests only\n"
IN_RANGE = "He was waiting outside my work again (fictional)."
OUT_OF_RANGE = "A fictional note on the car, weeks later."


def fill_case(vault_path: Path, folder: Path) -> None:
    """A small fictional case: one person, one exhibit, a diary entry in December and one in January."""
    vault = Vault.unlock(vault_path, passphrase=PASSPHRASE)
    try:
        case = current_case(vault)
        add_party(vault, case.id, "Alex Morgan (fictional)", "suspect", [])
        shot = folder / "threat-screenshot.png"
        shot.write_bytes(EXHIBIT)
        exhibit = add_exhibit(vault, case.id, shot, ExhibitDetails(description="Screenshot of a message"))
        for when, what, refs in (
            ("2025-12-02T18:30", IN_RANGE, [exhibit.ref]),
            ("2026-01-20T09:15", OUT_OF_RANGE, []),
        ):
            draft = diary_draft(parse_when(when, zone="Europe/London"), what, exhibit_refs=refs)
            add_entry(vault, case.id, draft)
    finally:
        vault.close()


def zip_of(members: dict[str, bytes], **attributes: int) -> bytes:
    """A zip in memory; `attributes` sets a member's Unix mode (by name) for link tests."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in attributes:
                info.external_attr = attributes[name] << 16
            archive.writestr(info, data)
    return buffer.getvalue()


# -- the safe unzip ----------------------------------------------------------------------------------


def _unzip(tmp_path: Path, data: bytes, limits: UnzipLimits | None = None) -> Path:
    archive = tmp_path / "upload.zip"
    archive.write_bytes(data)
    into = tmp_path / "unzipped"
    into.mkdir()
    return unzip_pack(archive, into, limits)


def test_a_pack_zips_and_unzips_to_the_same_files(tmp_path: Path) -> None:
    pack = tmp_path / "evidence-pack"
    (pack / "exhibits").mkdir(parents=True)
    (pack / "SHA256SUMS").write_text("listed\n", encoding="utf-8")
    (pack / "exhibits" / "EX-001-photo.png").write_bytes(EXHIBIT)
    archive = zip_pack(pack, tmp_path / "pack.zip")
    names = zipfile.ZipFile(archive).namelist()
    assert sorted(names) == ["evidence-pack/SHA256SUMS", "evidence-pack/exhibits/EX-001-photo.png"]
    root = _unzip(tmp_path, archive.read_bytes())
    assert root.name == "evidence-pack"
    assert (root / "exhibits" / "EX-001-photo.png").read_bytes() == EXHIBIT


@pytest.mark.parametrize(
    ("members", "modes", "words"),
    [
        ({"../outside.txt": b"x"}, {}, "points outside its folder"),
        ({"pack/../../outside.txt": b"x"}, {}, "points outside its folder"),
        ({"/etc/outside.txt": b"x"}, {}, "points outside its folder"),
        ({"C:/outside.txt": b"x"}, {}, "points outside its folder"),
        ({"pack\\..\\outside.txt": b"x"}, {}, "points outside its folder"),
        ({"pack/link": b"/etc/passwd"}, {"pack/link": stat.S_IFLNK | 0o777}, "link"),
        ({"pack/a.txt": b"x", "pack/A.TXT": b"y"}, {}, "same name"),
    ],
)
def test_path_tricks_are_refused_before_anything_is_written(
    tmp_path: Path, members: dict[str, bytes], modes: dict[str, int], words: str
) -> None:
    with pytest.raises(InputError) as refused:
        _unzip(tmp_path, zip_of(members, **modes))
    assert words in refused.value.message
    assert refused.value.message.endswith(".") and "\n" not in refused.value.message
    assert list((tmp_path / "unzipped").iterdir()) == []
    assert not (tmp_path / "outside.txt").exists()


@pytest.mark.parametrize(
    ("limits", "words"),
    [
        (UnzipLimits(max_total=100_000), "would unpack to more than"),
        (UnzipLimits(ratio_from=1000, max_ratio=20), "zip bomb"),
        (UnzipLimits(max_members=2), "more than 2 files"),
    ],
)
def test_zip_bombs_and_huge_zips_are_refused(tmp_path: Path, limits: UnzipLimits, words: str) -> None:
    members = {"pack/zeros.bin": bytes(200_000), "pack/a.txt": b"a", "pack/b.txt": b"b"}
    with pytest.raises(InputError, match=words):
        _unzip(tmp_path, zip_of(members), limits)
    assert list((tmp_path / "unzipped").iterdir()) == []


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a zip file"):
        _unzip(tmp_path, b"%PDF-1.7 not a zip at all")


# -- the pages ---------------------------------------------------------------------------------------


@pytest.fixture
def client(new_vault_path: Path, session: LocalSession, tmp_path: Path) -> Iterator[TestClient]:
    fill_case(new_vault_path, tmp_path)
    with in_process(session, WebConfig(vault=new_vault_path), unlock=True) as test_client:
        yield test_client


def test_the_form_offers_the_cases_people_and_exhibits_with_extras_off(client: TestClient) -> None:
    page = client.get("/pack")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "Alex Morgan (fictional) (suspect)" in text
    assert 'value="EX-001" checked' in text
    assert "not legal advice" in text
    assert (
        '<option value="">Leave it out</option>' in text and "selected" not in text.split('id="law"')[1][:200]
    )
    for box in ('id="risk"', 'id="case_uco"'):
        assert "checked" not in text.split(box)[1].split(">")[0]


def test_form_mistakes_are_explained_and_build_nothing(client: TestClient, session: LocalSession) -> None:
    token = session.csrf_token
    backwards = {"since": "2026-01-31", "until": "2025-12-01", "exhibits": "EX-001", "csrf_token": token}
    response = client.post("/pack", data=backwards)
    assert response.status_code == 400
    assert "last date is before the first date" in response.text
    assert 'role="alert"' in response.text and 'href="#until"' in response.text
    none_ticked = client.post("/pack", data={"csrf_token": token})
    assert none_ticked.status_code == 400
    assert "Choose at least one exhibit" in none_ticked.text
    assert not any(session.downloads.folder().iterdir())


def test_htmx_gets_the_part_of_the_page_and_a_swappable_status(
    client: TestClient, session: LocalSession
) -> None:
    response = client.post(
        "/pack",
        data={"csrf_token": session.csrf_token},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert "<html" not in response.text
    assert "Choose at least one exhibit" in response.text


def test_building_needs_the_csrf_token(client: TestClient) -> None:
    assert client.post("/pack", data={"exhibits": "EX-001"}).status_code == 403


def test_checking_refuses_a_missing_file_a_non_zip_and_a_traversal_zip(
    client: TestClient, session: LocalSession
) -> None:
    token = {"csrf_token": session.csrf_token}
    empty = client.post("/pack/verify", data=token, files={"pack": ("", b"", "application/zip")})
    assert empty.status_code == 400 and "Choose the zip file" in empty.text
    wrong = client.post("/pack/verify", data=token, files={"pack": ("pack.zip", b"hello", "application/zip")})
    assert wrong.status_code == 400 and "not a zip file" in wrong.text
    tricky = zip_of({"../../evil.txt": b"fictional"})
    refused = client.post("/pack/verify", data=token, files={"pack": ("pack.zip", tricky, "application/zip")})
    assert refused.status_code == 400
    assert "points outside its folder, so it was not opened." in refused.text


def test_the_pack_pages_need_the_vault_unlocked(client: TestClient, session: LocalSession) -> None:
    session.close_vault()
    assert client.get("/pack", follow_redirects=False).headers["location"] == "/unlock"


def test_names_from_an_uploaded_pack_are_shown_as_text_not_markup(
    client: TestClient, session: LocalSession
) -> None:
    sums = f"{'0' * 64}  <img src=x>\n".encode()
    upload = zip_of({"pack/SHA256SUMS": sums})
    response = client.post(
        "/pack/verify",
        data={"csrf_token": session.csrf_token},
        files={"pack": ("pack.zip", upload, "application/zip")},
    )
    assert response.status_code == 200
    assert "problems found" in response.text
    assert "&lt;img src=x&gt;" in response.text and "<img src=x>" not in response.text
