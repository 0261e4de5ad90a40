"""How an imported record is dated and recognised again.

A record's time becomes a `Moment` (UTC instant, local time and zone as given, precision). Its dedup key
says "this is the same message" across re-imports and overlapping exports of the same chat, and sorts by
chat and time so the unique index grows at its end.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from stalkproof.clock import utc_iso
from stalkproof.errors import InputError
from stalkproof.evidence.time import Moment
from stalkproof.ingest.base import Record, When

ASSUMED = " (assumed)"
_CACHE_LIMIT = 4_096  # times repeat close together (a chat repeats each minute), so a small cache is enough
_EPOCH = datetime(1970, 1, 1)
_MAX_MS = 2**48 - 1


class Dater:
    """Turns source times into Moments. A time without a zone is read in the zone the user gave, or in
    this computer's zone, and the stored zone then says "(assumed)"."""

    def __init__(self, zone: str | None) -> None:
        self.zone_name, self.zone = _chosen_zone(zone)
        self.assumed = zone is None
        self.naive_seen = False
        self._cache: dict[tuple[datetime, str, str | None], Moment] = {}

    @property
    def stated_zone(self) -> str:
        return self.zone_name + (ASSUMED if self.assumed else "")

    def moment(self, when: When) -> Moment:
        key = (when.at, when.precision, when.zone)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            found = self._cache[key] = self._convert(when)
        return found

    def _convert(self, when: When) -> Moment:
        at = when.at
        if at.tzinfo is None:
            self.naive_seen = True
            return self._naive(at, when.precision)
        zone_text = when.zone or _offset(at)
        local = at.date().isoformat() if when.precision == "day" else at.replace(tzinfo=None).isoformat()
        return Moment(utc=utc_iso(at), local=local, zone=zone_text, precision=when.precision)

    def _naive(self, at: datetime, precision: str) -> Moment:
        """A wall-clock time read in the chosen zone (the earlier of two readings in a repeated hour).
        The same text `utc_iso(at.replace(tzinfo=zone, fold=0))` gives, about three times faster: about
        half of an import's records need a conversion, as each minute of a chat is new."""
        if at.fold:
            at = at.replace(fold=0)
        offset = self.zone.utcoffset(at)
        assert offset is not None  # a zone (ZoneInfo or UTC) always has an offset
        utc = (at - offset).isoformat(timespec="microseconds") + "Z"
        local = at.date().isoformat() if precision == "day" else at.isoformat()
        return Moment(utc=utc, local=local, zone=self.stated_zone, precision=precision)


def _offset(at: datetime) -> str:
    text = at.strftime("%z")
    return f"{text[:3]}:{text[3:]}" if text else "UTC"


def _chosen_zone(name: str | None) -> tuple[str, tzinfo]:
    if name:
        try:
            return name, ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"'{name}' is not a time zone name. Use one like Europe/London.") from None
    return local_zone()


def local_zone() -> tuple[str, tzinfo]:
    """This computer's IANA zone (from /etc/localtime or TZ), else UTC."""
    import os

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = Path("/etc/localtime").resolve()
        candidates.append(target.as_posix().split("zoneinfo/", 1)[-1])
    except OSError:
        pass
    timezone = Path("/etc/timezone")
    if timezone.is_file():
        candidates.append(timezone.read_text(encoding="utf-8").strip())
    for name in candidates:
        if (name and "/" in name) or name == "UTC":
            try:
                return name, ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC", UTC


def dedup_key(source_name: str, record: Record) -> str:
    """thread (16 hex) | time (12 hex, ms) | digest of the record's identity (32 hex): 60 characters."""
    identity = orjson.dumps([source_name, record.thread, list(record.identity)], default=str)
    digest = hashlib.sha256(b"stalkproof/record/1\0" + identity).hexdigest()
    return _thread_prefix(source_name, record.thread) + f"{_time_ms(record.when):012x}" + digest[:32]


@lru_cache(maxsize=1_024)
def _thread_prefix(source_name: str, thread: str) -> str:
    """The key's first part: an import has a few threads and asks once a record, so it is remembered."""
    return hashlib.sha256(f"stalkproof/thread/1\0{source_name}\0{thread}".encode()).hexdigest()[:16]


def _time_ms(when: When) -> int:
    """Milliseconds since 1970 (UTC wall clock for an aware time), cut to the precision: whole days,
    minutes or seconds. Counted in whole numbers, as datetime.replace costs more than the arithmetic."""
    at = when.at
    if at.tzinfo is not None:
        at = at.astimezone(UTC)
    seconds = (at.toordinal() - _EPOCH_DAY) * 86_400
    if when.precision != "day":
        seconds += at.hour * 3_600 + at.minute * 60
        if when.precision not in ("minute", "approximate"):
            seconds += at.second
    return min(max(seconds * 1_000, 0), _MAX_MS)


_EPOCH_DAY = _EPOCH.toordinal()
