"""The law view in process: the offences the recorded events may touch, always with the disclaimer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from stalkproof.evidence.diary import add_entry, diary_draft
from stalkproof.evidence.time import parse_when
from stalkproof.vault.vault import Vault
from stalkproof.web.session import LocalSession
from web.test_help import client, unlock

__all__ = ["client"]

THREATENING = [
    ("2026-10-01T20:00", "He followed me home from the station.", ["follow"]),
    ("2026-10-05T21:00", "A message said he would hurt me if I went to the police.", ["threat_violence"]),
    ("2026-10-09T07:30", "He was waiting outside my house again.", ["loiter"]),
]


def add_threatening_events(vault: Vault, case_id: str) -> None:
    for when, what, behaviours in THREATENING:
        moment = parse_when(when, zone="Europe/London")
        add_entry(vault, case_id, diary_draft(moment, what, behaviours=behaviours))


def test_law_view_shows_offences_and_disclaimer(client: TestClient, session: LocalSession) -> None:
    unlock(client, session)
    add_threatening_events(session.vault(), session.case().id)
    page = client.get("/law?jurisdiction=gb-eng-wls").text
    assert "Information, not legal advice." in page
    assert "England and Wales" in page
    assert "Stalking" in page
    assert "Your records may show this" in page
    assert "D2" in page  # diary entries named as people know them
    assert "legislation.gov.uk" in page


def test_other_jurisdictions_and_unknown_codes(client: TestClient, session: LocalSession) -> None:
    unlock(client, session)
    assert "Scotland" in client.get("/law?jurisdiction=gb-sct").text
    refused = client.get("/law?jurisdiction=narnia")
    assert refused.status_code == 400
    assert "no law file" in refused.text


def test_law_needs_the_vault(client: TestClient) -> None:
    assert client.get("/law", follow_redirects=False).headers["location"] == "/unlock"
