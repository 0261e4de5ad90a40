"""How long contact has gone on: first and last contact, on how many days and weeks, and the longest pause.

Persistence is part of what makes conduct a course of conduct; a long pause followed by more contact
shows it did not simply stop. Days and weeks are local calendar ones (see `rates.local_days`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from stalkproof.analysis.rates import iso_day, iso_utc, local_days, plain_day, week_start
from stalkproof.analysis.series import DAY, Series

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Gap:
    """The quiet time between two consecutive contacts."""

    start: float  # UTC seconds of the contact before
    end: float  # and of the one after
    start_day: int  # their local dates, as days since 1970-01-01
    end_day: int

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY

    def to_json(self) -> dict[str, Any]:
        return {
            "from": iso_utc(self.start),
            "to": iso_utc(self.end),
            "from_local_date": iso_day(self.start_day),
            "to_local_date": iso_day(self.end_day),
            "days": round(self.days, 3),
        }


@dataclass(frozen=True)
class Persistence:
    total: int
    first: float | None  # UTC seconds
    last: float | None
    first_day: int | None  # local dates
    last_day: int | None
    active_days: int  # distinct local dates with contact
    weeks_with_contact: int  # distinct Monday-to-Sunday local weeks with contact
    weeks_spanned: int  # weeks from the first contact's to the last's, both included
    longest_gap: Gap | None

    @property
    def duration_days(self) -> float:
        return (self.last - self.first) / DAY if self.first is not None and self.last is not None else 0.0

    def describe(self) -> str:
        if self.first_day is None or self.last_day is None:
            return "No contact is recorded yet."
        if self.total == 1:
            return f"There is one recorded contact, on {plain_day(self.first_day)}."
        if self.first_day == self.last_day:
            return f"All {self.total:,} contacts came on one day, {plain_day(self.first_day)}."
        text = (
            f"Contact has gone on for {_span(self.duration_days)}, from {plain_day(self.first_day)} to "
            f"{plain_day(self.last_day)}, on {self.active_days:,} different days "
            f"(in {self.weeks_with_contact:,} of {self.weeks_spanned:,} weeks)."
        )
        gap = self.longest_gap
        if gap is not None and gap.days >= 1:
            text += (
                f" The longest quiet spell was {_span(gap.days)}, from {plain_day(gap.start_day)} to "
                f"{plain_day(gap.end_day)}."
            )
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "dates": "local calendar dates; weeks start on Monday",
            "total": self.total,
            "first": iso_utc(self.first) if self.first is not None else None,
            "last": iso_utc(self.last) if self.last is not None else None,
            "first_local_date": iso_day(self.first_day) if self.first_day is not None else None,
            "last_local_date": iso_day(self.last_day) if self.last_day is not None else None,
            "duration_days": round(self.duration_days, 3),
            "active_days": self.active_days,
            "weeks_with_contact": self.weeks_with_contact,
            "weeks_spanned": self.weeks_spanned,
            "longest_gap": self.longest_gap.to_json() if self.longest_gap else None,
            "summary": self.describe(),
        }


def persistence(series: Series) -> Persistence:
    if len(series) == 0:
        return Persistence(0, None, None, None, None, 0, 0, 0, None)
    at = series.at
    days = local_days(series)
    weeks = week_start(days)
    return Persistence(
        total=len(series),
        first=float(at[0]),
        last=float(at[-1]),
        first_day=int(days[0]),
        last_day=int(days[-1]),
        active_days=_distinct(days),
        weeks_with_contact=_distinct(weeks),
        weeks_spanned=int((weeks.max() - weeks.min()) // 7 + 1),
        longest_gap=_longest_gap(at, days),
    )


def _distinct(values: np.ndarray[Any, np.dtype[np.int64]]) -> int:
    """Distinct values of a narrow integer range; counting beats sorting at a million values."""
    return int(np.count_nonzero(np.bincount(values - values.min())))


def _longest_gap(
    at: np.ndarray[Any, np.dtype[np.float64]], days: np.ndarray[Any, np.dtype[np.int64]]
) -> Gap | None:
    if len(at) < 2:
        return None
    after = int(np.argmax(np.diff(at))) + 1
    return Gap(float(at[after - 1]), float(at[after]), int(days[after - 1]), int(days[after]))


def _span(days: float) -> str:
    """'5 days', '3 weeks', '14 months': rounded, as a person would say it."""
    if days < 1:
        return "less than a day"
    if days < 14:
        whole = round(days)
        return "1 day" if whole == 1 else f"{whole} days"
    if days < 9 * 7:
        return f"{round(days / 7)} weeks"
    return f"{round(days / DAYS_PER_MONTH)} months"
