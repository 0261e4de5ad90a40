"""Bursts: many contacts in quick succession, a barrage rather than a conversation.

A burst is a maximal run of at least `min_events` contacts, each within `max_gap_minutes` of the one before
(both from settings.yaml). Runs are found with array operations, so a million contacts take milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stalkproof.analysis.rates import iso_day, iso_utc, local_days, plain_day
from stalkproof.analysis.series import Series
from stalkproof.analysis.settings import BurstRule, PatternSettings, default_settings

Indexes = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Burst:
    start: float  # UTC seconds of the first contact
    end: float  # and of the last
    count: int
    first_index: int  # position of the first contact in the series
    local_day: int  # local date of the first contact, as days since 1970-01-01
    event_ids: tuple[str, ...] = ()

    @property
    def minutes(self) -> float:
        return (self.end - self.start) / 60

    def to_json(self) -> dict[str, Any]:
        return {
            "start": iso_utc(self.start),
            "end": iso_utc(self.end),
            "local_date": iso_day(self.local_day),
            "count": self.count,
            "minutes": round(self.minutes, 2),
            "first_index": self.first_index,
            "event_ids": list(self.event_ids),
        }


@dataclass(frozen=True)
class BurstSummary:
    bursts: int
    events_in_bursts: int
    total_events: int
    largest: Burst | None  # most contacts; the earliest of equals
    rule: BurstRule

    def describe(self) -> str:
        definition = (
            f"{self.rule.min_events} or more contacts, each within {self.rule.max_gap_minutes:g} minutes "
            "of the one before"
        )
        if self.largest is None:
            return f"There were no bursts of rapid contact ({definition})."
        plural = "burst" if self.bursts == 1 else "bursts"
        return (
            f"There {'was' if self.bursts == 1 else 'were'} {self.bursts:,} {plural} of rapid contact "
            f"({definition}), {self.events_in_bursts:,} contacts in all. The largest was "
            f"{self.largest.count:,} contacts in {_duration(self.largest.minutes)}, on "
            f"{plain_day(self.largest.local_day)}."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "definition": {"min_events": self.rule.min_events, "max_gap_minutes": self.rule.max_gap_minutes},
            "bursts": self.bursts,
            "events_in_bursts": self.events_in_bursts,
            "share_of_events": round(self.events_in_bursts / self.total_events, 4)
            if self.total_events
            else 0.0,
            "largest": self.largest.to_json() if self.largest else None,
            "summary": self.describe(),
        }


def bursts(series: Series, settings: PatternSettings | None = None) -> list[Burst]:
    rule = (settings or default_settings()).bursts
    firsts, lasts = burst_bounds(series.at, rule)
    days = local_days(Series(series.at[firsts], series.local_weekday[firsts], series.local_minute[firsts]))
    ids = series.ids
    return [
        Burst(
            start=float(series.at[first]),
            end=float(series.at[last]),
            count=int(last - first + 1),
            first_index=int(first),
            local_day=int(day),
            event_ids=tuple(ids[first : last + 1]) if ids else (),
        )
        for first, last, day in zip(firsts.tolist(), lasts.tolist(), days.tolist(), strict=True)
    ]


def burst_bounds(at: npt.NDArray[np.float64], rule: BurstRule) -> tuple[Indexes, Indexes]:
    """Index of the first and last contact of each burst, in time order."""
    close = np.diff(at) <= rule.max_gap_minutes * 60
    # Edges of each run of close gaps: a run from gap i to gap j-1 joins contacts i to j.
    edges = np.diff(np.concatenate([[0], close.astype(np.int8), [0]]))
    firsts, lasts = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    long_enough = lasts - firsts + 1 >= rule.min_events
    return firsts[long_enough].astype(np.int64), lasts[long_enough].astype(np.int64)


def summarise(found: list[Burst], total_events: int, settings: PatternSettings | None = None) -> BurstSummary:
    rule = (settings or default_settings()).bursts
    largest = max(found, key=lambda burst: burst.count, default=None)
    return BurstSummary(len(found), sum(burst.count for burst in found), total_events, largest, rule)


def _duration(minutes: float) -> str:
    if minutes < 1:
        return "under a minute"
    if minutes < 120:
        whole = round(minutes)
        return "1 minute" if whole == 1 else f"{whole} minutes"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes / 1440:.1f} days"
