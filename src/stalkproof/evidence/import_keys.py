"""How an imported record is dated and recognised again.

A record's time becomes a `Moment` (UTC instant, local time and zone as given, precision). Its dedup key
says "this is the same message" across re-imports and overlapping exports of the same chat, and sorts by
chat and time so the unique index grows at its end.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, tzinfo
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
            zone_text = self.stated_zone
            instant = at.replace(tzinfo=self.zone, fold=0)
        else:
            zone_text = when.zone or _offset(at)
            instant = at
        local = at.date().isoformat() if when.precision == "day" else at.replace(tzinfo=None).isoformat()
        return Moment(utc=utc_iso(instant), local=local, zone=zone_text, precision=when.precision)


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
    thread = hashlib.sha256(f"stalkproof/thread/1\0{source_name}\0{record.thread}".encode()).hexdigest()
    identity = orjson.dumps([source_name, record.thread, list(record.identity)], default=str)
    digest = hashlib.sha256(b"stalkproof/record/1\0" + identity).hexdigest()
    return thread[:16] + f"{_time_ms(record.when):012x}" + digest[:32]


def _time_ms(when: When) -> int:
    at = when.at
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    if when.precision == "day":
        at = at.replace(hour=0, minute=0, second=0, microsecond=0)
    elif when.precision in ("minute", "approximate"):
        at = at.replace(second=0, microsecond=0)
    else:
        at = at.replace(microsecond=0)
    ms = (at - _EPOCH) // _MS
    return min(max(ms, 0), _MAX_MS)


_MS = datetime(1970, 1, 1, 0, 0, 0, 1000) - _EPOCH
