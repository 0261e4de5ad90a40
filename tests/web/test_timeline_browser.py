"""The timeline and charts in Chromium: filters (with and without JavaScript), paging, the charts' text
versions, keyboard use, and axe-core on every state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stalkproof.web.routes import timeline as timeline_route
from web.conftest import (
    Watched,
    WebApp,
    check_page,
    page_without_javascript,
    start_app,
    stop_app,
    unlock,
    watched_page,
)
from web.test_timeline import MESSAGES, THREAT, fill_case


@pytest.fixture
def case_app(new_vault_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebApp]:
    fill_case(new_vault_path)
    monkeypatch.setattr(timeline_route, "PER_PAGE", 10)  # a few dozen events make several pages
    app = start_app(new_vault_path)
    yield app
    stop_app(app)


@pytest.fixture
def seen(browser: Any, case_app: WebApp) -> Iterator[Watched]:
    for watched in watched_page(browser, case_app):
        unlock(watched)
        yield watched


def rows(seen: Watched) -> list[str]:
    return [text.strip() for text in seen.page.locator("#timeline-results .verbatim").all_inner_texts()]


def test_filter_page_and_charts(seen: Watched) -> None:
    page = seen.page
    page.get_by_role("link", name="Timeline").click()
    page.get_by_role("heading", name="Timeline").wait_for()
    assert page.get_by_role("status").first.inner_text().startswith(f"Showing 1 to 10 of {MESSAGES + 2}")
    check_page(seen, "timeline")
    page.get_by_role("link", name="Next page").click()
    page.get_by_text("Page 2 of 4", exact=True).wait_for()
    assert rows(seen)[0] == "Message 9 about the car"

    page.get_by_label("From").fill("2026-03-11")
    page.get_by_label("To").fill("2026-03-13")  # day 11 is Sam's own reply
    page.get_by_label("Person").select_option(label="Alex (suspect)")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("of 2 events that match").wait_for()
    assert rows(seen) == [THREAT, "Message 12 about the car"]
    assert "since=2026-03-11" in page.url  # the filter is in the address, so back and reload keep it
    assert page.locator("#timeline-results .tag--flag").first.inner_text() == "threat"
    check_page(seen, "timeline-filtered")

    page.get_by_label("Words in the text").fill("nothing says this")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("Nothing matches these filters").wait_for()
    check_page(seen, "timeline-empty")

    page.goto(seen.app.url("/timeline/charts"))
    images = page.locator("img.chart")
    assert images.count() == 4
    for index in range(4):
        assert len(images.nth(index).get_attribute("alt") or "") > 20
        assert images.nth(index).evaluate("image => image.naturalWidth") > 0  # the SVG really drew
    page.get_by_text("The numbers behind this chart").first.click()
    page.get_by_role("table", name="Contacts each week (weeks start on Monday)").wait_for()
    check_page(seen, "timeline-charts")


def test_the_filter_by_keyboard(seen: Watched) -> None:
    page = seen.page
    page.goto(seen.app.url("/timeline"))
    page.get_by_label("Way of contact").focus()
    page.keyboard.press("ArrowDown")  # native select: the arrow chooses the next option
    page.get_by_label("Way of contact").select_option("sms")
    page.get_by_label("Flagged only").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_text("Nothing matches these filters").wait_for()
    assert "flagged=1" in page.url and "channel=sms" in page.url


def test_the_filter_without_javascript(browser: Any, case_app: WebApp) -> None:
    with page_without_javascript(browser, case_app) as page:
        page.goto(case_app.url("/timeline"))
        page.get_by_label("Flagged only").check()
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**/timeline?*flagged=1*")
        texts = page.locator(".verbatim").all_inner_texts()
        assert THREAT in texts and "Message 1 about the car" not in texts
