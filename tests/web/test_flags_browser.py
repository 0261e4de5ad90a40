"""Flags to review in Chromium: see a flag and why, confirm one and dismiss another (kept as assessments,
the events and their ledger hashes untouched), and axe-core on the list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stalkproof.evidence.cases import list_cases
from stalkproof.evidence.flag_reviews import latest_reviews
from web.conftest import Watched, WebApp, check_page, start_app, stop_app, unlock, watched_page
from web.test_flags import evidence_state
from web.test_timeline import THREAT, WATCHING, fill_case


@pytest.fixture
def seen(browser: Any, new_vault_path: Path) -> Iterator[Watched]:
    fill_case(new_vault_path)
    app: WebApp = start_app(new_vault_path)
    try:
        for watched in watched_page(browser, app):
            unlock(watched)
            yield watched
    finally:
        stop_app(app)


def test_confirm_one_flag_and_dismiss_another(seen: Watched) -> None:
    page = seen.page
    vault = seen.app.vault()
    before = evidence_state(vault)
    page.get_by_role("link", name="Flags to review").click()
    threat = page.get_by_role("article").filter(has_text=THREAT)
    watching = page.get_by_role("article").filter(has_text=WATCHING)
    assert "Why it was flagged" in threat.inner_text()
    check_page(seen, "flags")

    threat.get_by_label("Note (optional)").fill("He said it again on the phone")
    threat.get_by_role("button", name="Confirm: this flag is right").click()
    threat.get_by_text("you said this flag is right").wait_for()
    watching.get_by_role("button", name="Dismiss: this flag is wrong").click()
    watching.get_by_text("you said this flag is wrong").wait_for()
    check_page(seen, "flags-reviewed")

    assert evidence_state(vault) == before  # every event row and its ledger hash as it was
    with vault.read() as connection:
        reviews = latest_reviews(connection, list_cases(vault)[0].id)
    decisions = {(review.label, review.decision, review.note) for review in reviews.values()}
    assert decisions == {
        ("threat", "confirmed", "He said it again on the phone"),
        ("surveillance", "dismissed", None),
    }
    page.reload()
    page.get_by_text("Nothing left to review").wait_for()
