"""The diary and exhibits pages, in process: adding, amending, refusing bad input, saving exhibits."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stalkproof.evidence.cases import Case, list_cases
from stalkproof.evidence.diary import entry_versions, list_entries
from stalkproof.evidence.exhibits import list_exhibits
from stalkproof.vault.vault import Vault
from stalkproof.web.config import WebConfig
from stalkproof.web.session import LocalSession
from web.conftest import in_process

SCREENSHOT = b"\x89PNG\r\n\x1a\nfictional screenshot bytes"
UPLOAD_LIMIT = 1024


@pytest.fixture
def client(new_vault_path: Path, session: LocalSession) -> Iterator[TestClient]:
    config = WebConfig(vault=new_vault_path, upload_limit=UPLOAD_LIMIT)
    with in_process(session, config, unlock=True) as test_client:
        yield test_client


def _case(session: LocalSession) -> tuple[Vault, Case]:
    vault = session.vault()
    return vault, list_cases(vault)[0]


def _form(session: LocalSession, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrf_token": session.csrf_token,
        "when_date": "2026-03-01",
        "when_time": "15:20",
        "precision": "exact",
        "zone": "Europe/London",
        "what": "A fictional message said: I know where you are.",
        "where": "At home",
        "behaviours": ["contact", "monitor_electronic"],
        "impact": "I could not sleep.",
        "actions": "Told a friend\nCalled 101, reference 123",
        "describe": "Screenshot of the message",
        "how": "screenshot",
    }
    return form | changes


def _add(client: TestClient, session: LocalSession, files: Any = None, **changes: Any) -> Any:
    return client.post("/diary/new", data=_form(session, **changes), files=files, follow_redirects=False)


def _counts(session: LocalSession) -> tuple[int, int]:
    vault, case = _case(session)
    return len(list_entries(vault, case.id)), len(list_exhibits(vault, case.id))


def test_an_entry_with_a_file_is_kept_and_listed(client: TestClient, session: LocalSession) -> None:
    response = _add(client, session, files=[("files", ("../../shot.png", SCREENSHOT, "image/png"))])
    assert response.status_code == 303
    assert response.headers["location"] == "/diary/D1?saved=1"
    vault, case = _case(session)
    [entry] = list_entries(vault, case.id)
    data = entry.as_json()
    assert data["behaviours"] == ["contact", "monitor_electronic"]
    assert data["actions"] == ["Told a friend", "Called 101, reference 123"]
    assert (data["occurred_local"], data["zone"], data["precision"]) == (
        "2026-03-01T15:20:00",
        "Europe/London",
        "minute",
    )
    [exhibit] = list_exhibits(vault, case.id)
    assert data["exhibits"] == [exhibit.ref]
    assert exhibit.original_name == "shot.png"  # the path the browser sent is never used
    assert exhibit.sha256 == hashlib.sha256(SCREENSHOT).hexdigest()
    listing = client.get("/diary").text
    assert "Contacting you, or trying to, by any means" in listing
    assert "I could not sleep." in listing
    assert "Not amended" in listing
    exhibits = client.get("/exhibits").text
    assert exhibit.sha256 in exhibits
    assert "screenshot" in exhibits


@pytest.mark.parametrize(
    ("changes", "upload", "message"),
    [
        ({"when_date": "2026-02-31"}, None, "could not be read"),
        ({"when_date": ""}, None, "could not be read"),
        ({"what": "   "}, None, "Say what happened"),
        ({"zone": "Mars/Olympus"}, None, "not a time zone name"),
        ({"until_time": "16:00"}, None, "Give a date for when it ended"),
        ({}, ("big.bin", b"x" * (UPLOAD_LIMIT + 1), "application/octet-stream"), "too big"),
        ({"behaviours": ["not_a_code"]}, None, "not a behaviour code"),
        ({"exhibits": ["EX-404"]}, None, "No single exhibit"),
    ],
)
def test_bad_input_shows_the_form_again_and_saves_nothing(
    client: TestClient, session: LocalSession, changes: dict[str, Any], upload: Any, message: str
) -> None:
    files = [("files", ("first.txt", b"fine", "text/plain")), ("files", upload)] if upload else None
    response = _add(client, session, files=files, **changes)
    assert response.status_code == 400
    assert message in response.text
    assert "Nothing was saved" in response.text
    assert 'role="alert"' in response.text
    assert 'name="what"' in response.text  # the form again, not an error page
    assert _counts(session) == (0, 0)


def test_an_upload_without_the_token_is_refused(client: TestClient, session: LocalSession) -> None:
    response = _add(client, session, csrf_token="forged")
    assert response.status_code == 403
    assert _counts(session) == (0, 0)


def test_amending_keeps_every_version(client: TestClient, session: LocalSession) -> None:
    _add(client, session)
    form = client.get("/diary/D1/amend").text
    assert "I could not sleep." in form  # the newest version fills the form
    changed = _form(session, impact="I stopped going out in the evening.", reason="Remembered more")
    response = client.post("/diary/D1/amend", data=changed, follow_redirects=False)
    assert response.status_code == 303
    vault, case = _case(session)
    versions = entry_versions(vault, case.id, "D1")
    assert [version.row["impact"] for version in versions] == [
        "I could not sleep.",
        "I stopped going out in the evening.",
    ]
    assert versions[1].row["change_note"] == "Remembered more"
    assert versions[1].row["occurred_local"] == versions[0].row["occurred_local"]
    page = client.get("/diary/D1").text
    assert "Version 1" in page and "Version 2" in page
    assert "I could not sleep." in page and "I stopped going out in the evening." in page
    assert "Changed in this version:</strong> How it affected you." in page
    assert "Amended 1 time" in client.get("/diary").text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": "No change at all"}, "Nothing was changed"),
        ({"impact": "Different", "reason": ""}, "Say briefly why"),
        ({"impact": "Different", "reason": "x", "when_date": "yesterday"}, "could not be read"),
    ],
)
def test_a_bad_amendment_adds_no_version(
    client: TestClient, session: LocalSession, changes: dict[str, Any], message: str
) -> None:
    _add(client, session)
    response = client.post("/diary/D1/amend", data=_form(session, **changes), follow_redirects=False)
    assert response.status_code == 400
    assert message in response.text
    vault, case = _case(session)
    assert len(entry_versions(vault, case.id, "D1")) == 1


def test_an_amendment_can_attach_a_file(client: TestClient, session: LocalSession) -> None:
    _add(client, session)
    response = client.post(
        "/diary/D1/amend",
        data=_form(session, reason="Adding the screenshot"),
        files=[("files", ("later.png", SCREENSHOT, "image/png"))],
        follow_redirects=False,
    )
    assert response.status_code == 303
    vault, case = _case(session)
    assert entry_versions(vault, case.id, "D1")[-1].as_json()["exhibits"] == ["EX-001"]


def test_an_exhibit_downloads_as_its_original_bytes(client: TestClient, session: LocalSession) -> None:
    _add(client, session, files=[("files", ("shot.png", SCREENSHOT, "image/png"))])
    response = client.get("/exhibits/EX-001/download")
    assert response.status_code == 200
    assert response.content == SCREENSHOT
    assert response.headers["content-disposition"].startswith("attachment")
    assert "shot.png" in response.headers["content-disposition"]
    assert response.headers["content-type"] == "application/octet-stream"
    assert client.get("/exhibits/EX-999/download").status_code == 404


def test_unknown_entries_are_explained(client: TestClient) -> None:
    response = client.get("/diary/D42")
    assert response.status_code == 404
    assert "no diary entry D42" in response.text
    assert client.get("/diary").status_code == 200
    assert "no diary entries" in client.get("/diary").text
