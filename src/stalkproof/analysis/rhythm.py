"""When in the day and week contact comes, on the local clock the person lived it by.

Night contact matters on its own: it reaches people at home, in bed, when they are least able to get help.
The night window is reviewed data (settings.yaml).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stalkproof.analysis.series import Series
from stalkproof.analysis.settings import NightWindow, PatternSettings, default_settings

Counts = npt.NDArray[np.int64]
WEEKDAYS = tuple(calendar.day_name)  # Monday first, as in `Series.local_weekday`
BUSIEST_SHOWN = 3


@dataclass(frozen=True, eq=False)
class Rhythm:
    grid: Counts  # 7 x 24: weekday (Monday first) by local hour
    night_count: int
    night: NightWindow

    @property
    def total(self) -> int:
        return int(self.grid.sum())

    @property
    def by_hour(self) -> Counts:
        totals: Counts = self.grid.sum(axis=0)
        return totals

    @property
    def by_weekday(self) -> Counts:
        totals: Counts = self.grid.sum(axis=1)
        return totals

    @property
    def night_share(self) -> float:
        return self.night_count / self.total if self.total else 0.0

    @property
    def busiest_hours(self) -> list[int]:
        """Up to three hours with the most contact, busiest first (earlier hour first on a tie)."""
        order = np.argsort(-self.by_hour, kind="stable")[:BUSIEST_SHOWN]
        return [int(hour) for hour in order if self.by_hour[hour] > 0]

    @property
    def busiest_weekday(self) -> str | None:
        return WEEKDAYS[int(np.argmax(self.by_weekday))] if self.total else None

    def describe(self) -> str:
        if self.total == 0:
            return "No contact is recorded yet."
        window = f"{clock(self.night.start_minute)} to {clock(self.night.end_minute)}"
        busiest = self.busiest_hours[0]
        return (
            f"{100 * self.night_share:.0f}% of contact ({self.night_count:,} of {self.total:,} times) came "
            f"at night ({window}). The busiest hour was {clock(busiest * 60)} to "
            f"{clock((busiest + 1) * 60)}, and the busiest day {self.busiest_weekday}."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "times": "local clock time, as found in each source",
            "weekdays": list(WEEKDAYS),
            "grid": [[int(count) for count in row] for row in self.grid],
            "by_hour": [int(count) for count in self.by_hour],
            "by_weekday": [int(count) for count in self.by_weekday],
            "total": self.total,
            "night": {
                "from": self.night.start,
                "to": self.night.end,
                "count": self.night_count,
                "share": round(self.night_share, 4),
            },
            "busiest_hours": [
                {"hour": hour, "count": int(self.by_hour[hour])} for hour in self.busiest_hours
            ],
            "busiest_weekday": self.busiest_weekday,
            "summary": self.describe(),
        }


def profile(series: Series, settings: PatternSettings | None = None) -> Rhythm:
    night = (settings or default_settings()).night
    hours = series.local_minute.astype(np.int64) // 60
    cells = series.local_weekday.astype(np.int64) * 24 + hours
    grid = np.bincount(cells, minlength=7 * 24).reshape(7, 24).astype(np.int64)
    return Rhythm(grid, int(np.count_nonzero(at_night(series.local_minute, night))), night)


def at_night(minutes: npt.NDArray[np.int16], night: NightWindow) -> npt.NDArray[np.bool_]:
    start, end = night.start_minute, night.end_minute
    if start < end:
        return (minutes >= start) & (minutes < end)
    return (minutes >= start) | (minutes < end)


def clock(minute_of_day: int) -> str:
    """'10pm', '6:30am', 'midnight', 'noon'."""
    hour, minute = divmod(minute_of_day % 1440, 60)
    if minute == 0 and hour in (0, 12):
        return "midnight" if hour == 0 else "noon"
    suffix = "am" if hour < 12 else "pm"
    shown = hour % 12 or 12
    return f"{shown}{suffix}" if minute == 0 else f"{shown}:{minute:02d}{suffix}"
