"""How the guide is offered: pages grouped by their main topic, in the order someone new needs them, and
what each page says about alerting the person stalking you."""

from __future__ import annotations

from collections.abc import Iterable

from stalkproof.guide.pages import Page

ALERTS = {
    "yes": "Some steps on this page could alert the person stalking you: read that section first.",
    "some": "A few steps on this page could alert the person stalking you: see that section.",
    "no": "Reading this page does not alert anyone.",
}
GROUP_ORDER = ("basics", "risk", "help", "safety", "evidence", "police", "law", "digital", "advisers")


def group_rank(topic: str) -> int:
    # The order someone new to this usually needs things in; other topics follow.
    return GROUP_ORDER.index(topic) if topic in GROUP_ORDER else len(GROUP_ORDER)


def grouped(pages: Iterable[Page]) -> dict[str, list[Page]]:
    """Pages by main topic, groups in reading order, pages in their given order within a group."""
    groups: dict[str, list[Page]] = {}
    for page in sorted(pages, key=lambda page: group_rank(page.topic)):
        groups.setdefault(page.topic, []).append(page)
    return groups


def alert_note(page: Page) -> str:
    return ALERTS[page.alerts_stalker]
