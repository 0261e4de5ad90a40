"""The law view in a real browser, on a case with a few threatening events."""

from __future__ import annotations

from web.conftest import Watched, check_page
from web.test_law_web import add_threatening_events


def test_law_view_for_england_and_wales(unlocked: Watched) -> None:
    session = unlocked.app.running.session
    add_threatening_events(unlocked.app.vault(), session.case().id)
    page = unlocked.page
    page.get_by_role("link", name="What the law says").click()
    page.get_by_label("Whose law").select_option("gb-eng-wls")
    page.get_by_role("button", name="Show this law").click()
    assert "Information, not legal advice." in page.locator(".disclaimer").inner_text()
    assert page.get_by_role("heading", name="Stalking", exact=True).is_visible()
    assert page.get_by_role("cell", name="Your records may show this").first.is_visible()
    check_page(unlocked, "law")
