"""Flags to review, in process: the list, confirming and dismissing (kept as assessments, the events
untouched), the HTMX fragment, plain messages, and `stalkproof flags review`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from conftest import PASSPHRASE
from stalkproof.cli.flag_commands import flags_app
from stalkproof.evidence.flag_reviews import FLAG_REVIEW, latest_reviews
from stalkproof.vault.schema import assessments, events, ledger
from stalkproof.vault.vault import Vault
from stalkproof.web.config import WebConfig
from stalkproof.web.session import LocalSession
from web.conftest import in_process
from web.test_timeline import THREAT, WATCHING, fill_case


@pytest.fixture
def filled(new_vault_path: Path) -> dict[str, str]:
    return fill_case(new_vault_path)


@pytest.fixture
def client(new_vault_path: Path, filled: dict[str, str], session: LocalSession) -> Iterator[TestClient]:
    with in_process(session, WebConfig(vault=new_vault_path), unlock=True) as test_client:
        yield test_client


def evidence_state(vault: Vault) -> tuple[list[Any], list[Any]]:
    """Every stored event row, and the ledger entries (with their hashes) that record them."""
    with vault.read() as connection:
        rows = [tuple(row) for row in connection.execute(select(events).order_by(events.c.id))]
        entries = connection.execute(
            select(ledger.c.seq, ledger.c.payload_sha256, ledger.c.entry_hash)
            .where(ledger.c.object_type == "events")
            .order_by(ledger.c.seq)
        )
        return rows, [tuple(entry) for entry in entries]


def flag_forms(page: str) -> list[dict[str, str]]:
    return [
        {"event_id": event_id, "label": label}
        for event_id, label in re.findall(
            r'name="event_id" value="([^"]+)">\s*<input type="hidden" name="label" value="([^"]+)"', page
        )
    ]


def test_the_list_explains_each_flag(client: TestClient) -> None:
    page = client.get("/flags")
    assert page.status_code == 200
    assert THREAT in page.text and WATCHING in page.text
    assert "Why it was flagged:" in page.text
    assert "<mark>" in page.text
    only_threats = client.get("/flags", params={"label": "threat"})
    assert WATCHING not in only_threats.text and THREAT in only_threats.text


def test_confirm_and_dismiss_are_kept_as_assessments(
    client: TestClient, session: LocalSession, filled: dict[str, str]
) -> None:
    vault = session.vault()
    before = evidence_state(vault)
    forms = flag_forms(client.get("/flags").text)
    threat = next(form for form in forms if form["label"] == "threat")
    watching = next(form for form in forms if form["label"] == "surveillance")
    confirmed = client.post(
        "/flags/review",
        data={
            **threat,
            "decision": "confirmed",
            "note": "He said this twice",
            "csrf_token": session.csrf_token,
        },
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"].startswith("/flags?saved=confirmed#flag-")
    dismissed = client.post(
        "/flags/review",
        data={**watching, "decision": "dismissed", "csrf_token": session.csrf_token},
        headers={"HX-Request": "true", "X-CSRF-Token": session.csrf_token},
    )
    assert dismissed.status_code == 200 and "<html" not in dismissed.text
    assert "you said this flag is wrong" in dismissed.text
    assert evidence_state(vault) == before
    with vault.read() as connection:
        reviews = latest_reviews(connection, filled["case_id"])
        stored = (
            connection.execute(select(assessments).where(assessments.c.kind == FLAG_REVIEW)).mappings().all()
        )
    assert reviews[(threat["event_id"], "threat")].decision == "confirmed"
    assert reviews[(threat["event_id"], "threat")].note == "He said this twice"
    assert reviews[(watching["event_id"], "surveillance")].decision == "dismissed"
    assert len(stored) == 2
    # Reviewed flags leave the "not reviewed yet" list, and show under their decision.
    assert THREAT not in client.get("/flags").text
    assert THREAT in client.get("/flags", params={"show": "confirmed"}).text


def test_changing_a_review_supersedes_the_last(client: TestClient, session: LocalSession) -> None:
    threat = next(form for form in flag_forms(client.get("/flags").text) if form["label"] == "threat")
    for decision in ("confirmed", "dismissed"):
        client.post("/flags/review", data={**threat, "decision": decision, "csrf_token": session.csrf_token})
    with session.vault().read() as connection:
        rows = (
            connection.execute(select(assessments).where(assessments.c.kind == FLAG_REVIEW)).mappings().all()
        )
    assert len(rows) == 2
    assert {row["supersedes"] for row in rows} == {
        None,
        next(r["id"] for r in rows if r["supersedes"] is None),
    }


def test_reviews_need_the_token_and_a_real_flag(client: TestClient, session: LocalSession) -> None:
    threat = next(form for form in flag_forms(client.get("/flags").text) if form["label"] == "threat")
    assert client.post("/flags/review", data={**threat, "decision": "confirmed"}).status_code == 403
    no_choice = client.post("/flags/review", data={**threat, "csrf_token": session.csrf_token})
    assert no_choice.status_code == 400 and "Choose" in no_choice.text
    wrong_label = client.post(
        "/flags/review",
        data={**threat, "label": "sexual", "decision": "confirmed", "csrf_token": session.csrf_token},
    )
    assert wrong_label.status_code == 400
    with session.vault().read() as connection:
        assert (
            connection.execute(select(assessments).where(assessments.c.kind == FLAG_REVIEW)).first() is None
        )


def test_the_command_line_review(
    new_vault_path: Path, filled: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STALKPROOF_VAULT", str(new_vault_path))
    monkeypatch.setenv("STALKPROOF_PASSPHRASE", PASSPHRASE)
    app = typer.Typer()
    app.add_typer(flags_app, name="flags")
    runner = CliRunner()
    listed = runner.invoke(app, ["flags", "--label", "threat", "--json"])
    assert listed.exit_code == 0, listed.output
    (item,) = json.loads(listed.stdout)
    done = runner.invoke(
        app, ["flags", "review", item["event_id"], "--label", "threat", "--dismiss", "--json"]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["decision"] == "dismissed"
