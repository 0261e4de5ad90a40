"""A spreadsheet or call log saved as CSV, read through a mapping file that says which column is what.

There is no guessing: the mapping names the columns and the time format, so a date like 03/04 is read
the way the person who knows the file says. Each row keeps its exact bytes, even when a quoted cell runs
over several lines.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field

from stalkproof.datafile import read_yaml, validate
from stalkproof.errors import InputError
from stalkproof.ingest.base import Context, Handle, Origin, Record, Repeats, Survey, When, survey_by_parsing
from stalkproof.ingest.identifiers import normalise
from stalkproof.ingest.inputs import Input, Member
from stalkproof.ingest.lines import BOM, iter_lines

CALL_MARKERS = frozenset({"missed", "rejected", "blocked", "voicemail"})
_SNIFF_BYTES = 64 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeColumn(_Strict):
    column: str
    format: str = Field(description="a strptime format, or iso, unix, unix_ms")
    zone: str | None = None


class Column(_Strict):
    column: str | None = None
    constant: str | None = None
    split: str | None = None


class Direction(_Strict):
    column: str
    incoming: list[str]
    outgoing: list[str]
    owner: str = "self"


class Duration(_Strict):
    column: str
    unit: Literal["s", "min", "hms"] = "s"


class CsvMapping(_Strict):
    kind: Literal["message", "call"] = "message"
    channel: str
    platform: str
    time: TimeColumn
    sender: Column
    recipients: Column | None = None
    text: Column | None = None
    direction: Direction | None = None
    duration: Duration | None = None
    thread: Column | None = None
    identity: list[str] | None = None

    def columns(self) -> list[str]:
        named = [self.time.column]
        for part in (self.sender, self.recipients, self.text, self.thread):
            if part is not None and part.column:
                named.append(part.column)
        for extra in (self.direction, self.duration):
            if extra is not None:
                named.append(extra.column)
        return list(dict.fromkeys(named))


def read_mapping(path: Path) -> dict[str, object]:
    """The mapping file, checked; errors name the line."""
    data, tree = read_yaml(path)
    return validate(CsvMapping, data, path, tree).model_dump()


class CsvSource:
    name = "csv"
    label = "a CSV file with --mapping"
    version = "1"

    def detect(self, inp: Input) -> float:
        members = list(_csv_members(inp))
        return 0.3 if members and len(members) == len(inp.members) else 0.0

    def survey(self, inp: Input, ctx: Context) -> Survey:
        return survey_by_parsing(self, inp, ctx)

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        if ctx.mapping is None:
            raise InputError(
                "a CSV file needs a mapping that says which column is the time, the sender and so on; "
                "write one and pass it with --mapping (see 'stalkproof guide import-csv').",
                inp.path,
            )
        mapping = CsvMapping.model_validate(ctx.mapping)
        for member in _csv_members(inp):
            yield from _parse_member(inp, member, mapping, ctx)


def _csv_members(inp: Input) -> Iterator[Member]:
    return inp.find(lambda member: member.name.lower().endswith((".csv", ".tsv", ".txt")))


def _parse_member(inp: Input, member: Member, mapping: CsvMapping, ctx: Context) -> Iterator[Record]:
    where = inp.where(member)
    encoding = ctx.encoding or "utf-8"
    rows = _RowReader(member, where, encoding)
    header = rows.header()
    index = _column_index(header, mapping, where)
    identity_columns = tuple(mapping.identity or mapping.columns())
    times = _TimeReader(mapping.time)
    repeats = Repeats()
    # Not the file name: a later export of the same log, saved under another name, must match this one.
    thread = ctx.chat or mapping.channel
    for line, offset, raw, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            reason = f"this row has {len(cells)} cells where the header has {len(header)}; it was not read."
            ctx.warn("unparsed_line", where, line, raw, reason, offset)
            continue
        plan = (mapping, index, identity_columns, times)
        record = _record(plan, cells, member, thread, (line, offset, raw), repeats, ctx, where)
        if record is not None:
            yield record


class _RowReader:
    """csv.reader over physical lines, remembering each line's bytes so a row's exact span is known."""

    def __init__(self, member: Member, where: str, encoding: str) -> None:
        self.member, self.where, self.encoding = member, where, encoding
        self.pending: deque[tuple[int, int, bytes]] = deque()
        self.stream = member.open()
        self.lines = iter_lines(self.stream, where)
        self.reader = csv.reader(self._texts(), _dialect(member, encoding))
        self.consumed = 0

    def _texts(self) -> Iterator[str]:
        for number, offset, raw in self.lines:
            self.pending.append((number, offset, raw))
            body = raw[3:] if number == 1 and raw.startswith(BOM) else raw
            try:
                yield body.decode(self.encoding)
            except UnicodeDecodeError as error:
                raise InputError(
                    f"this is not {self.encoding} text (byte 0x{body[error.start]:02X} at column "
                    f"{error.start + 1}); if the file was saved by Excel, try --encoding cp1252.",
                    self.where,
                    number,
                ) from None
            except LookupError:
                raise InputError(f"'{self.encoding}' is not a text encoding Python knows.") from None

    def header(self) -> list[str]:
        try:
            first = next(self.reader)
        except StopIteration:
            raise InputError("this CSV file is empty.", self.where) from None
        self.pending.clear()
        return [name.strip().lower() for name in first]

    def __iter__(self) -> Iterator[tuple[int, int, bytes, list[str]]]:
        try:
            for cells in self.reader:
                spans = [self.pending.popleft() for _ in range(len(self.pending))]
                line, offset = spans[0][0], spans[0][1]
                yield line, offset, b"".join(raw for _, _, raw in spans), cells
        except csv.Error as error:
            bad_line = self.pending[0][0] if self.pending else None
            raise InputError(f"this CSV row cannot be read ({error}).", self.where, bad_line) from None
        finally:
            self.stream.close()


def _dialect(member: Member, encoding: str) -> type[csv.Dialect]:
    sample = member.head(_SNIFF_BYTES).removeprefix(BOM).decode(encoding, errors="replace")
    cut = sample.rfind("\n")
    try:
        return csv.Sniffer().sniff(sample[: cut if cut > 0 else None], delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _column_index(header: list[str], mapping: CsvMapping, where: str) -> dict[str, int]:
    index = {name: position for position, name in enumerate(header)}
    wanted = mapping.columns() + list(mapping.identity or [])
    missing = [column for column in wanted if column.lower() not in index]
    if missing:
        raise InputError(
            f"the mapping names column(s) this file does not have: {', '.join(missing)} "
            f"(it has: {', '.join(header)}).",
            where,
            1,
        )
    # Keyed by the names as the mapping writes them, so no row needs a lower() per cell.
    return {column: index[column.lower()] for column in wanted}


def _cell(cells: list[str], index: dict[str, int], column: str) -> str:
    return cells[index[column]]


_Plan = tuple[CsvMapping, dict[str, int], tuple[str, ...], "_TimeReader"]


def _record(
    plan: _Plan,
    cells: list[str],
    member: Member,
    thread: str,
    span: tuple[int, int, bytes],
    repeats: Repeats,
    ctx: Context,
    where: str,
) -> Record | None:
    mapping, index, identity_columns, times = plan
    line, offset, raw = span
    found = _cell(cells, index, mapping.time.column)
    try:
        when = times.read(found)
    except ValueError:
        reason = f"'{found}' does not match the time format in the mapping ({mapping.time.format}); skipped."
        ctx.warn("unparsed_line", where, line, raw, reason, offset)
        return None
    sender, recipients, markers = _people(mapping, index, cells)
    text = _cell(cells, index, mapping.text.column) if mapping.text and mapping.text.column else None
    details: dict[str, object] = {}
    if mapping.duration is not None:
        seconds = _seconds(_cell(cells, index, mapping.duration.column), mapping.duration.unit)
        if seconds is not None:
            details["duration_s"] = seconds
    identity = tuple(_cell(cells, index, column) for column in identity_columns)
    n = repeats.number(when.at, identity)
    if mapping.thread and mapping.thread.column:
        thread = _cell(cells, index, mapping.thread.column)
    return Record(
        kind=mapping.kind,
        channel=mapping.channel,
        when=when,
        thread=thread,
        sender=sender,
        recipients=recipients,
        text=text or None,
        origin=Origin(member.name, offset, len(raw), line, line + raw.count(b"\n") - raw.endswith(b"\n")),
        raw=raw,
        identity=(*identity, n),
        markers=frozenset(markers),
        details=details or None,
    )


def _people(
    mapping: CsvMapping, index: dict[str, int], cells: list[str]
) -> tuple[Handle | None, tuple[Handle, ...], set[str]]:
    platform = mapping.platform
    sender = _handle(platform, _value(mapping.sender, index, cells))
    recipients = tuple(
        handle
        for value in _values(mapping.recipients, index, cells)
        if (handle := _handle(platform, value)) is not None
    )
    markers: set[str] = set()
    if mapping.direction is None:
        return sender, recipients, markers
    value = _cell(cells, index, mapping.direction.column).strip()
    if value.lower() in CALL_MARKERS:
        markers.add(value.lower())
    owner = _owner(mapping.direction.owner, platform)
    if value in mapping.direction.outgoing:
        markers.add("from_me")
        return owner, (sender,) if sender else recipients, markers
    return sender, recipients or (owner,), markers


def _owner(account: str, platform: str) -> Handle:
    named_platform, _, identifier = account.partition(":")
    if not identifier:
        return Handle(platform, "self")
    return Handle(named_platform, normalise(named_platform, identifier), identifier)


def _handle(platform: str, value: str | None) -> Handle | None:
    if value is None or not value.strip():
        return None
    return Handle(platform, normalise(platform, value), value)


def _value(column: Column, index: dict[str, int], cells: list[str]) -> str | None:
    if column.constant is not None:
        return column.constant
    return _cell(cells, index, column.column) if column.column else None


def _values(column: Column | None, index: dict[str, int], cells: list[str]) -> list[str]:
    if column is None:
        return []
    value = _value(column, index, cells)
    if value is None:
        return []
    return [part.strip() for part in value.split(column.split)] if column.split else [value]


class _TimeReader:
    """read_time with a cache: logs repeat the same minute many times, and strptime is slow."""

    def __init__(self, spec: TimeColumn) -> None:
        self.spec = spec
        self.cache: dict[str, When] = {}

    def read(self, text: str) -> When:
        found = self.cache.get(text)
        if found is None:
            if len(self.cache) > 65_536:
                self.cache.clear()
            found = self.cache[text] = read_time(text, self.spec)
        return found


def read_time(text: str, spec: TimeColumn) -> When:
    """The time in a cell, read exactly as the mapping says. Raises ValueError if it does not fit."""
    text = text.strip()
    zone = _zone(spec.zone) if spec.zone else None
    if spec.format in ("unix", "unix_ms"):
        number = float(text)
        at = datetime.fromtimestamp(number / (1000 if spec.format == "unix_ms" else 1), UTC)
        return When(at, "second", text, "UTC")
    if spec.format == "iso":
        at = datetime.fromisoformat(text)
        precision = "second" if at.second or at.microsecond or text.count(":") >= 2 else "minute"
        if len(text) <= 10:
            precision = "day"
    else:
        at = datetime.strptime(text, spec.format)
        precision = _precision(spec.format)
    if at.tzinfo is not None:
        return When(at, precision, text, at.strftime("%z"))
    if zone is not None:
        return When(at.replace(tzinfo=zone), precision, text, spec.zone)
    return When(at, precision, text)


def _precision(format: str) -> str:
    if "%S" in format or "%T" in format or "%X" in format:
        return "second"
    if "%M" in format or "%R" in format:
        return "minute"
    return "day"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"the mapping's zone '{name}' is not a time zone name (e.g. Europe/London)."
        raise InputError(message) from None


def _seconds(text: str, unit: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        if unit == "hms":
            total = 0
            for part in text.split(":"):
                total = total * 60 + int(part)
            return total
        return round(float(text) * (60 if unit == "min" else 1))
    except ValueError:
        return None


SOURCE = CsvSource()
