"""Importing in a real browser: upload with the progress bar, map an account to the suspect, re-upload,
bad uploads, keyboard-only and no-JavaScript use, and the accessibility of every page in the area."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stalkproof.evidence.parties import list_parties
from web.conftest import (
    Watched,
    WebApp,
    check_page,
    fixture_file,
    page_without_javascript,
    start_app,
    stop_app,
    unlock,
    watched_page,
)
from web.test_imports import (
    CHAT_NAME,
    SUSPECT,
    png_bytes,
    telegram_chat,
    traversal_zip,
    whatsapp_chat,
)
from web.test_imports import counts as vault_counts

SMALL_LIMIT = 64 * 1024
# Notes the bar's value at each progress event (after app.js has set it: its listener was added first).
WATCH_PROGRESS = """() => {
  window.barValues = [];
  document.addEventListener("htmx:xhr:progress", () => {
    window.barValues.push(document.getElementById("upload-progress").value);
  });
}"""


def counts(app: WebApp) -> tuple[int, int, int]:
    return vault_counts(app.running.session)


def choose_and_import(page: Any, *paths: Path) -> None:
    page.get_by_label("Export files").set_input_files([str(path) for path in paths])
    page.get_by_role("button", name="Import", exact=True).click()


def test_import_map_the_suspect_and_import_again(unlocked: Watched, tmp_path: Path) -> None:
    page, app = unlocked.page, unlocked.app
    chat = fixture_file(tmp_path, CHAT_NAME, whatsapp_chat())
    page.get_by_role("link", name="Import messages").first.click()
    page.wait_for_url(app.url("/import"))
    check_page(unlocked, "import")
    page.evaluate(WATCH_PROGRESS)
    choose_and_import(page, chat)
    page.get_by_role("heading", name="What was imported").wait_for()
    assert page.evaluate("window.barValues").pop() == 100  # app.js filled the bar as the file went up
    main = page.locator("main").inner_text()
    assert "6 new" in main and "WhatsApp" in main
    assert "time zone" in page.get_by_role("table").last.inner_text()  # a warning, with why
    assert page.evaluate("document.activeElement.id") == "result-heading"
    check_page(unlocked, "import-result")

    page.get_by_role(
        "link", name="Say which of these accounts belong to the person you are worried about"
    ).click()
    page.wait_for_url(app.url("/people"))
    page.get_by_label("Their name").fill("J")
    assert page.get_by_label("The person I am worried about").is_checked()
    page.get_by_role("group", name="Accounts").get_by_label(f"whatsapp: {SUSPECT}").check()
    page.get_by_role("button", name="Add this person").click()
    assert "Saved: J" in page.get_by_role("status").inner_text()
    check_page(unlocked, "people")
    vault = app.vault()
    [party] = list_parties(vault, app.running.session.case().id)
    assert party.role == "suspect" and [a.identifier for a in party.accounts] == [SUSPECT]

    before = counts(app)
    page.goto(app.url("/import"))
    choose_and_import(page, chat)
    page.get_by_role("heading", name="What was imported").wait_for()
    assert "Nothing new was added" in page.locator("main").inner_text()
    assert "J" in page.get_by_role("table").first.inner_text()  # the account now belongs to J
    assert counts(app)[:2] == before[:2]

    page.goto(app.url("/imports"))
    check_page(unlocked, "imports")
    page.get_by_role("link", name=CHAT_NAME).click()
    page.get_by_role("heading", name=f"Import of {CHAT_NAME}").wait_for()
    check_page(unlocked, "import-detail")


@pytest.fixture
def small_app(new_vault_path: Path) -> Iterator[WebApp]:
    """An app that takes uploads of at most SMALL_LIMIT bytes."""
    app = start_app(new_vault_path, upload_limit=SMALL_LIMIT)
    yield app
    stop_app(app)


@pytest.fixture
def small(browser: Any, small_app: WebApp) -> Iterator[Watched]:
    for seen in watched_page(browser, small_app):
        unlock(seen)
        yield seen


BAD = {
    "photo.txt": (png_bytes(), "does not recognise"),
    "export.bin": (bytes(range(256)) * 64, "does not recognise"),
    "result.json": (telegram_chat()[:-120], "incomplete"),
    "export.zip": (traversal_zip(), "points outside the zip"),
    "huge.txt": (b"x" * (SMALL_LIMIT + 10), "too big"),
    "empty.txt": (b"", "is empty"),
}


def test_each_bad_upload_is_explained_and_changes_nothing(small: Watched, tmp_path: Path) -> None:
    page, app = small.page, small.app
    before = counts(app)
    for name, (data, reason) in BAD.items():
        page.goto(app.url("/import"))
        choose_and_import(page, fixture_file(tmp_path, name, data))
        alert = page.get_by_role("alert")
        alert.wait_for()
        assert name in alert.inner_text() and reason in alert.inner_text(), alert.inner_text()
        assert "nothing in your vault was changed" in alert.inner_text()
        assert counts(app) == before, name
    page.goto(app.url("/import"))
    page.get_by_role("button", name="Import", exact=True).click()  # nothing chosen
    assert "Choose at least one export file" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Export files").get_attribute("aria-invalid") == "true"
    check_page(small, "import-error")
    assert counts(app) == before


def test_import_by_keyboard_without_javascript(browser: Any, web_app: WebApp, tmp_path: Path) -> None:
    chat = fixture_file(tmp_path, CHAT_NAME, whatsapp_chat())
    with page_without_javascript(browser, web_app) as page:
        page.goto(web_app.url("/import"))
        page.get_by_label("Export files").focus()
        with page.expect_file_chooser() as chooser:
            page.keyboard.press("Space")
        chooser.value.set_files(str(chat))
        # Focus comes back to the file field when the chooser closes; wait for that rather than race it.
        page.wait_for_function("document.activeElement && document.activeElement.type === 'file'")
        page.keyboard.press("Tab")  # "More choices"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Import"
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="What was imported").wait_for()
        assert "6 new" in page.locator("main").inner_text()
