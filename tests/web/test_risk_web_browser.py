"""Risk screening in a real browser: answered, saved, and listed with its level."""

from __future__ import annotations

from web.conftest import Watched, check_page


def test_screening_filled_saved_and_listed(unlocked: Watched) -> None:
    page = unlocked.page
    page.get_by_role("link", name="Risk screening").click()
    check_page(unlocked, "risk-empty")
    page.get_by_role("link", name="Start a new screening").click()
    page.get_by_label("Where are you?").select_option("gb-eng-wls")
    page.get_by_role("group", name="threatened to kill").get_by_label("Yes", exact=True).check()
    check_page(unlocked, "risk-questions")
    page.get_by_role("button", name="Save and see the result").click()
    page.get_by_role("heading", name="Screening result").wait_for()
    assert "High" in page.locator(".level-line").inner_text()
    assert "Threats to kill" in page.locator("main").inner_text()
    check_page(unlocked, "risk-result")
    page.get_by_role("link", name="All saved screenings").click()
    rows = page.get_by_role("table").locator("tbody tr")
    assert rows.count() == 1
    assert "High" in rows.first.inner_text()
    check_page(unlocked, "risk")
