"""The guide in a real browser: the list, then a page about digital stalking."""

from __future__ import annotations

from web.conftest import Watched, check_page, enter


def test_guide_list_to_a_digital_page(watched: Watched) -> None:
    page = watched.page
    enter(watched)
    page.get_by_role("link", name="Guides").click()
    check_page(watched, "guide")
    digital = page.get_by_role("region", name="Digital")
    digital.get_by_role("link", name="Spyware on an Android phone").click()
    page.get_by_role("heading", name="Spyware on an Android phone", level=1).wait_for()
    assert page.get_by_role("heading", name="In short").is_visible()
    assert "could alert the person stalking you" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Coalition Against Stalkerware").is_visible()
    check_page(watched, "guide-page")
