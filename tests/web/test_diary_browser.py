"""The diary and exhibits in a real browser: add an entry with a file, amend it, save the exhibit back out,
by keyboard alone, and without JavaScript."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from stalkproof.evidence.cases import list_cases
from stalkproof.evidence.diary import entry_versions, list_entries
from stalkproof.evidence.exhibits import list_exhibits
from web.conftest import Watched, WebApp, check_page, fixture_file, page_without_javascript

PHOTO = b"\x89PNG\r\n\x1a\nfictional photo of a car outside the house"


def _entries(app: WebApp) -> int:
    vault = app.vault()
    return len(list_entries(vault, list_cases(vault)[0].id))


def test_add_amend_and_save_an_exhibit(unlocked: Watched, tmp_path: Path) -> None:
    page, app = unlocked.page, unlocked.app
    photo = fixture_file(tmp_path, "car-outside.png", PHOTO)
    page.get_by_role("link", name="Diary").first.click()
    page.wait_for_url(app.url("/diary"))
    assert "no diary entries" in page.locator("main").inner_text()
    check_page(unlocked, "diary-list-empty")

    page.get_by_role("link", name="Add a diary entry").click()
    check_page(unlocked, "diary-new")
    page.get_by_label("Date", exact=True).fill("2026-03-01")
    page.get_by_role("button", name="Save the entry").click()
    assert "Say what happened" in page.get_by_role("alert").inner_text()
    assert _entries(app) == 0
    check_page(unlocked, "diary-new-error")

    page.get_by_label("Time (optional)").fill("21:40")
    page.get_by_label("What happened?").fill("A fictional car was parked outside my house for an hour.")
    page.get_by_label("Watching or spying on you").check()
    page.get_by_label("How did it affect you? (optional)").fill("I did not feel safe going out.")
    page.get_by_label("Attach files (optional)").set_input_files(photo)
    page.get_by_label("What the files show (optional)").fill("Photo of the car")
    page.get_by_role("button", name="Save the entry").click()
    page.wait_for_url(app.url("/diary/D1?saved=1"))
    assert "Entry D1 is saved" in page.get_by_role("status").inner_text()

    page.get_by_role("link", name="Correct or add to this entry").click()
    assert page.get_by_label("What happened?").input_value().startswith("A fictional car")
    check_page(unlocked, "diary-amend")
    page.get_by_label("Why are you changing this entry?").fill("I remembered it was about an hour later")
    page.get_by_label("Time (optional)").fill("22:40")
    page.get_by_label("Not sure: it was about then").check()
    page.get_by_role("button", name="Save the new version").click()
    page.wait_for_url(app.url("/diary/D1?amended=2"))
    main = page.locator("main").inner_text()
    assert "Version 1" in main and "Version 2" in main
    assert "2026-03-01 at 21:40" in main and "About 2026-03-01 at 22:40" in main
    assert "I remembered it was about an hour later" in main
    check_page(unlocked, "diary-entry")
    vault = app.vault()
    assert len(entry_versions(vault, list_cases(vault)[0].id, "D1")) == 2

    page.get_by_role("link", name="Back to the diary").click()
    card = page.locator(".diary-card").first.inner_text()
    assert "Amended 1 time" in card and "Watching or spying on you" in card and "EX-001" in card
    check_page(unlocked, "diary-list")

    page.get_by_role("link", name="See all exhibits").click()
    row = page.get_by_role("row", name="EX-001").inner_text()
    assert hashlib.sha256(PHOTO).hexdigest() in row
    assert "Photo of the car" in row and "car-outside.png" in row
    check_page(unlocked, "exhibits")
    with page.expect_download() as caught:
        page.get_by_role("link", name="Save a copy of EX-001").click()
    saved = Path(caught.value.path())
    assert saved.read_bytes() == PHOTO
    assert caught.value.suggested_filename == "car-outside.png"


def _tab_to(page: Any, selector: str) -> None:
    """Press Tab, as a keyboard user would, until `selector` has the focus."""
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_adding_an_entry_by_keyboard_alone(unlocked: Watched) -> None:
    page, app = unlocked.page, unlocked.app
    page.goto(app.url("/diary/new"))
    # The date box takes its parts in the order the browser's language writes dates.
    order = page.evaluate(
        "() => new Intl.DateTimeFormat(navigator.language).formatToParts(new Date(2026, 2, 1))"
        ".filter(part => part.type !== 'literal').map(part => part.type)"
    )
    parts = {"day": "01", "month": "03", "year": "2026"}
    _tab_to(page, "#when_date")
    page.keyboard.type("".join(parts[name] for name in order))
    _tab_to(page, "#what")
    page.keyboard.type("Fictional: he rang my work twice asking where I was.")
    _tab_to(page, "input[name=behaviours][value=third_party_contact]")
    page.keyboard.press("Space")
    _tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(app.url("/diary/D1?saved=1"))
    [entry] = list_entries(app.vault(), list_cases(app.vault())[0].id)
    data = entry.as_json()
    assert data["occurred_local"] == "2026-03-01"
    assert data["behaviours"] == ["third_party_contact"]


def test_adding_an_entry_without_javascript(browser: Any, web_app: WebApp, tmp_path: Path) -> None:
    note = fixture_file(tmp_path, "voicemail.txt", b"Fictional voicemail transcript.")
    with page_without_javascript(browser, web_app) as page:
        page.goto(web_app.url("/diary/new"))
        page.get_by_label("Date", exact=True).fill("2026-13-45")
        page.get_by_label("What happened?").fill("Fictional voicemail at night.")
        page.get_by_role("button", name="Save the entry").click()
        assert "could not be read" in page.get_by_role("alert").inner_text()
        assert _entries(web_app) == 0
        page.get_by_label("Date", exact=True).fill("2026-03-02")
        page.get_by_label("Attach files (optional)").set_input_files(note)
        page.get_by_role("button", name="Save the entry").click()
        page.wait_for_url(web_app.url("/diary/D1?saved=1"))
        vault = web_app.vault()
        [exhibit] = list_exhibits(vault, list_cases(vault)[0].id)
        assert exhibit.sha256 == hashlib.sha256(note.read_bytes()).hexdigest()
