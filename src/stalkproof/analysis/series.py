"""The times of a set of events, as arrays the pattern measures work on.

Analysis runs over up to millions of events, so it works on columns (numpy arrays), not on rows. A
`Series` holds one entry per event, in time order: the instant (UTC seconds since 1970) for rates,
gaps and escalation, and the local wall-clock time as the person lived it (weekday and minute of the
day) for the time-of-day profile. Local time comes from the event as found in its source; where a
source gave no zone, it is the zone the import assumed, and the time is still the one the person saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Seconds = npt.NDArray[np.float64]
Small = npt.NDArray[np.int16]

DAY = 86_400.0
WEEK = 7 * DAY


@dataclass(frozen=True)
class Series:
    """Events in time order. All arrays have the same length; `ids` may be empty when not needed."""

    at: Seconds  # UTC instant, seconds since 1970-01-01
    local_weekday: Small  # 0 = Monday … 6 = Sunday, in local time as found
    local_minute: Small  # minutes since local midnight, 0 … 1439
    ids: Sequence[str] = field(default=())

    def __post_init__(self) -> None:
        if not (len(self.at) == len(self.local_weekday) == len(self.local_minute)):
            raise ValueError("a Series needs arrays of one length")
        if self.ids and len(self.ids) != len(self.at):
            raise ValueError("a Series needs one id per event, or none")

    def __len__(self) -> int:
        return len(self.at)

    @classmethod
    def empty(cls) -> Series:
        return cls(np.empty(0, np.float64), np.empty(0, np.int16), np.empty(0, np.int16))

    @classmethod
    def from_utc(cls, at: Sequence[float] | Seconds, offset_minutes: int = 0) -> Series:
        """A series whose local time is UTC plus one fixed offset: for tests and simulations."""
        instants = np.sort(np.asarray(at, dtype=np.float64))
        weekday, minute = local_calendar(instants + offset_minutes * 60.0)
        return cls(instants, weekday, minute)

    def select(self, mask: npt.NDArray[np.bool_]) -> Series:
        ids = [event_id for event_id, keep in zip(self.ids, mask, strict=True) if keep] if self.ids else ()
        return Series(self.at[mask], self.local_weekday[mask], self.local_minute[mask], ids)


def local_calendar(local_seconds: Seconds) -> tuple[Small, Small]:
    """Weekday (0 = Monday) and minute of the day of local clock times given as seconds since
    1970-01-01 00:00 local. Whole minutes first, so rounding can never give minute 1440."""
    minutes = np.floor(local_seconds / 60.0).astype(np.int64)
    days = minutes // 1440
    # 1970-01-01 was a Thursday (weekday 3).
    return ((days + 3) % 7).astype(np.int16), (minutes % 1440).astype(np.int16)
