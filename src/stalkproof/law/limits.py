"""Warnings about dates: a time limit that may be close or past, and events from before an offence existed.

These only ever say "may": limits have exceptions, and how they apply to a course of conduct is for the
police, a prosecutor or a lawyer to decide.
"""

from __future__ import annotations

import calendar
from datetime import date

from stalkproof.law.model import Offence, TimeLimit

MARGIN_MONTHS = 1  # warn this long before the limit, so there is still time to act


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def period(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return f"{years} year{'s' if years > 1 else ''}"
    return f"{months} month{'s' if months > 1 else ''}"


def warnings(offence: Offence, oldest: date | None, newest: date | None, today: date) -> list[str]:
    """Warnings for an offence whose supporting events run from `oldest` to `newest` (None: no support)."""
    if oldest is None or newest is None:
        return []
    return _time_limit(offence.time_limit, newest, today) + _before_in_force(offence, oldest)


def _time_limit(limit: TimeLimit | None, newest: date, today: date) -> list[str]:
    if limit is None:
        return []
    if limit.counted_from == "offence":
        return _limit_warning(newest, today, limit.months, f"within {period(limit.months)} of the offence")
    if limit.long_stop_years:
        months = limit.long_stop_years * 12
        return _limit_warning(newest, today, months, f"no later than {period(months)} after the offence")
    return []


def _limit_warning(newest: date, today: date, months: int, rule: str) -> list[str]:
    if newest >= months_before(today, months - MARGIN_MONTHS):
        return []
    return [
        f"The newest event supporting this offence is from {newest.isoformat()}. Proceedings must normally "
        f"start {rule}, so the time limit may be close or may have passed. "
        "Ask the police or a lawyer about this soon; older events can still matter."
    ]


def in_force_from(offence: Offence) -> date | None:
    """The earliest date the file gives a penalty for, when every penalty band has a start date."""
    starts = [penalty.starts for penalty in offence.max_penalty]
    return min(day for day in starts if day) if all(starts) else None


def _before_in_force(offence: Offence, oldest: date) -> list[str]:
    start = in_force_from(offence)
    if start is None or oldest >= start:
        return []
    return [
        f"Some supporting events are from before {start.isoformat()}, the earliest date this file gives a "
        "penalty for this offence. An earlier law may apply to those events: ask the police or a lawyer."
    ]
