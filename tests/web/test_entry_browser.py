"""Getting in and out in a real browser: making a vault, unlocking, locking, leaving quickly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import PASSPHRASE
from web.conftest import (
    EXIT_URL,
    Watched,
    WebApp,
    check_page,
    enter,
    start_app,
    stop_app,
    unlock,
    watched_page,
)


@pytest.fixture
def fresh_app(tmp_path: Path) -> Iterator[WebApp]:
    """An app whose vault does not exist yet."""
    app = start_app(tmp_path / "new-vault")
    yield app
    stop_app(app)


@pytest.fixture
def fresh(browser: Any, fresh_app: WebApp) -> Iterator[Watched]:
    yield from watched_page(browser, fresh_app)


def test_making_a_vault_shows_the_recovery_code_once(fresh: Watched) -> None:
    page = fresh.page
    enter(fresh)
    page.get_by_role("link", name="Unlock it").click()
    page.wait_for_url(fresh.app.url("/create"))
    check_page(fresh, "create-vault")
    page.get_by_label("Choose a passphrase").fill("a fictional passphrase for tests")
    page.get_by_label("Type it again").fill("a fictional passphrase for tests")
    page.get_by_label("A name for your first case (optional)").fill("Messages from J")
    page.get_by_role("button", name="Make the vault").click()
    code = page.locator(".recovery-code").inner_text().strip()
    assert len(code) > 20
    check_page(fresh, "recovery-code")
    page.get_by_role("link", name="I have written it down").click()
    assert "Messages from J" in page.locator("main").inner_text()
    assert code not in page.content()
    assert fresh.app.running.session.unlocked


def test_mismatched_passphrases_are_explained(fresh: Watched) -> None:
    page = fresh.page
    enter(fresh)
    page.goto(fresh.app.url("/create"))
    page.get_by_label("Choose a passphrase").fill("a fictional passphrase for tests")
    page.get_by_label("Type it again").fill("a different fictional passphrase")
    page.get_by_role("button", name="Make the vault").click()
    assert "not the same" in page.get_by_role("alert").inner_text()
    assert not fresh.app.vault_path.exists()


def test_home_unlock_and_lock(watched: Watched) -> None:
    page = watched.page
    enter(watched)
    check_page(watched, "home-locked")
    page.goto(watched.app.url("/unlock"))
    page.get_by_label("Passphrase").fill("not the passphrase")
    page.get_by_role("button", name="Unlock").click()
    assert page.get_by_role("alert").is_visible()
    check_page(watched, "unlock-wrong")
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_url(watched.app.url("/"))
    assert "Fictional case" in page.locator("main").inner_text()
    check_page(watched, "home")
    page.get_by_role("button", name="Lock").click()
    page.wait_for_url(watched.app.url("/locked"))
    assert not watched.app.running.session.unlocked
    page.goto(watched.app.url("/cases"))
    page.wait_for_url(watched.app.url("/unlock"))


def test_every_journey_on_the_home_page_has_a_page(unlocked: Watched) -> None:
    page = unlocked.page
    links = page.locator(".journey a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert len(links) >= 14
    for href in links:
        response = page.goto(unlocked.app.url(href))
        assert response is not None and response.status == 200, href


@pytest.mark.parametrize("how", ["button", "escape"])
def test_quick_exit_leaves_locks_and_leaves_no_way_back(unlocked: Watched, how: str) -> None:
    page = unlocked.page
    page.goto(unlocked.app.url("/cases"))
    if how == "button":
        page.get_by_role("link", name="Leave this site quickly").click()
    else:
        page.keyboard.press("Escape")
    page.wait_for_url(EXIT_URL)
    assert page.title() == "Weather"
    assert not unlocked.app.running.session.unlocked
    # The evidence page was replaced, and even going back shows nothing without unlocking again.
    page.go_back()
    assert "Fictional case" not in page.content()


def test_the_page_locks_itself_when_left_alone(browser: Any, new_vault_path: Path) -> None:
    app = start_app(new_vault_path, idle_minutes=0.02)  # about a second
    try:
        for seen in watched_page(browser, app):
            unlock(seen)
            seen.page.wait_for_url(app.url("/locked?idle=true"), timeout=10_000)
            assert "locked itself" in seen.page.locator("main").inner_text()
            assert not app.running.session.unlocked
    finally:
        stop_app(app)


def test_a_neutral_window_title(unlocked: Watched) -> None:
    page = unlocked.page
    page.goto(unlocked.app.url("/settings"))
    assert "stalkproof" in page.title()
    page.get_by_label("Use a plain window title").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(unlocked.app.url("/settings?saved=1"))
    assert page.title() == "Notes"
    page.goto(unlocked.app.url("/"))
    assert page.title() == "Notes"
    check_page(unlocked, "settings")


def test_core_forms_work_without_javascript(browser: Any, web_app: WebApp) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(web_app.entry_url)
        page.goto(web_app.url("/unlock"))
        page.get_by_label("Passphrase").fill(PASSPHRASE)
        page.get_by_role("button", name="Unlock").click()
        page.wait_for_url(web_app.url("/"))
        assert web_app.running.session.unlocked
        page.get_by_role("link", name="Leave this site quickly").click()
        assert not web_app.running.session.unlocked
    finally:
        context.close()


def test_a_used_link_opens_nothing(watched: Watched, browser: Any) -> None:
    secret_link = watched.app.entry_url
    enter(watched)
    context = browser.new_context()
    try:
        page = context.new_page()
        response = page.goto(secret_link)
        assert response is not None and response.status == 403
        assert "already been used" in page.content()
    finally:
        context.close()
