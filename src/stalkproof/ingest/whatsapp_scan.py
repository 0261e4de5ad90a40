"""The survey's first look at a WhatsApp chat file: how its headers are written (its fingerprint), which
order its dates use (rules 1-4 of the design), and who takes part.

It reads the file once, in blocks, keeping a few counters per way of writing a header and a bounded
count of names, so its memory does not grow with the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TypeVar

from stalkproof.errors import InputError
from stalkproof.ingest.lines import BLOCK, MAX_LINE
from stalkproof.ingest.whatsapp_grammar import (
    CACHE_LIMIT,
    LRM,
    MONTHS,
    STARTERS,
    TOKENS,
    DateText,
    Fingerprint,
    Header,
    PrefixReader,
    TimeText,
    describe,
    match_header,
    order_hint,
)
from stalkproof.ingest.whatsapp_markers import Markers

_BLANK = b" \t\r\xef\xbb\xbf"  # a line of only these (or a BOM) may come before the first message
MAX_NAME = 256  # bytes; WhatsApp names are far shorter, a longer "name" is message text
MAX_NAMES = 10_000
MAX_LONGER_NAMES = 20_000
V = TypeVar("V")


class LineBlocks:
    """The lines of a member a block at a time, each without its "\\n". Every line but the file's last
    had one; `unterminated` says whether the last did not, and `carriage_returns` whether any block read so
    far holds a "\\r" (most files have none, which spares the parse a check per message). Lines over 1 MiB
    stop the import."""

    def __init__(self, stream: IO[bytes], where: str) -> None:
        self.stream = stream
        self.where = where
        self.unterminated = False
        self.carriage_returns = False
        self.lines_read = 0

    def __iter__(self) -> Iterator[list[bytes]]:
        carry = b""
        read = self.stream.read
        while block := read(BLOCK):
            if carry:
                block = carry + block
            if not self.carriage_returns:
                self.carriage_returns = b"\r" in block
            lines = block.split(b"\n")
            carry = lines.pop()
            if len(block) >= MAX_LINE:
                self._check(lines)
            if len(carry) > MAX_LINE:
                raise self.too_long(self.lines_read + len(lines) + 1)
            self.lines_read += len(lines)
            if lines:
                yield lines
        if carry:
            self.unterminated = True
            self.lines_read += 1
            yield [carry]

    def _check(self, lines: list[bytes]) -> None:
        if lines and max(map(len, lines)) >= MAX_LINE:
            index = next(i for i, line in enumerate(lines) if len(line) >= MAX_LINE)
            raise self.too_long(self.lines_read + index + 1)

    def too_long(self, number: int) -> InputError:
        return InputError(
            f"this line is over {MAX_LINE // (1024 * 1024)} MiB long; this is not a chat export past this "
            "point.",
            self.where,
            number,
        )


@dataclass
class FormStats:
    """What the scan saw of the header lines written with one fingerprint."""

    fingerprint: Fingerprint
    first_line: int
    lines: int = 0
    dmy_only_line: int | None = None  # first line whose date can only be day/month/year
    mdy_only_line: int | None = None
    last_date: DateText | None = None
    previous: tuple[int, int, int] | None = None
    decreases: list[int] = field(default_factory=lambda: [0, 0])
    changes: list[int] = field(default_factory=lambda: [0, 0])
    example: DateText | None = None  # a date that reads differently in the two orders
    names: dict[bytes, int] = field(default_factory=dict)
    longer_names: dict[bytes, int] = field(default_factory=dict)

    def see(self, date: DateText, number: int, line: bytes, body: int, markers: Markers) -> None:
        self.lines += 1
        if date is not self.last_date:
            self.last_date = date
            if date.fields != self.previous:
                self._date(date, number)
        colon = line.find(b": ", body)
        if colon < 0 or colon - body > MAX_NAME:
            return
        if (
            self.fingerprint[0] == "ios"
            and line.startswith(LRM, colon + 2)
            and _ios_notice(line, colon, markers)
        ):
            return
        name, names = line[body:colon], self.names
        if name in names:
            names[name] += 1
        elif len(names) < MAX_NAMES:
            names[name] = 1
        colon = line.find(b": ", colon + 2)
        if colon >= 0:
            self._longer_names(line, body, colon)

    def _date(self, date: DateText, number: int) -> None:
        first, second, year = fields = date.fields
        if not date.ymd:
            if self.dmy_only_line is None and date.month_first is None:
                self.dmy_only_line = number
            if self.mdy_only_line is None and date.day_first is None:
                self.mdy_only_line = number
            if self.example is None and first != second and first <= 12 and second <= 12:
                self.example = date
        previous = self.previous
        if previous is not None:
            if year == previous[2]:  # the day resets every month, the month only with the year
                self.decreases[0] += first < previous[0]
                self.decreases[1] += second < previous[1]
            self.changes[0] += first != previous[0]
            self.changes[1] += second != previous[1]
        self.previous = fields

    def _longer_names(self, line: bytes, body: int, colon: int) -> None:
        """Candidates running to a further ": ", since a name may itself contain one ("Dr: Who")."""
        longer = self.longer_names
        for _ in range(3):
            if colon < 0 or colon - body > MAX_NAME:
                break
            name = line[body:colon]
            longer[name] = longer.get(name, 0) + 1
            colon = line.find(b": ", colon + 2)
        if len(longer) > MAX_LONGER_NAMES:  # keep what repeats; one-off texts are not names
            self.longer_names = {name: n for name, n in longer.items() if n > 1}

    def participants(self) -> tuple[bytes, ...]:
        """Names seen in at least two header lines. A name containing ": " wins over its first part
        only when that first part never appears without it."""
        chosen = {name: None for name, count in self.names.items() if count >= 2}
        for name, count in self.longer_names.items():
            head = name[: name.index(b": ")]
            if count >= 2 and self.names.get(head) == count:
                chosen.pop(head, None)
                chosen[name] = None
        return tuple(chosen)


def _ios_notice(line: bytes, colon: int, markers: Markers) -> bool:
    """An iOS notice ("NAME: \u200eSam added Alex") names the chat, not an author, so it does not count."""
    if not line.startswith(LRM, colon + 2):
        return False
    text = line[colon + 2 :].rstrip(b"\r").decode("utf-8", errors="replace")
    return not markers.classify(text).media_or_deleted


@dataclass(frozen=True)
class ChatFacts:
    """What the scan decided about one chat file, used by the parse and reported in the survey."""

    member: str
    variant: str
    token: bytes
    fingerprint: Fingerprint
    date_order: str  # "dmy" | "mdy" | "ymd"
    date_rule: str  # "1", "2", "3", "4", "option", "year first"
    date_reason: str | None
    example: str | None  # a date that reads differently day-first and month-first
    question: str | None  # "Is 03/04/2023 the 3rd of April?"
    orders: dict[Fingerprint, str]  # the order for headers written another way
    participants: tuple[bytes, ...]
    header_lines: int
    option: str | None  # the --date-order this was decided with

    def summary(self) -> dict[str, object]:
        return {
            "member": self.member,
            "fingerprint": describe(self.fingerprint),
            "date_order": self.date_order,
            "date_order_rule": self.date_rule,
            "date_order_reason": self.date_reason,
            "date_order_example": self.example,
            "date_order_question": self.question,
            "participants": [name.decode("utf-8", errors="replace") for name in self.participants],
            "header_lines": self.header_lines,
        }


def scan_chat(stream: IO[bytes], where: str, member: str, markers: Markers, option: str | None) -> ChatFacts:
    """Read the whole chat once and decide its fingerprint, date order and participants."""
    scanner = _Scanner()
    number = 0
    for block in LineBlocks(stream, where):
        for line in block:
            number += 1
            if line[:1] in STARTERS:
                found = scanner.header(line, number)
                if found is not None:
                    stats, date, body = found
                    stats.see(date, number, line, body, markers)
                    continue
            if scanner.prefix is None and line.strip(_BLANK):
                raise _not_a_chat(where, number)
    if not scanner.forms:
        raise InputError("this file holds no WhatsApp messages, so there is nothing to import.", where)
    return _decide(scanner.forms, where, member, option)


class _Scanner:
    """Recognises header lines for the scan: by their cached prefix, then by the prefix reader (the first
    header's way of writing dates and times), then by the full grammar."""

    def __init__(self) -> None:
        self.forms: dict[Fingerprint, FormStats] = {}
        self.prefix: PrefixReader[DateText, TimeText] | None = None
        self.plain: Fingerprint | None = None  # the first header's fingerprint, for the prefix reader
        self.variant: str | None = None
        self.token = b"\n"  # no line holds one: nothing matches until the first header sets the real token
        self.known: dict[bytes, tuple[FormStats, DateText, int]] = {}

    def header(self, line: bytes, number: int) -> tuple[FormStats, DateText, int] | None:
        pos = line.find(self.token, 0, 64)
        if pos > 0 and self.prefix is not None and self.plain is not None:
            key = line[:pos]
            known = self.known.get(key)
            if known is not None:
                return known
            parts = self.prefix.read(key)
            if parts is not None and parts[1].since_midnight is not None and parts[0].fits_either:
                if len(self.known) >= CACHE_LIMIT:
                    self.known.clear()
                found = self.known[key] = (self._stats(self.plain, number), parts[0], pos + len(self.token))
                return found
        header = _new_header(line, self.variant)
        if header is None:
            return None
        if self.prefix is None:
            self.plain = (*header.fingerprint[:6], False)
            self.variant, self.token = header.variant, TOKENS[header.variant]
            self.prefix = PrefixReader(self.plain, _same, _same)
        return self._stats(header.fingerprint, number), header.date, header.body

    def _stats(self, fingerprint: Fingerprint, number: int) -> FormStats:
        stats = self.forms.get(fingerprint)
        if stats is None:
            stats = self.forms[fingerprint] = FormStats(fingerprint, number)
        return stats


def _same(value: V) -> V:
    return value


def _new_header(line: bytes, variant: str | None) -> Header | None:
    header = match_header(line, variant)
    if header is None or header.time.since_midnight is None or not header.date.fits_either:
        return None  # a date or time that exists in no reading (31/31/2023, 25:00) is not a header
    return header


def _not_a_chat(where: str, number: int) -> InputError:
    return InputError(
        "this does not look like a WhatsApp chat export: a message line starts with a date and time "
        "(like '22/01/2023, 18:30 - Sam: hello'), and this one does not; if the file comes from another "
        "app, choose it with --source.",
        where,
        number,
    )


def _decide(forms: dict[Fingerprint, FormStats], where: str, member: str, option: str | None) -> ChatFacts:
    main = max(forms.values(), key=lambda stats: (stats.lines, -stats.first_line))
    order, rule, reason = _date_order(main, where, option)
    orders = {fp: _other_order(stats, order) for fp, stats in forms.items()}
    orders[main.fingerprint] = order
    example = question = None
    if main.example is not None and order != "ymd":
        example = main.example.text
        question = _question(main.example, order)
    return ChatFacts(
        member=member,
        variant=main.fingerprint[0],
        token=TOKENS[main.fingerprint[0]],
        fingerprint=main.fingerprint,
        date_order=order,
        date_rule=rule,
        date_reason=reason,
        example=example,
        question=question,
        orders=orders,
        participants=main.participants(),
        header_lines=sum(stats.lines for stats in forms.values()),
        option=option,
    )


def _date_order(stats: FormStats, where: str, option: str | None) -> tuple[str, str, str | None]:
    """Rules 1-4 of the design for the file's own way of writing headers."""
    if stats.fingerprint[1].startswith("ymd"):
        return "ymd", "year first", None
    if option in ("dmy", "mdy"):
        misfit = stats.mdy_only_line if option == "dmy" else stats.dmy_only_line
        if misfit is not None:
            raise InputError(
                f"this date cannot be read as {_spelled(option)}, which --date-order {option} asks for; "
                "check the order and import again.",
                where,
                misfit,
            )
        return option, "option", None
    if option is not None:
        raise InputError(
            f"--date-order {option} does not fit: the dates here do not start with the year.", where
        )
    if stats.dmy_only_line is not None and stats.mdy_only_line is not None:
        earlier = min(stats.dmy_only_line, stats.mdy_only_line)
        raise InputError(
            f"the dates in this chat are written in two different orders (line {earlier} can only be read "
            "one way and this line only the other); an export from WhatsApp uses one order throughout, so "
            "this file may have been changed: keep it as it is and ask for help checking it.",
            where,
            max(stats.dmy_only_line, stats.mdy_only_line),
        )
    if stats.dmy_only_line is not None or stats.mdy_only_line is not None:
        return ("dmy" if stats.dmy_only_line is not None else "mdy"), "1", None
    for rule, (day_first, month_first) in (("2", stats.decreases), ("3", stats.changes)):
        if day_first != month_first:
            return ("dmy" if day_first > month_first else "mdy"), rule, None
    order, reason = order_hint(stats.fingerprint)
    return order, "4", reason


def _other_order(stats: FormStats, file_order: str) -> str:
    """The order for a header written another way than the file's: its own evidence, else the file's."""
    if stats.fingerprint[1].startswith("ymd"):
        return "ymd"
    if (stats.dmy_only_line is None) != (stats.mdy_only_line is None):
        return "dmy" if stats.dmy_only_line is not None else "mdy"
    return file_order if file_order != "ymd" else order_hint(stats.fingerprint)[0]


def _spelled(order: str) -> str:
    return {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year/month/day"}[order]


def _question(example: DateText, order: str) -> str:
    day, month = (example.first, example.second) if order == "dmy" else (example.second, example.first)
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"Is {example.text} the {day}{suffix} of {MONTHS[month - 1]}?"
