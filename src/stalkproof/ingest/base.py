"""The one small interface every source parser implements, and the records they produce.

`When`, `Origin` and `Record` are plain (not frozen) dataclasses: a parser makes several per message, and a
frozen dataclass costs five times as much to build. Treat them as values all the same: nothing changes one
after it is made.

Parsers are pure: they read an `Input` and yield `Record`s. They never see the vault, so a parser can be
tested, benchmarked and reviewed on its own, and a bug in one cannot damage stored evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from stalkproof.ingest.inputs import Input

PRECISIONS = ("second", "minute", "day", "approximate")
KINDS = ("message", "call", "system", "reaction", "post", "login")


@dataclass(slots=True)
class When:
    """A time as the source gives it. A naive `at` is a wall-clock time in an unstated zone; an aware one
    is an instant the source states."""

    at: datetime
    precision: str
    found: str
    zone: str | None = None


@dataclass(frozen=True, slots=True)
class Handle:
    """An account as the platform names it. `identifier` is normalised (see identifiers.py); `display`
    is exactly as found. "self" stands for the device owner when the file does not name them."""

    platform: str
    identifier: str
    display: str | None = None


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a record refers to. status: attached (bytes are in the input, at `member`), inline (bytes
    in `data`), omitted (the export left it out), missing (named but absent), url (only a link)."""

    name: str
    status: str
    member: str | None = None
    data: bytes | None = None
    mime: str | None = None


@dataclass(slots=True)
class Origin:
    """Where a record's raw bytes are: the member inside the input ("" for a plain file; archive
    boundaries written "!/"), the byte span, the lines, or a path where lines do not apply."""

    member: str
    offset: int | None
    length: int
    line: int | None
    end_line: int | None = None
    path: str | None = None


@dataclass(slots=True)
class Record:
    """One message, call, post, login or notice, with everything needed to store it and to prove where
    it came from. `text` is exactly as found once the format's own escaping is undone. `identity` is what
    makes it "the same record" in another, overlapping export."""

    kind: str
    channel: str
    when: When
    thread: str
    sender: Handle | None
    recipients: tuple[Handle, ...]
    text: str | None
    origin: Origin
    raw: bytes
    identity: tuple[object, ...]
    attachments: tuple[Attachment, ...] = ()
    markers: frozenset[str] = frozenset()
    details: Mapping[str, object] | None = None


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something in the input that was not understood or needs checking. Never silently dropped."""

    code: str
    member: str
    line: int | None
    raw: str
    reason: str
    offset: int | None = None
    ordinal: int = 0


@dataclass
class Context:
    """Options from the user and what the survey learned, shared by survey and parse, plus the warning
    sink. Parsers call `warn` rather than raising for anything that does not stop the whole import."""

    zone: str | None = None
    date_order: str | None = None
    me: str | None = None
    chat: str | None = None
    mapping: Mapping[str, object] | None = None
    ocr_lang: str = "eng"
    sender_left: str | None = None
    encoding: str | None = None
    learned: dict[str, object] = field(default_factory=dict)
    on_warning: Callable[[ParseWarning], None] | None = None
    records_so_far: int = 0

    def warn(
        self,
        code: str,
        member: str,
        line: int | None,
        raw: str | bytes,
        reason: str,
        offset: int | None = None,
    ) -> None:
        text = raw.decode("utf-8", errors="backslashreplace") if isinstance(raw, bytes) else raw
        warning = ParseWarning(code, member, line, text[:4096], reason, offset, self.records_so_far)
        if self.on_warning is not None:
            self.on_warning(warning)


@dataclass
class AccountSeen:
    handle: Handle
    records: int = 0
    first: datetime | None = None
    last: datetime | None = None


@dataclass
class Survey:
    """What a full validating pass over the input found, before anything is written."""

    records: int = 0
    naive: int = 0  # records whose time states no zone
    first: datetime | None = None
    last: datetime | None = None
    accounts: dict[tuple[str, str], AccountSeen] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)

    def count(self, record: Record) -> None:
        self.records += 1
        at = record.when.at
        if at.tzinfo is None:
            self.naive += 1
        if self.first is None or self.last is None:
            self.first = self.last = at
        else:
            self.first, self.last = _widened(self.first, self.last, at)
        for handle in (record.sender, *record.recipients):
            if handle is None:
                continue
            seen = self.accounts.get((handle.platform, handle.identifier))
            if seen is None:
                seen = self.accounts[(handle.platform, handle.identifier)] = AccountSeen(handle, 0, at, at)
            if handle is record.sender:
                seen.records += 1
            if seen.first is not None and seen.last is not None:
                seen.first, seen.last = _widened(seen.first, seen.last, at)


def _widened(first: datetime, last: datetime, at: datetime) -> tuple[datetime, datetime]:
    """The span from `first` to `last`, stretched to take in `at`. Comparing datetimes directly is the
    common case (a survey counts every record, several times each); only naive and aware times meeting
    in one source need `_earlier`, and comparing those raises TypeError."""
    try:
        return (at if at < first else first), (at if last < at else last)
    except TypeError:
        return (at if _earlier(at, first) else first), (at if _earlier(last, at) else last)


def _earlier(a: datetime, b: datetime) -> bool:
    # Naive and aware times can meet in one survey (a source mixing both); compare wall clocks then.
    if (a.tzinfo is None) != (b.tzinfo is None):
        return a.replace(tzinfo=None) < b.replace(tzinfo=None)
    return a < b


class Source(Protocol):
    """A parser for one kind of export. `version` changes whenever the same bytes would give different
    records, so a re-import under a new version starts a new import rather than resuming."""

    name: str
    label: str
    version: str

    def detect(self, inp: Input) -> float:
        """0..1: how sure this source is that it can read the input. Reads at most 64 KiB a member."""
        ...

    def survey(self, inp: Input, ctx: Context) -> Survey:
        """A full validating pass that writes nothing. Raises InputError for anything fatal."""
        ...

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        """The records, in file order, one at a time."""
        ...


class Repeats:
    """The `n` of an identity without a platform id: how many earlier records in this input had the same
    tuple, so two identical "ok"s in one minute stay two events. Identities include the time, so only
    records at the same time can repeat; the count is cleared when the time moves on, which keeps memory
    constant. An input out of time order may restart a count: the pipeline then reports the repeat."""

    def __init__(self) -> None:
        self._time: object = None
        self._seen: dict[tuple[object, ...], int] = {}

    def number(self, time: object, identity: tuple[object, ...]) -> int:
        if time != self._time:
            self._time, self._seen = time, {}
        n = self._seen.get(identity, 0)
        self._seen[identity] = n + 1
        return n


def survey_by_parsing(source: Source, inp: Input, ctx: Context) -> Survey:
    """The default survey: parse everything once and count."""
    survey = Survey()
    for record in source.parse(inp, ctx):
        survey.count(record)
        ctx.records_so_far = survey.records
    ctx.records_so_far = 0
    return survey
