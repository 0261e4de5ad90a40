"""Day labels in chat screenshots ("Today", "Yesterday", "Tuesday", "12 March 2024", "Mar 12, 2024 at
6:42 PM") and the other places a screenshot's date can come from. English names only.

A label with a full date and year is a date as printed. "Today", "Yesterday", a weekday or a date without
a year only mean something next to the day the screenshot was taken (the anchor), so dates worked out
from them are approximate, and without an anchor they stay unknown: nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from stalkproof.ingest.screenshot_layout import parse_time

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        )
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_CLOCK = r"(?:,?\s+(?:at\s+)?(?P<clock>\d{1,2}[:.]\d{2}(?:\s?[ap]\.?m\.?)?))?"
_LEAD = rf"(?:(?P<weekday>{_WEEKDAY})\.?,?\s+)?"
_PATTERNS = (
    re.compile(rf"^(?P<relative>today|yesterday){_CLOCK}$", re.IGNORECASE),
    re.compile(rf"^(?P<weekday>{_WEEKDAY}){_CLOCK}$", re.IGNORECASE),
    re.compile(
        rf"^{_LEAD}(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH})\.?,?(?:\s+(?P<year>\d{{4}}))?{_CLOCK}$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^{_LEAD}(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?(?:\s+(?P<year>\d{{4}}))?{_CLOCK}$",
        re.IGNORECASE,
    ),
    re.compile(rf"^(?P<iso>\d{{4}}-\d{{2}}-\d{{2}}){_CLOCK}$", re.IGNORECASE),
    re.compile(rf"^(?P<numeric>\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{4}}){_CLOCK}$", re.IGNORECASE),
)
_FILE_NAME_DATE = re.compile(r"(?<!\d)(20\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")
_STATED_DATE = re.compile(r"^(\d{4})[:\-](\d{2})[:\-](\d{2})")


@dataclass(frozen=True, slots=True)
class DayLabel:
    """A day label as read. `day` is None when it cannot be worked out (see `problem`); `exact` is true
    only for a full date with its year; `clock` is a time printed in the label, as (hour, minute)."""

    found: str
    day: date | None
    exact: bool
    clock: tuple[int, int] | None
    problem: str | None = None


def read_day_label(text: str, anchor: date | None, date_order: str | None) -> DayLabel | None:
    """The day label in `text`, or None when the text is not one."""
    text = text.strip()
    for pattern in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        clock = parse_time(match["clock"]) if match["clock"] else None
        day, exact, problem = _day(match, anchor, date_order)
        return DayLabel(text, day, exact, clock, problem)
    return None


def _day(
    match: re.Match[str], anchor: date | None, date_order: str | None
) -> tuple[date | None, bool, str | None]:
    groups = match.groupdict()
    if groups.get("iso"):
        return _checked(*(int(part) for part in groups["iso"].split("-")))
    if groups.get("numeric"):
        return _numeric(groups["numeric"], date_order)
    if groups.get("month"):
        year = int(groups["year"]) if groups.get("year") else None
        month, day = MONTHS[groups["month"].lower()], int(groups["day"])
        if year is not None:
            return _checked(year, month, day)
        return _without_year(month, day, anchor)
    if anchor is None:
        return None, False, "it names a day relative to when the screenshot was taken, which is not known"
    relative = (groups.get("relative") or "").lower()
    if relative == "today":
        return anchor, False, None
    if relative == "yesterday":
        return anchor - timedelta(days=1), False, None
    weekday = WEEKDAYS[groups["weekday"].lower()]
    return anchor - timedelta(days=(anchor.weekday() - weekday) % 7), False, None


def _checked(year: int, month: int, day: int) -> tuple[date | None, bool, str | None]:
    try:
        return date(year, month, day), True, None
    except ValueError:
        return None, False, "it is not a real date (OCR may have misread it)"


def _without_year(month: int, day: int, anchor: date | None) -> tuple[date | None, bool, str | None]:
    if anchor is None:
        return None, False, "it has no year, and when the screenshot was taken is not known"
    for year in (anchor.year, anchor.year - 1):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found <= anchor:
            return found, False, None
    return None, False, "it is not a real date (OCR may have misread it)"


def _numeric(text: str, date_order: str | None) -> tuple[date | None, bool, str | None]:
    first, second, year = (int(part) for part in re.split(r"[/.]", text))
    order = date_order if date_order in ("dmy", "mdy") else None
    order = order or ("dmy" if first > 12 else "mdy" if second > 12 else None)
    if order is None:
        return None, False, "it could be day/month or month/day; say which with --date-order"
    day, month = (first, second) if order == "dmy" else (second, first)
    return _checked(year, month, day)


def date_in_file_name(name: str) -> date | None:
    """A date in a screenshot's file name ("Screenshot_20240312-184201.png"), as phones name them."""
    match = _FILE_NAME_DATE.search(name)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def stated_date(text: str) -> date | None:
    """The date in a metadata time ("2024:03:12 18:45:00", "2024-03-12T18:45:00+00:00")."""
    match = _STATED_DATE.match(text.strip())
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
