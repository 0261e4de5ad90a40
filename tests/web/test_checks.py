"""The check pages in process: each check's report, verdict first and the safety note before findings;
cleaned copies of photos; bad uploads answered with one plain sentence and nothing kept."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import PASSPHRASE
from digital.accounts_fixtures import generic_csv, intrusion_story
from digital.ios_fixtures import watched_backup
from digital.media_fakes import KESWICK, private_geocoder
from digital.media_fixtures import encoded_jpeg, jpeg_with_everything
from digital.network_fixtures import C2_NAME, scenario_frames, write_pcap
from digital.phone_fixtures import CONTROL, THETRUTH, write_pm_list
from stalkproof.digital.media.scan import scan_paths
from stalkproof.digital.phone.uploaded import unzip_ios_backup
from stalkproof.errors import InputError
from stalkproof.web.config import WebConfig
from stalkproof.web.session import LocalSession
from web.conftest import in_process

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _places_cache_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    private_geocoder(monkeypatch, tmp_path_factory.getbasetemp() / "geonames-cache")


@pytest.fixture
def client(new_vault_path: Path, session: LocalSession) -> Iterator[TestClient]:
    with in_process(session, WebConfig(vault=new_vault_path)) as test_client:
        yield test_client


def unlock(client: TestClient, session: LocalSession) -> None:
    client.post("/unlock", data={"passphrase": PASSPHRASE, "csrf_token": session.csrf_token})
    assert session.unlocked


def post_file(
    client: TestClient, session: LocalSession, url: str, field: str, path: Path, **form: str
) -> str:
    data = {"csrf_token": session.csrf_token, **form}
    response = client.post(url, data=data, files={field: (path.name, path.read_bytes())})
    assert response.status_code in (200, 400), response.text
    html: str = response.text
    return html


def text_of(html: str) -> str:
    text: str = unescape(re.sub(r"<[^>]+>", " ", html))
    return " ".join(text.split())


# --- photos and videos ---------------------------------------------------------------------------


def test_a_photo_shows_its_place_and_the_cleaned_copy_keeps_none(
    client: TestClient, session: LocalSession, tmp_path: Path
) -> None:
    photo = jpeg_with_everything(tmp_path / "holiday.jpg", *KESWICK)
    page = post_file(client, session, "/checks/media", "files", photo)
    shown = text_of(page)
    assert "This photo records where it was taken" in shown
    assert "Keswick" in shown
    assert "make a cleaned copy below" in shown
    batch = re.search(r'name="batch" value="([0-9a-f]{16})"', page)
    assert batch is not None
    cleaned = client.post(
        "/checks/media/clean", data={"csrf_token": session.csrf_token, "batch": batch.group(1)}, headers=HTMX
    )
    assert "<html" not in cleaned.text  # a fragment for HTMX
    link = re.search(r'href="(/downloads/[^"]+)"', cleaned.text)
    assert link is not None, cleaned.text
    download = client.get(link.group(1))
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    copy = tmp_path / "downloaded.jpg"
    copy.write_bytes(download.content)
    (result,) = scan_paths([copy])
    assert not result.reveals_location and not result.reveals_identity
    # The uploaded originals are gone once the copies are made.
    again = client.post(
        "/checks/media/clean", data={"csrf_token": session.csrf_token, "batch": batch.group(1)}
    )
    assert again.status_code == 404
    assert "no longer here" in again.text


def test_a_text_file_is_not_a_photo(client: TestClient, session: LocalSession, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("just some words\n")
    response = client.post(
        "/checks/media",
        data={"csrf_token": session.csrf_token},
        files={"files": ("notes.txt", notes.read_bytes())},
    )
    assert response.status_code == 400
    assert "notes.txt: stalkproof does not know this kind of file" in text_of(response.text)
    assert "stalkproof-upload" not in response.text and "Make a cleaned copy" not in response.text
    assert not any(session.downloads.folder().iterdir())  # nothing kept


def test_nothing_chosen_says_so(client: TestClient, session: LocalSession) -> None:
    response = client.post("/checks/media", data={"csrf_token": session.csrf_token}, headers=HTMX)
    assert response.status_code == 200  # so that HTMX shows the message
    assert "Choose at least one photo" in response.text and "<html" not in response.text


def test_photos_someone_sent_are_kept_as_evidence_when_unlocked(
    client: TestClient, session: LocalSession, tmp_path: Path
) -> None:
    unlock(client, session)
    photo = jpeg_with_everything(tmp_path / "sent.jpg", *KESWICK)
    plain = tmp_path / "plain.jpg"
    plain.write_bytes(encoded_jpeg())
    response = client.post(
        "/checks/media",
        data={"csrf_token": session.csrf_token, "keep_evidence": "true"},
        files=[("files", ("sent.jpg", photo.read_bytes())), ("files", ("plain.jpg", plain.read_bytes()))],
    )
    shown = text_of(response.text)
    assert "1 of 2 files record a place" in shown
    assert shown.index("1 of 2 files record a place") < shown.index("sent.jpg")
    assert "Kept in your case" in shown and "1 file(s) kept as exhibits" in shown


def test_a_forged_batch_number_finds_nothing(client: TestClient, session: LocalSession) -> None:
    for batch in ("../../etc", "0123456789abcdef"):
        response = client.post("/checks/media/clean", data={"csrf_token": session.csrf_token, "batch": batch})
        assert response.status_code == 404


# --- phone, network, accounts, computer ----------------------------------------------------------


def test_the_phone_report_puts_the_safety_note_before_the_findings(
    client: TestClient, session: LocalSession, tmp_path: Path
) -> None:
    listing = write_pm_list(tmp_path / "packages.txt")
    shown = text_of(post_file(client, session, "/checks/phone", "acquisition", listing))
    verdict = shown.index("What the check found")
    safety = shown.index("Before you change anything")
    findings = shown.index("Findings (")
    assert verdict < safety < findings
    assert THETRUTH in shown[findings:]
    assert "What was not checked" in shown


def test_a_clean_phone_has_no_safety_note_and_is_never_called_clean(
    client: TestClient, session: LocalSession, tmp_path: Path
) -> None:
    listing = write_pm_list(tmp_path / "packages.txt", CONTROL)
    shown = text_of(post_file(client, session, "/checks/phone", "acquisition", listing))
    assert "Before you change anything" not in shown and "What was not checked" in shown


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("random.zip", None, "This zip does not hold a phone acquisition"),
        ("notes.txt", b"dear diary\n", "notes.txt: This does not look like a phone acquisition"),
    ],
)
def test_what_is_not_a_phone_copy_is_one_sentence(
    client: TestClient, session: LocalSession, tmp_path: Path, name: str, content: bytes | None, expected: str
) -> None:
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("holiday/readme.txt", "nothing here")
    else:
        path.write_bytes(content)
    response = client.post(
        "/checks/phone",
        data={"csrf_token": session.csrf_token},
        files={"acquisition": (name, path.read_bytes())},
    )
    assert response.status_code == 400
    assert expected in text_of(response.text)
    assert "stalkproof-upload" not in response.text and "What the check found" not in response.text


def test_a_zipped_iphone_backup_is_checked(client: TestClient, session: LocalSession, tmp_path: Path) -> None:
    backup = watched_backup(tmp_path / "backup")
    archive = tmp_path / "backup.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in sorted(backup.rglob("*")):
            if file.is_file():
                zipped.write(file, Path("MyPhone") / file.relative_to(backup))
    shown = text_of(post_file(client, session, "/checks/phone", "acquisition", archive))
    assert "What the check found" in shown and "Findings (" in shown


def test_a_zip_with_path_tricks_is_not_unpacked(tmp_path: Path) -> None:
    archive = tmp_path / "tricky.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("Manifest.db", b"x")
        zipped.writestr("../outside.txt", b"x")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    with pytest.raises(InputError, match="outside the backup folder"):
        unzip_ios_backup(archive, workspace)
    assert not (tmp_path / "outside.txt").exists() and not any(workspace.iterdir())


def test_the_network_check_finds_the_spyware_server(
    client: TestClient, session: LocalSession, tmp_path: Path
) -> None:
    capture = write_pcap(tmp_path / "capture.pcap", scenario_frames())
    shown = text_of(post_file(client, session, "/checks/network", "capture", capture))
    assert C2_NAME in shown
    assert shown.index("What the check found") < shown.index("Findings (")


def test_the_accounts_check_points_out_the_unusual_country(
    client: TestClient, session: LocalSession, tmp_path: Path
) -> None:
    export = generic_csv(tmp_path, intrusion_story())
    shown = text_of(
        post_file(
            client, session, "/checks/accounts", "export", export,
            home="Leeds, United Kingdom", since="2024-03-01", known_devices="iPhone",
        )
    )  # fmt: skip
    assert "Nigeria" in shown or "Lagos" in shown
    assert shown.index("Before you change anything") < shown.index("Findings (")


def test_a_bad_date_is_one_sentence(client: TestClient, session: LocalSession, tmp_path: Path) -> None:
    export = generic_csv(tmp_path, intrusion_story())
    shown = text_of(post_file(client, session, "/checks/accounts", "export", export, since="soon"))
    assert "'soon' is not a date stalkproof can read" in shown


def test_the_computer_check_runs_and_can_be_kept(client: TestClient, session: LocalSession) -> None:
    unlock(client, session)
    response = client.post("/checks/computer", data={"csrf_token": session.csrf_token, "save": "true"})
    shown = text_of(response.text)
    assert response.status_code == 200
    assert "What the check found" in shown and "What was not checked" in shown
    assert "Kept in your case: the report is exhibit" in shown


def test_saving_while_locked_shows_the_report_and_says_why_nothing_was_kept(
    client: TestClient, session: LocalSession
) -> None:
    response = client.post("/checks/computer", data={"csrf_token": session.csrf_token, "save": "true"})
    shown = text_of(response.text)
    assert "What the check found" in shown and "not kept in your case" in shown


def test_checks_need_the_csrf_token(client: TestClient, tmp_path: Path) -> None:
    assert client.post("/checks/computer").status_code == 403


def test_file_names_are_shown_as_text_never_as_markup(
    client: TestClient, session: LocalSession, tmp_path: Path
) -> None:
    response = client.post(
        "/checks/media",
        data={"csrf_token": session.csrf_token},
        files={"files": ("<b>x</b>.txt", b"words")},
    )
    assert "<b>x</b>" not in response.text
