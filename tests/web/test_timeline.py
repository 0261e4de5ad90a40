"""The timeline and charts pages in process: filters, pages, the paged query, and a large-ish case."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import PASSPHRASE
from stalkproof.evidence.cases import list_cases
from stalkproof.evidence.diary import add_entry, diary_draft
from stalkproof.evidence.events import EventDraft, TimelineFilter, add_events, timeline, timeline_page
from stalkproof.evidence.parties import add_party
from stalkproof.evidence.time import Moment
from stalkproof.vault.schema import accounts
from stalkproof.vault.vault import Vault
from stalkproof.web.config import WebConfig
from stalkproof.web.session import LocalSession
from web.conftest import in_process

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
THREAT = "If you go to the police I will kill you"
WATCHING = "I saw you at the station this morning in your blue coat"
MESSAGES = 36


def fill_case(path: Path) -> dict[str, str]:
    """A small fictional case: Alex (the suspect) on WhatsApp and SMS, Sam's replies, diary entries, a
    threat and a watching message among everyday ones. Made with the evidence services, as an import is."""
    vault = Vault.unlock(path, passphrase=PASSPHRASE)
    with vault:
        case = list_cases(vault)[0]
        add_party(vault, case.id, "Sam", "subject", ["whatsapp:Sam"])
        alex = add_party(vault, case.id, "Alex", "suspect", ["whatsapp:Alex", "sms:+447700900666"])
        with vault.read() as connection:
            rows = connection.execute(accounts.select().where(accounts.c.case_id == case.id)).mappings()
            ids = {f"{row['platform']}:{row['identifier']}": row["id"] for row in rows}
        drafts = []
        for day in range(MESSAGES):
            at = START + timedelta(days=day, hours=day % 5)
            text = {10: THREAT, 20: WATCHING}.get(day, f"Message {day} about the car")
            sender, channel = ("whatsapp:Sam", "whatsapp") if day % 6 == 5 else ("whatsapp:Alex", "whatsapp")
            if day >= 30:
                sender, channel = "sms:+447700900666", "sms"
            drafts.append(
                EventDraft(
                    kind="message",
                    moment=_moment(at),
                    text=text,
                    channel=channel,
                    sender_account_id=ids[sender],
                )
            )
        with vault.write() as writer:
            add_events(writer, case.id, drafts)
        for day in (3, 15):
            at = START + timedelta(days=day, hours=20)
            add_entry(
                vault,
                case.id,
                diary_draft(
                    _moment(at),
                    f"He was waiting outside work again (day {day}).",
                    parties=[alex.id],
                    behaviours=["loiter"],
                ),
            )
    return {"case_id": case.id, "alex": alex.id}


def _moment(at: datetime) -> Moment:
    return Moment(at.strftime("%Y-%m-%dT%H:%M:%S.000000Z"), at.strftime("%Y-%m-%dT%H:%M:%S"), "UTC", "second")


@pytest.fixture
def filled(new_vault_path: Path) -> dict[str, str]:
    return fill_case(new_vault_path)


@pytest.fixture
def client(new_vault_path: Path, filled: dict[str, str], session: LocalSession) -> Iterator[TestClient]:
    with in_process(session, WebConfig(vault=new_vault_path), unlock=True) as test_client:
        yield test_client


def _texts(page: str) -> list[str]:
    return re.findall(r'<div class="verbatim">([^<]*)</div>', page)


def test_the_timeline_shows_everything_in_order(client: TestClient) -> None:
    page = client.get("/timeline")
    assert page.status_code == 200
    assert f"Showing 1 to {MESSAGES + 2} of {MESSAGES + 2} events" in page.text
    texts = _texts(page.text)
    assert texts[0] == "Message 0 about the car"
    assert "He was waiting outside work again (day 3)." in texts
    assert 'class="tag tag--flag">threat' in page.text


def test_filters_narrow_the_timeline(client: TestClient, filled: dict[str, str]) -> None:
    by_date = client.get("/timeline", params={"since": "2026-03-11", "until": "2026-03-11"})
    assert _texts(by_date.text) == [THREAT]
    by_channel = client.get("/timeline", params={"channel": "sms"})
    assert "of 6 events that match" in by_channel.text
    by_words = client.get("/timeline", params={"words": "BLUE coat"})
    assert _texts(by_words.text) == [WATCHING]
    flagged = client.get("/timeline", params={"flagged": "1"})
    assert set(_texts(flagged.text)) >= {THREAT, WATCHING}
    assert "Message 1 about the car" not in _texts(flagged.text)
    by_party = client.get("/timeline", params={"party": filled["alex"], "kind": "diary"})
    assert len(_texts(by_party.text)) == 2


def test_pages_and_fragments(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from stalkproof.web.routes import timeline as timeline_route

    monkeypatch.setattr(timeline_route, "PER_PAGE", 10)
    first = client.get("/timeline")
    assert "Page 1 of 4" in first.text and 'href="/timeline?page=2"' in first.text
    second = client.get("/timeline", params={"page": "2"}, headers={"HX-Request": "true"})
    assert "<html" not in second.text  # HTMX gets the results alone
    # Ten a page: messages 0 to 3, the diary entry of day 3, messages 4 to 8; then message 9 opens page 2.
    assert _texts(second.text)[0] == "Message 9 about the car"
    assert re.search(r'<a href="/timeline"[^>]*rel="prev">Previous page', second.text)
    last = client.get("/timeline", params={"page": "4"})
    assert "Next page" not in last.text and len(_texts(last.text)) == MESSAGES + 2 - 30


def test_a_bad_date_is_a_plain_message(client: TestClient) -> None:
    page = client.get("/timeline", params={"since": "last tuesday"})
    assert page.status_code == 400
    assert "not one stalkproof can read" in page.text
    swapped = client.get("/timeline", params={"since": "2026-04-01", "until": "2026-03-01"})
    assert "after the &#39;To&#39; date" in swapped.text or "after the 'To' date" in swapped.text


def test_nothing_matches(client: TestClient) -> None:
    page = client.get("/timeline", params={"words": "no such words here"})
    assert "Nothing matches these filters" in page.text


def test_charts_have_text_versions(client: TestClient) -> None:
    page = client.get("/timeline/charts")
    assert page.status_code == 200
    images = re.findall(r'<img class="chart" src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', page.text)
    assert len(images) == 4 and all(len(alt) > 20 for alt in images)
    assert page.text.count("The numbers behind this chart") == 4
    assert "Fixated" in page.text


def test_the_paged_query_matches_the_full_one(new_vault_path: Path, filled: dict[str, str]) -> None:
    vault = Vault.unlock(new_vault_path, passphrase=PASSPHRASE)
    with vault, vault.read() as connection:
        chosen = TimelineFilter(channel="whatsapp")
        everything = [row["entry_id"] for row in timeline(connection, filled["case_id"], chosen)]
        pages: list[Any] = []
        for offset in range(0, len(everything) + 7, 7):
            found = timeline_page(connection, filled["case_id"], chosen, limit=7, offset=offset)
            assert found.total == len(everything)
            pages += [row["entry_id"] for row in found.rows]
    assert pages == everything
