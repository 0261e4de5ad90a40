"""Websites opened in Safari, from the History.db an iPhone backup holds, grouped by site.

Only the site names are used, to compare with indicator lists; full addresses stay in the backup.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from stalkproof.digital.phone.ios.backup import IosBackup, iso

DOMAIN = "HomeDomain"
HISTORY_DB = "Library/Safari/History.db"
# Safari counts time in seconds from the start of 2001 (UTC).
_SAFARI_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SiteVisits:
    host: str
    visits: int
    first: str | None
    last: str | None


@dataclass(frozen=True)
class SafariHistory:
    """`readable` is False when the backup holds no history, or holds it in a form that cannot be read."""

    readable: bool
    sites: list[SiteVisits]


def safari_history(backup: IosBackup) -> SafariHistory:
    entry = backup.find(DOMAIN, HISTORY_DB)
    if entry is None:
        return SafariHistory(False, [])
    with backup.sqlite(entry) as connection:
        if connection is None:
            return SafariHistory(False, [])
        try:
            rows = connection.execute(
                "SELECT items.url, COUNT(visits.id), MIN(visits.visit_time), MAX(visits.visit_time) "
                "FROM history_items AS items JOIN history_visits AS visits ON visits.history_item = items.id "
                "GROUP BY items.id"
            ).fetchall()
        except sqlite3.DatabaseError:
            backup.unreadable.append(entry.describe())
            return SafariHistory(False, [])
    return SafariHistory(True, _by_host(rows))


def _by_host(rows: list[tuple[Any, ...]]) -> list[SiteVisits]:
    counts: dict[str, int] = {}
    firsts: dict[str, float] = {}
    lasts: dict[str, float] = {}
    for url, count, first, last in rows:
        host = urlsplit(str(url or "")).hostname
        if not host:
            continue
        counts[host] = counts.get(host, 0) + int(count or 0)
        if isinstance(first, int | float):
            firsts[host] = min(firsts.get(host, first), first)
        if isinstance(last, int | float):
            lasts[host] = max(lasts.get(host, last), last)
    return [
        SiteVisits(host, counts[host], _moment(firsts.get(host)), _moment(lasts.get(host)))
        for host in sorted(counts)
    ]


def _moment(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    try:
        return iso(_SAFARI_EPOCH + timedelta(seconds=seconds))
    except OverflowError:
        return None
