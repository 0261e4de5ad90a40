"""The diary form as the page sends it: read into the values the diary services take, with a plain
message for each field that cannot be read. Used by routes/diary.py for adding and amending."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import UploadFile
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as SentFile

from stalkproof.errors import InputError
from stalkproof.evidence.exhibits import ExhibitDetails
from stalkproof.evidence.time import LOCAL_ZONE, Moment, parse_when

APPROXIMATE = "approximate"
EXACT = "exact"
WHEN_PROBLEM = (
    "That date or time could not be read. Give the date as year-month-day, such as 2026-03-01, "
    "and the time (if you know it) as hours:minutes, such as 15:20."
)
UNTIL_PROBLEM = (
    "The end date or time could not be read. Write it like the start, such as 2026-03-01 and 16:00."
)
UNTIL_WITHOUT_DATE = "Give a date for when it ended, or leave the end time empty."
WHAT_PROBLEM = "Say what happened, in the words you would use to tell someone."
# Fields written one item a line in the page, kept as lists in the diary.
LINES = ("witnesses", "actions", "risk")
CHOICES = ("behaviours", "parties", "exhibits")


@dataclass
class DiaryForm:
    when_date: str = ""
    when_time: str = ""
    precision: str = EXACT
    zone: str = ""
    until_date: str = ""
    until_time: str = ""
    what: str = ""
    where: str = ""
    platform: str = ""
    behaviours: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    witnesses: str = ""
    impact: str = ""
    actions: str = ""
    saved: str = ""
    risk: str = ""
    exhibits: list[str] = field(default_factory=list)
    describe: str = ""
    captured_by: str = ""
    captured_at: str = ""
    how: str = ""
    source_app: str = ""
    reason: str = ""

    @classmethod
    def from_form(cls, form: FormData) -> DiaryForm:
        values: dict[str, Any] = {}
        for item in fields(cls):
            if item.name in CHOICES:
                values[item.name] = [str(value) for value in form.getlist(item.name)]
            else:
                value = form.get(item.name)
                values[item.name] = value.strip() if isinstance(value, str) else ""
        return cls(**values)

    @classmethod
    def from_version(cls, data: dict[str, Any]) -> DiaryForm:
        """The newest version of an entry, laid out as the form shows it (for amending)."""
        local = str(data["occurred_local"])
        until = until_local(data["occurred_until"], str(data["zone"]))
        return cls(
            when_date=local[:10],
            when_time=local[11:19] if data["precision"] == "second" else local[11:16],
            precision=APPROXIMATE if data["precision"] == APPROXIMATE else EXACT,
            zone=_named_zone(str(data["zone"])),
            until_date=until[:10],
            until_time=until[11:19],
            what=data["what"] or "",
            where=data["where"] or "",
            platform=data["platform"] or "",
            behaviours=list(data["behaviours"]),
            parties=list(data["parties"]),
            witnesses="\n".join(data["witnesses"]),
            impact=data["impact"] or "",
            actions="\n".join(data["actions"]),
            saved=data["how_saved"] or "",
            risk="\n".join(data["risk_notes"]),
            exhibits=list(data["exhibits"]),
        )

    def capture(self) -> ExhibitDetails:
        """What the person said about the files they attached (the same for each file sent together)."""
        return ExhibitDetails(
            description=self.describe or None,
            captured_by=self.captured_by or None,
            captured_at=self.captured_at or None,
            capture_method=self.how or None,
            source_app=self.source_app or None,
        )


@dataclass
class Reading:
    """The form read into diary values, or the problems that stopped it."""

    moment: Moment | None = None
    until: Moment | None = None
    problems: dict[str, str] = field(default_factory=dict)


def read_times(form: DiaryForm) -> Reading:
    reading = Reading()
    reading.moment = _moment(form.when_date, form.when_time, form, "when_date", WHEN_PROBLEM, reading)
    if form.until_date or form.until_time:
        if not form.until_date:
            reading.problems["until_date"] = UNTIL_WITHOUT_DATE
        else:
            reading.until = _moment(
                form.until_date, form.until_time, form, "until_date", UNTIL_PROBLEM, reading
            )
    if not form.what:
        reading.problems["what"] = WHAT_PROBLEM
    return reading


def details(form: DiaryForm) -> dict[str, Any]:
    """Everything but the times and the words, named as `diary_draft` and `amend_entry` name them."""
    return {
        "place": form.where or None,
        "channel": form.platform or None,
        "behaviours": form.behaviours,
        "parties": form.parties,
        "witnesses": _lines(form.witnesses),
        "impact": form.impact or None,
        "actions": _lines(form.actions),
        "how_saved": form.saved or None,
        "risk_notes": _lines(form.risk),
        "exhibit_refs": form.exhibits,
    }


def changes(before: DiaryForm, after: DiaryForm, reading: Reading) -> dict[str, Any]:
    """Only what the person changed, so an amendment records exactly that and carries the rest over."""
    found: dict[str, Any] = {}
    if _times(before, "when") != _times(after, "when"):
        found["moment"] = reading.moment
    if _times(before, "until") != _times(after, "until"):
        found["until"] = reading.until
    if before.what != after.what:
        found["text"] = after.what
    old, new = details(before), details(after)
    found |= {name: value for name, value in new.items() if old[name] != value}
    return found


def uploads(form: FormData) -> list[UploadFile]:
    """The files chosen (a form sent with none has one empty part). `received` reads them only through
    the parent class's interface, which is what the form holds."""
    sent = [item for item in form.getlist("files") if isinstance(item, SentFile) and item.filename]
    return cast(list[UploadFile], sent)


def _moment(
    day: str, clock: str, form: DiaryForm, name: str, problem: str, reading: Reading
) -> Moment | None:
    if not day:
        reading.problems[name] = problem
        return None
    text = f"{day}T{clock}" if clock else day
    approximate = form.precision == APPROXIMATE
    try:
        # Read once without the zone so that a bad date and a bad zone get their own message.
        moment = parse_when(text, approximate=approximate)
    except InputError:
        reading.problems[name] = problem
        return None
    if not form.zone:
        return moment
    try:
        return parse_when(text, zone=form.zone, approximate=approximate)
    except InputError as error:
        reading.problems["zone"] = error.message
        return None


def _times(form: DiaryForm, prefix: str) -> tuple[str, ...]:
    values = (getattr(form, f"{prefix}_date"), getattr(form, f"{prefix}_time"), form.precision, form.zone)
    # Seconds the browser drops from a time it was given are not a change.
    return tuple(value.removesuffix(":00") if len(value) == 8 else value for value in values)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _named_zone(zone: str) -> str:
    """A zone the person named (Europe/London) goes back in the form; 'this computer's' and offsets do not."""
    return "" if zone.startswith((LOCAL_ZONE, "+", "-")) else zone


def until_local(utc_text: str | None, zone: str) -> str:
    """When an entry ended, in the zone its start was given in (the vault keeps the end in UTC only)."""
    if not utc_text:
        return ""
    instant = datetime.fromisoformat(utc_text.removesuffix("Z")).replace(tzinfo=UTC)
    if zone.startswith(LOCAL_ZONE):
        return instant.astimezone().replace(tzinfo=None).isoformat(timespec="seconds")
    return instant.astimezone(_zone(zone)).replace(tzinfo=None).isoformat(timespec="seconds")


def _zone(zone: str) -> tzinfo:
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    try:
        found = datetime.strptime(zone.replace(":", ""), "%z").tzinfo
    except ValueError:
        found = None
    return found or UTC
