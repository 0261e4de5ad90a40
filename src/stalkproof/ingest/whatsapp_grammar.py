"""The header grammar of WhatsApp's "Export chat" text: which variant a line is written in, and what time
it names once the day/month order is known.

Everything here works on raw bytes, so offsets stay exact and a line that is not a header costs one
failed match. A *fingerprint* is everything about how a header is written (variant, separators, year
digits, seconds, the AM/PM spelling and the space before it), but not the numbers: one export writes
every header the same way, so a header with another fingerprint is worth a second look.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

BOM = b"\xef\xbb\xbf"
LRM = b"\xe2\x80\x8e"
# A header can only start with these bytes: a digit, "[", or the first byte of U+200E or of the BOM.
STARTERS = frozenset(bytes([byte]) for byte in b"0123456789[\xe2\xef")
CACHE_LIMIT = 4096  # entries per cache: ample for the dates and times near each other in a chat
D = TypeVar("D")
T = TypeVar("T")
UNSEEN: Any = object()  # a cache miss, where None is a cached "not a header"

_SPACE = rb"(?: |\xe2\x80\xaf|\xc2\xa0)"  # space, U+202F or U+00A0
_PREFIX = rb"(?P<pre>(?:\xef\xbb\xbf)?(?:\xe2\x80\x8e)?)"
_DATE = (
    rb"(?:(?P<a>\d{1,2})(?P<ds>[/.\-])(?P<b>\d{1,2})(?P=ds)(?P<y>\d{4}|\d{2})"
    rb"|(?P<Y>\d{4})(?P<ys>[\-/])(?P<M>\d{2})(?P=ys)(?P<D>\d{2}))"
)
_TIME = (
    rb"(?P<h>\d{1,2})(?P<ts>[:.])(?P<mi>\d{2})(?:(?P=ts)(?P<s>\d{2}))?"
    rb"(?:(?P<sp>" + _SPACE + rb")(?P<ampm>[AaPp](?:[Mm]|\." + _SPACE + rb"?[Mm]\.)))?"
)
_DATE_ONLY = re.compile(_DATE)
_TIME_ONLY = re.compile(_TIME)
VARIANTS: dict[str, re.Pattern[bytes]] = {
    "android": re.compile(
        _PREFIX
        + rb"(?P<found>(?P<date>"
        + _DATE
        + rb")(?P<sep>, \xc3\xa0 |, | \xc3\xa0 | )(?P<time>"
        + _TIME
        + rb"))(?P<tok> - )"
    ),
    "ios": re.compile(
        _PREFIX + rb"\[(?P<found>(?P<date>" + _DATE + rb")(?P<sep>, )(?P<time>" + _TIME + rb"))(?P<tok>\] )"
    ),
    "legacy": re.compile(
        _PREFIX + rb"(?P<found>(?P<date>" + _DATE + rb")(?P<sep>, )(?P<time>" + _TIME + rb"))(?P<tok>: )"
    ),
}
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
TOKENS = {"android": b" - ", "ios": b"] ", "legacy": b": "}

# (variant, date form, date-time separator, time separator, seconds, AM/PM spelling, U+200E on a non-iOS line)
Fingerprint = tuple[str, str, str, str, bool, str, bool]


@dataclass(slots=True, eq=False)
class DateText:
    """A date as written. For a year-first date `first` is the month and `second` the day; otherwise they
    are the first two numbers in the order written. The calendar dates in both readings are worked out
    once (None where a reading does not exist). Treated as a value: never changed once made."""

    text: str
    form: str  # "/4", ".2", "ymd-": the separator and the year's digits
    first: int
    second: int
    year: int
    ymd: bool
    day_first: date | None
    month_first: date | None

    def on(self, order: str) -> date | None:
        return self.month_first if order == "mdy" or self.ymd else self.day_first

    @property
    def fits_either(self) -> bool:
        return self.day_first is not None or self.month_first is not None

    @property
    def fields(self) -> tuple[int, int, int]:
        return self.first, self.second, self.year


@dataclass(slots=True, eq=False)
class TimeText:
    """A time as written, and the seconds since midnight it means (None when it does not exist: 25:00,
    13 PM). Treated as a value: never changed once made."""

    text: str
    form: tuple[str, bool, str]  # time separator, seconds, AM/PM spelling
    since_midnight: int | None
    iso: str  # "18:30" or "18:30:12": the time at its precision

    @property
    def precision(self) -> str:
        return "second" if self.form[1] else "minute"


def read_date(text: bytes) -> DateText | None:
    m = _DATE_ONLY.fullmatch(text)
    if m is None:
        return None
    if m["Y"] is not None:
        month, day, year = int(m["M"]), int(m["D"]), int(m["Y"])
        both = _date(year, month, day)
        return DateText(m[0].decode(), "ymd" + m["ys"].decode(), month, day, year, True, both, both)
    first, second, year_text = int(m["a"]), int(m["b"]), m["y"]
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)  # WhatsApp began in 2009
    form = f"{m['ds'].decode()}{len(year_text)}"
    day_first, month_first = _date(year, second, first), _date(year, first, second)
    return DateText(m[0].decode(), form, first, second, year, False, day_first, month_first)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_time(text: bytes) -> TimeText | None:
    m = _TIME_ONLY.fullmatch(text)
    if m is None:
        return None
    hours, minutes, seconds_text, space, ampm, separator = m.group("h", "mi", "s", "sp", "ampm", "ts")
    hour, minute, second = int(hours), int(minutes), int(seconds_text or 0)
    style = ""
    if ampm is not None:
        style = (space + ampm[1:]).decode() + ("A" if ampm[:1].isupper() else "")
        hour = hour % 12 + (12 if ampm[:1] in b"Pp" else 0) if 1 <= hour <= 12 else 99
    form = (separator.decode(), seconds_text is not None, style)
    if hour > 23 or minute > 59 or second > 59:
        return TimeText(m[0].decode(), form, None, "")
    iso = f"{hour:02d}:{minute:02d}:{second:02d}" if seconds_text is not None else f"{hour:02d}:{minute:02d}"
    return TimeText(m[0].decode(), form, hour * 3600 + minute * 60 + second, iso)


@dataclass(frozen=True, slots=True, eq=False)
class Header:
    """What a header line says, before the day/month order is applied."""

    body: int  # byte index where NAME or the notice begins (just after " - ", "] " or ": ")
    found: str  # the date and time exactly as written
    variant: str
    fingerprint: Fingerprint
    date: DateText
    time: TimeText


def match_header(line: bytes, variant: str | None = None) -> Header | None:
    """The header at the start of `line`, trying `variant` first and then every other variant."""
    order = (variant, *(name for name in VARIANTS if name != variant)) if variant else tuple(VARIANTS)
    for name in order:
        found = VARIANTS[name].match(line)
        if found is not None:
            return _header(name, found)
    return None


def _header(variant: str, m: re.Match[bytes]) -> Header | None:
    date_text, time_text = read_date(m["date"]), read_time(m["time"])
    if date_text is None or time_text is None:  # pragma: no cover - the same patterns matched already
        return None
    # iOS marks its notices and media lines with U+200E; the other variants never start a line with one.
    odd_lrm = LRM in m["pre"] and variant != "ios"
    fingerprint = (variant, date_text.form, m["sep"].decode(), *time_text.form, odd_lrm)
    return Header(m.end(), m["found"].decode(), variant, fingerprint, date_text, time_text)


class PrefixReader(Generic[D, T]):
    """Reads the header prefix (the line up to its token) of the file's own fingerprint from cached dates
    and times, so the full grammar only runs for a new date or time, or for a header written another way.
    `on_date` and `on_time` turn a date or time written the file's way into what the caller caches (None
    when it cannot be a header)."""

    def __init__(
        self,
        fingerprint: Fingerprint,
        on_date: Callable[[DateText], D | None],
        on_time: Callable[[TimeText], T | None],
    ) -> None:
        variant, self.date_form, joiner = fingerprint[0], fingerprint[1], fingerprint[2]
        self.time_form = fingerprint[3:6]
        self.lead = 1 if variant == "ios" else 0
        self.joiner = joiner.encode()
        self.on_date, self.on_time = on_date, on_time
        self.dates: dict[bytes, D | None] = {}
        self.times: dict[bytes, T | None] = {}

    def read(self, key: bytes) -> tuple[D, T] | None:
        """The cached date and time of `key` (the line up to its token), or None."""
        lead = self.lead
        if lead and key[:1] != b"[":
            return None
        cut = key.find(self.joiner, lead)
        if cut < 0:
            return None
        date_bytes, time_bytes = key[lead:cut], key[cut + len(self.joiner) :]
        day = self.dates.get(date_bytes, UNSEEN)
        if day is UNSEEN:
            day = self.learn_date(date_bytes)
        clock = self.times.get(time_bytes, UNSEEN)
        if clock is UNSEEN:
            clock = self.learn_time(time_bytes)
        if day is None or clock is None:
            return None
        return day, clock

    def learn_date(self, text: bytes) -> D | None:
        """A date not in `dates` yet, read and cached."""
        found = read_date(text)
        value = self.on_date(found) if found is not None and found.form == self.date_form else None
        if len(self.dates) >= CACHE_LIMIT:
            self.dates.clear()
        self.dates[text] = value
        return value

    def learn_time(self, text: bytes) -> T | None:
        """A time not in `times` yet, read and cached."""
        found = read_time(text)
        value = self.on_time(found) if found is not None and found.form == self.time_form else None
        if len(self.times) >= CACHE_LIMIT:
            self.times.clear()
        self.times[text] = value
        return value


def order_hint(fingerprint: Fingerprint) -> tuple[str, str]:
    """Rule 4: the order a locale's way of writing dates suggests, and why, in words for the user."""
    _variant, date_form, sep, _ts, _seconds, style, _lrm = fingerprint
    if date_form.startswith("."):
        return "dmy", "the dates are written with dots, as in countries that put the day first"
    if "à" in sep:
        return "dmy", "the dates are written the French way ('à' before the time), which puts the day first"
    if style and any(space in style[1:] for space in (" ", "\u00a0", "\u202f")):
        return "dmy", "the times use the Spanish 'p. m.' style, which comes with the day first"
    if not style:
        return "dmy", "the times use the 24-hour clock, which comes with the day first"
    if date_form.startswith("/") and style.endswith("A"):
        return "mdy", "the times use AM/PM with slashes in the dates, as in the United States"
    return "dmy", "most countries that write dates this way put the day first"


def describe(fingerprint: Fingerprint) -> str:
    """A short, readable account of a fingerprint, for the survey facts."""
    variant, date_form, sep, ts, seconds, style, lrm = fingerprint
    if date_form.startswith("ymd"):
        written = f"year{date_form[3]}month{date_form[3]}day"
    else:
        written = f"n{date_form[0]}n{date_form[0]}{'yyyy' if date_form[1] == '4' else 'yy'}"
    parts = [variant, written, f"then {sep!r}", f"time with '{ts}'", "seconds" if seconds else "no seconds"]
    if style:
        space = {" ": "a space", "\u202f": "U+202F", "\u00a0": "U+00A0"}[style[0]]
        parts.append(
            f"12-hour clock ({space} before the AM/PM word, written '{style[1:].rstrip('A') or 'M'}')"
        )
    else:
        parts.append("24-hour clock")
    if lrm:
        parts.append("U+200E before the date")
    return ", ".join(parts)
