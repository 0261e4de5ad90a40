"""Importing through the web page, in process: results, re-imports, past imports, people, and bad uploads
that must show a plain message and change nothing."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from stalkproof.demo.exports import telegram, whatsapp
from stalkproof.evidence.parties import list_accounts, list_parties
from stalkproof.vault.schema import events, exhibits, ledger
from stalkproof.web.config import WebConfig
from stalkproof.web.session import LocalSession
from web.conftest import in_process

UPLOAD_LIMIT = 256 * 1024
SUSPECT = "Jo Fictional"
CHAT_NAME = f"WhatsApp Chat with {SUSPECT}.txt"


def whatsapp_chat(count: int = 6) -> bytes:
    lines = [
        whatsapp.ChatLine(
            datetime(2026, 3, 1, 20, minute), SUSPECT if minute % 2 else "Sam", f"message {minute}"
        )
        for minute in range(count)
    ]
    return whatsapp.render(lines, "en_gb", chat=SUSPECT)


def telegram_chat() -> bytes:
    messages = telegram.synthetic_messages(5)
    return telegram.chat_bytes(telegram.Chat(SUSPECT), messages)


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def traversal_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("_chat.txt", whatsapp_chat())
        archive.writestr("../../x", b"not part of any export")
    return buffer.getvalue()


@pytest.fixture
def client(new_vault_path: Path, session: LocalSession) -> Iterator[TestClient]:
    config = WebConfig(vault=new_vault_path, upload_limit=UPLOAD_LIMIT)
    with in_process(session, config, unlock=True) as test_client:
        yield test_client


def upload(client: TestClient, session: LocalSession, *files: tuple[str, bytes], **form: str) -> str:
    response = client.post(
        "/import",
        data={"csrf_token": session.csrf_token, **form},
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
    )
    return f"{response.status_code} {response.text}"


def counts(session: LocalSession) -> tuple[int, int, int]:
    with session.vault().read() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (events, exhibits, ledger)
        )


def test_an_upload_is_imported_and_a_second_one_adds_nothing(
    client: TestClient, session: LocalSession
) -> None:
    first = upload(client, session, (CHAT_NAME, whatsapp_chat()))
    assert first.startswith("200 ")
    assert "What was imported" in first and "WhatsApp" in first
    assert "6 new" in first
    assert "things to check" in first and "time zone" in first  # the zone the times were read in
    assert SUSPECT in first and "Not said yet" in first
    assert "stalkproof-upload-" not in first  # the private folder is never shown
    before = counts(session)
    again = upload(client, session, (CHAT_NAME, whatsapp_chat()))
    assert "already imported on" in again and "Nothing new was added" in again
    assert counts(session)[:2] == before[:2]


def test_several_files_at_once(client: TestClient, session: LocalSession) -> None:
    page = upload(client, session, (CHAT_NAME, whatsapp_chat()), ("result.json", telegram_chat()))
    assert page.startswith("200 ")
    assert "Telegram" in page and "WhatsApp" in page


def test_one_bad_file_among_several_changes_nothing(client: TestClient, session: LocalSession) -> None:
    before = counts(session)
    page = upload(client, session, (CHAT_NAME, whatsapp_chat()), ("photo.txt", png_bytes()))
    assert page.startswith("400 ") and "photo.txt" in page
    assert counts(session) == before


BAD_UPLOADS = {
    "a picture renamed .txt": [("chat.txt", png_bytes())],
    "random bytes": [("export.bin", bytes(range(256)) * 64)],
    "a truncated JSON export": [("result.json", telegram_chat()[:-120])],
    "a zip with a path trick": [("export.zip", traversal_zip())],
    "a file over the limit": [("huge.txt", b"x" * (UPLOAD_LIMIT + 1))],
    "an empty file": [("empty.txt", b"")],
    "no file at all": [],
}


@pytest.mark.parametrize("files", BAD_UPLOADS.values(), ids=BAD_UPLOADS.keys())
def test_a_bad_upload_says_why_and_changes_nothing(
    client: TestClient, session: LocalSession, files: list[tuple[str, bytes]]
) -> None:
    before = counts(session)
    page = upload(client, session, *files)
    assert page.startswith("400 "), page[:300]
    assert 'role="alert"' in page and "nothing in your vault was changed" in page
    assert "stalkproof-upload-" not in page and "Traceback" not in page
    assert counts(session) == before


def test_the_reason_is_named(client: TestClient, session: LocalSession) -> None:
    assert "points outside the zip" in upload(client, session, ("export.zip", traversal_zip()))
    assert "empty.txt is empty" in upload(client, session, ("empty.txt", b""))
    assert "result.json, line" in upload(client, session, ("result.json", telegram_chat()[:-120]))


def test_an_upload_far_over_the_limit_is_refused_at_the_door(
    client: TestClient, session: LocalSession
) -> None:
    before = counts(session)
    page = upload(client, session, ("huge.txt", b"x" * (UPLOAD_LIMIT + 2 * 1024 * 1024)))
    assert page.startswith("413 ") and "too big" in page
    assert counts(session) == before


def test_an_unknown_source_choice_is_refused(client: TestClient, session: LocalSession) -> None:
    page = upload(client, session, (CHAT_NAME, whatsapp_chat()), source="csv")
    assert page.startswith("400 ") and "Choose the kind of export" in page


def test_past_imports_show_every_warning(client: TestClient, session: LocalSession) -> None:
    assert client.get("/imports").text.count("Nothing has been imported") == 1
    upload(client, session, (CHAT_NAME, whatsapp_chat()))
    listing = client.get("/imports").text
    assert CHAT_NAME in listing and "Yes" in listing
    import_id = listing.split('href="/imports/')[1].split('"')[0]
    detail = client.get(f"/imports/{import_id}").text
    assert "things to check" in detail and "time zone" in detail
    assert client.get("/imports/nothing-here").status_code == 404


def test_accounts_are_mapped_to_a_new_suspect(client: TestClient, session: LocalSession) -> None:
    upload(client, session, (CHAT_NAME, whatsapp_chat()))
    page = client.get("/people").text
    assert f"whatsapp: {SUSPECT}" in page
    response = client.post(
        "/people",
        data={
            "csrf_token": session.csrf_token,
            "name": "J",
            "role": "suspect",
            "accounts": [f"whatsapp:{SUSPECT}"],
            "other_accounts": "email:j@example.org",
        },
    )
    assert response.status_code == 200 and "Saved: J" in response.text
    vault = session.vault()
    case_id = session.case().id
    [party] = list_parties(vault, case_id)
    assert party.role == "suspect"
    assert {(a.platform, a.identifier) for a in party.accounts} == {
        ("whatsapp", SUSPECT),
        ("email", "j@example.org"),
    }
    assert {use.identifier: use.party for use in list_accounts(vault, case_id)}[SUSPECT] == "J"
    # Linking another account to the same person afterwards.
    linked = client.post(
        "/people/link",
        data={"csrf_token": session.csrf_token, "party_id": party.id, "accounts": ["whatsapp:Sam"]},
    )
    assert linked.status_code == 200
    assert len(list_parties(vault, case_id)[0].accounts) == 3


def test_people_form_mistakes_are_explained(client: TestClient, session: LocalSession) -> None:
    before = counts(session)
    nameless = client.post("/people", data={"csrf_token": session.csrf_token, "name": " ", "role": "suspect"})
    assert nameless.status_code == 400 and "needs a name" in nameless.text
    wrong = client.post(
        "/people",
        data={"csrf_token": session.csrf_token, "name": "J", "role": "suspect", "other_accounts": "nonsense"},
    )
    assert wrong.status_code == 400 and "PLATFORM:ID" in wrong.text
    assert counts(session) == before


def test_changes_need_the_csrf_token(client: TestClient, session: LocalSession) -> None:
    refused = client.post("/import", files=[("files", (CHAT_NAME, whatsapp_chat(), "text/plain"))])
    assert refused.status_code == 403
    assert client.post("/people", data={"name": "J", "role": "suspect"}).status_code == 403
