"""Risk screening in process: needs the vault, saves a version, shows the level and its reasons."""

from __future__ import annotations

from fastapi.testclient import TestClient

from stalkproof.risk import store
from stalkproof.web.session import LocalSession
from web.test_help import client, unlock

__all__ = ["client"]


def test_risk_needs_the_vault(client: TestClient) -> None:
    response = client.get("/risk", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/unlock"


def test_a_screening_is_saved_and_explained(client: TestClient, session: LocalSession) -> None:
    unlock(client, session)
    assert "No screenings are saved" in client.get("/risk").text
    form = client.get("/risk/new").text
    assert 'name="threats_kill"' in form
    answers = {"threats_kill": "yes", "fear": "quite", "csrf_token": session.csrf_token}
    done = client.post("/risk/new", data=answers, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "Concern level" in page
    assert "High" in page
    assert "Threats to kill" in page
    assert "not a score, a prediction" in page  # the instrument's own caveat
    kept = store.history(session.vault(), session.case().id, store.SCREENING)
    assert [row.result["level"] for row in kept] == ["high"]
    assert kept[0].result["answers"]["fear"] == "quite"
    assert "High" in client.get("/risk").text


def test_the_second_screening_says_what_changed(client: TestClient, session: LocalSession) -> None:
    unlock(client, session)
    for answer in ("yes", "no"):
        data = {"threats_kill": answer, "csrf_token": session.csrf_token}
        last = client.post("/risk/new", data=data, follow_redirects=False).headers["location"]
    page = client.get(last).text
    assert "Since the screening before" in page
    assert "threats kill: yes → no" in page


def test_a_bad_answer_is_refused_and_nothing_saved(client: TestClient, session: LocalSession) -> None:
    unlock(client, session)
    response = client.post("/risk/new", data={"fear": "purple", "csrf_token": session.csrf_token})
    assert response.status_code == 400
    assert "is not an answer to" in response.text
    assert store.history(session.vault(), session.case().id, store.SCREENING) == []
    assert client.get("/risk/nonexistent").status_code == 404
