"""When something happened, stated honestly: the UTC instant, the local time and zone as given, and
how precise it is. Nothing is invented: a time given without a zone is read in the zone named, or this
computer's, and the record says which."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stalkproof.clock import utc_iso
from stalkproof.errors import InputError

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HAS_SECONDS = re.compile(r"T?\d{2}:\d{2}:\d{2}")
LOCAL_ZONE = "local"


@dataclass(frozen=True)
class Moment:
    utc: str
    local: str
    zone: str
    precision: str


def parse_when(text: str, *, zone: str | None = None, approximate: bool = False) -> Moment:
    """Read an ISO 8601 date or date-time typed by a person (a space may stand for the 'T')."""
    cleaned = text.strip().replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InputError(
            f"'{text}' is not a date and time stalkproof can read. Write it like 2026-03-01T15:20 "
            "(add +00:00 or use --zone for the time zone)."
        ) from None
    if _DATE_ONLY.match(cleaned):
        precision = "day"
        moment = datetime.combine(moment.date(), time(12, 0))  # midday keeps the date in nearby zones
    elif _HAS_SECONDS.search(cleaned):
        precision = "second"
    else:
        precision = "minute"
    if approximate:
        precision = "approximate"
    local_text = moment.replace(tzinfo=None).isoformat() if precision != "day" else moment.date().isoformat()
    aware, zone_name = _localise(moment, zone)
    return Moment(utc=utc_iso(aware), local=local_text, zone=zone_name, precision=precision)


def _localise(moment: datetime, zone: str | None) -> tuple[datetime, str]:
    if moment.tzinfo is not None:
        offset = moment.strftime("%z")
        return moment, zone or f"{offset[:3]}:{offset[3:]}"
    if zone:
        return moment.replace(tzinfo=_zone(zone)), zone
    # No zone given: read it as this computer's local time, and say so rather than pretend to know.
    return moment.astimezone(), LOCAL_ZONE + moment.astimezone().strftime(" (%z)")


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"'{name}' is not a time zone name. Use one like Europe/London or America/New_York."
        ) from None


def range_start(text: str) -> str:
    """The UTC instant a 'from' filter starts at: a date alone means from the first moment of that day."""
    return _range_edge(text, "T00:00:00")


def range_end(text: str) -> str:
    """The UTC instant a 'to' filter ends at: a date alone means up to the last moment of that day."""
    return _range_edge(text, "T23:59:59.999999")


def _range_edge(text: str, time_of_day: str) -> str:
    moment = parse_when(text)
    return parse_when(moment.local + time_of_day).utc if moment.precision == "day" else moment.utc
