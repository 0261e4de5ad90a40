"""Instants from a count since 1970-01-01 UTC, as Telegram (seconds) and Meta (milliseconds) give them.

`_EPOCH + timedelta(seconds=...)` costs more than the rest of such a message's time handling together: a
timedelta from a large number must be normalised. Messages come in time order, so the start of each hour
is cached and the rest added from ready-made timedeltas. The result is exactly the plain sum, and an
out-of-range count raises the same OverflowError.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from stalkproof.ingest.base import When

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECONDS = tuple(timedelta(0, second) for second in range(3600))
_MILLISECONDS = tuple(timedelta(0, 0, milliseconds * 1000) for milliseconds in range(1000))
_CACHED_HOURS = 4096  # a few suffice for messages in time order, and memory stays small
_new = object.__new__


class EpochClock:
    """One per reader: the hours it has seen, then forgotten all at once when there are many."""

    def __init__(self) -> None:
        self._hours: dict[int, datetime] = {}

    def seconds(self, seconds: int) -> datetime:
        """EPOCH + timedelta(seconds=seconds)."""
        hour, into = divmod(seconds, 3600)
        return self._hour(hour) + _SECONDS[into]

    def milliseconds(self, milliseconds: int) -> datetime:
        """EPOCH + timedelta(milliseconds=milliseconds)."""
        hour, into = divmod(milliseconds, 3_600_000)
        seconds, rest = divmod(into, 1000)
        return self._hour(hour) + _SECONDS[seconds] + _MILLISECONDS[rest]

    def _hour(self, hour: int) -> datetime:
        start = self._hours.get(hour)
        if start is None:
            if len(self._hours) > _CACHED_HOURS:
                self._hours.clear()
            start = self._hours[hour] = EPOCH + timedelta(0, hour * 3600)
        return start


def utc_when(at: datetime, found: str) -> When:
    """A UTC instant known to the second, as the source wrote it (`found`). Built by slot assignment, as
    whatsapp_parse.py does: the dataclass __init__ costs more, and there is one of these per message."""
    when = _new(When)
    when.at = at
    when.precision = "second"
    when.found = found
    when.zone = "UTC"
    return when
