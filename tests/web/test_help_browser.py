"""Getting help in a real browser: triage by keyboard alone, triage without JavaScript, the safety plan and
the directory of services."""

from __future__ import annotations

from typing import Any

from stalkproof.risk import store
from web.conftest import Watched, WebApp, check_page, enter, watched_page


def tab_to(page: Any, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_triage_by_keyboard_names_the_helpline(watched: Watched) -> None:
    page = watched.page
    enter(watched)
    page.goto(watched.app.url("/triage"))
    check_page(watched, "triage")
    tab_to(page, "#jurisdiction")
    page.keyboard.type("Scot")  # a closed select picks the matching place as you type
    tab_to(page, "input[name=danger_now]")
    page.keyboard.press("ArrowDown")  # Yes -> No
    tab_to(page, "input[name=harassed]")
    page.keyboard.press("Space")  # Yes
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="What could help", level=1).wait_for()
    services = page.locator(".services").inner_text()
    assert "Action Against Stalking" in services  # the Scottish stalking service
    assert "It is worth contacting a specialist service" in page.locator("main").inner_text()
    assert page.locator("#danger-heading").count() == 0
    check_page(watched, "triage-result")


def test_triage_without_javascript(browser: Any, web_app: WebApp) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(web_app.entry_url)
        page.goto(web_app.url("/triage"))
        page.get_by_role("group", name="Are you in danger right now").get_by_label("Not sure").check()
        page.get_by_role("button", name="See what could help").click()
        assert "If you might be in danger now, call 999" in page.locator("main").inner_text()
        assert "National Stalking Helpline" in page.locator(".services").inner_text()
    finally:
        context.close()


def test_triage_kept_when_unlocked_and_ticked(unlocked: Watched) -> None:
    page = unlocked.page
    page.goto(unlocked.app.url("/triage"))
    page.get_by_role("group", name="Are you in danger right now").get_by_label("No", exact=True).check()
    page.get_by_label("Keep these answers in my case").check()
    page.get_by_role("button", name="See what could help").click()
    assert "kept in your case" in page.get_by_role("status").inner_text()
    vault = unlocked.app.vault()
    case_id = unlocked.app.running.session.case().id
    assert len(store.history(vault, case_id, store.TRIAGE)) == 1


def test_safety_plan_written_and_saved(unlocked: Watched) -> None:
    page = unlocked.page
    page.goto(unlocked.app.url("/"))
    page.get_by_role("link", name="Safety plan").click()
    check_page(unlocked, "safety-plan-empty")
    page.get_by_role("button", name="Save my plan").click()
    assert "nothing was saved" in page.get_by_role("alert").inner_text()
    check_page(unlocked, "safety-plan-error")
    page.get_by_label("People I can tell").fill("My sister Jo\nMy manager at work")
    page.get_by_label("Code word").fill("blue kettle")
    page.get_by_role("button", name="Save my plan").click()
    assert "Your plan is saved" in page.get_by_role("status").inner_text()
    assert "blue kettle" in page.locator(".plan").inner_text()
    check_page(unlocked, "safety-plan")


def test_referrals_and_the_locked_safety_plan(browser: Any, web_app: WebApp) -> None:
    for seen in watched_page(browser, web_app):
        page = seen.page
        enter(seen)
        page.goto(web_app.url("/safety-plan"))
        assert page.get_by_role("link", name="Unlock your vault").is_visible()
        check_page(seen, "safety-plan-locked")
        page.goto(web_app.url("/referrals"))
        page.get_by_label("Where are you?").select_option("gb-nir")
        page.get_by_role("button", name="Show these services").click()
        table = page.get_by_role("table").inner_text()
        assert "Northern Ireland" in table
        check_page(seen, "referrals")
