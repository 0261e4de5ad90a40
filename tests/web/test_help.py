"""Getting help, in process: triage with and without the vault, the safety plan, the directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import PASSPHRASE
from stalkproof.risk import store
from stalkproof.web.config import WebConfig
from stalkproof.web.session import LocalSession
from web.conftest import in_process

NO_DANGER = {"danger_now": "no", "harassed": "yes", "unsure": "no", "at_risk": "unknown"}


@pytest.fixture
def client(new_vault_path: Path, session: LocalSession) -> Iterator[TestClient]:
    """Entered with the one-time link; the vault still locked."""
    with in_process(session, WebConfig(vault=new_vault_path)) as test_client:
        yield test_client


def unlock(client: TestClient, session: LocalSession) -> None:
    client.post("/unlock", data={"passphrase": PASSPHRASE, "csrf_token": session.csrf_token})
    assert session.unlocked


def post(client: TestClient, session: LocalSession, url: str, data: dict[str, str]) -> str:
    response = client.post(url, data={**data, "csrf_token": session.csrf_token})
    assert response.status_code == 200, response.text
    text: str = response.text
    return text


def test_triage_works_locked_and_keeps_nothing(client: TestClient, session: LocalSession) -> None:
    form = client.get("/triage").text
    assert "Keep these answers" not in form  # nothing to keep them in
    page = post(client, session, "/triage", {**NO_DANGER, "save": "yes"})
    assert "National Stalking Helpline" in page
    assert "worth contacting a specialist service" in page
    assert "danger-heading" not in page
    assert "were not kept" in page


def test_danger_comes_first_with_the_number_for_the_place(client: TestClient, session: LocalSession) -> None:
    page = post(client, session, "/triage", {"danger_now": "yes", "jurisdiction": "us-ca"})
    assert page.index("danger-heading") < page.index("What your answers suggest")
    assert "Call 911 now" in page
    assert "National Domestic Violence Hotline (US)" in page
    assert "0808 802 0300" not in page  # the UK helpline's number is no use in California


def test_triage_is_kept_only_when_asked(client: TestClient, session: LocalSession) -> None:
    unlock(client, session)
    assert "Keep these answers in my case" in client.get("/triage").text
    post(client, session, "/triage", NO_DANGER)
    vault = session.vault()
    case_id = session.case().id
    assert store.history(vault, case_id, store.TRIAGE) == []
    page = post(client, session, "/triage", {**NO_DANGER, "save": "yes"})
    assert "kept in your case" in page
    kept = store.history(vault, case_id, store.TRIAGE)
    assert [row.result["answers"]["harassed"] for row in kept] == ["yes"]


def test_a_place_nobody_knows_is_explained(client: TestClient, session: LocalSession) -> None:
    response = client.post("/triage", data={"jurisdiction": "atlantis", "csrf_token": session.csrf_token})
    assert response.status_code == 400
    assert "not a jurisdiction stalkproof knows" in response.text
    assert client.post("/triage", data=NO_DANGER).status_code == 403  # no CSRF token


def test_step_commands_become_links(client: TestClient, session: LocalSession) -> None:
    page = post(client, session, "/triage", {**NO_DANGER, "online": "yes", "jurisdiction": "gb-sct"})
    assert 'href="/guide/phone-spyware-android"' in page
    assert 'href="/law?jurisdiction=gb-sct"' in page
    assert "Action Against Stalking" in page


def test_safety_plan_locked_shows_the_questions(client: TestClient) -> None:
    page = client.get("/safety-plan").text
    assert "Unlock your vault" in page
    assert "People I can tell" in page
    assert "<textarea" not in page


def test_safety_plan_saved_and_shown(client: TestClient, session: LocalSession) -> None:
    unlock(client, session)
    empty = client.post("/safety-plan", data={"csrf_token": session.csrf_token})
    assert empty.status_code == 400
    assert "nothing was saved" in empty.text
    data = {"people": "My sister Jo\n\nMy manager", "code_word": "blue kettle"}
    saved = client.post("/safety-plan", data={**data, "csrf_token": session.csrf_token})
    assert saved.status_code == 200
    assert "Your plan is saved" in saved.text
    assert "blue kettle" in saved.text
    plan = store.latest(session.vault(), session.case().id, store.SAFETY_PLAN)
    assert plan is not None
    assert plan.result["sections"]["people"] == ["My sister Jo", "My manager"]


def test_safety_plan_hints_use_the_place(client: TestClient) -> None:
    assert "call 911" in client.get("/safety-plan?jurisdiction=us-ny").text.lower()


def test_referrals_filter(client: TestClient) -> None:
    page = client.get("/referrals?jurisdiction=gb-sct&need=stalking").text
    assert "Action Against Stalking" in page
    assert "National Domestic Violence Hotline" not in page
    assert client.get("/referrals?need=nonsense").status_code == 400
