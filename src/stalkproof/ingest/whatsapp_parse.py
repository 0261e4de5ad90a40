"""Turning one WhatsApp chat file into records, one message at a time. This is the hot loop of the
benchmark (section 6 of the design: 500,000 messages a second), so it trades elegance for speed in places,
each explained where it happens: header prefixes are looked up rather than parsed, a time (with its When and
identity counter) is worked out once per minute and shared, and the two common cases (a new minute written
the file's way, and an ordinary message) are handled inline in the loop rather than by a call.

A line whose prefix is not a cached header and that cannot start one (its first byte is not a digit, "[",
or the start of U+200E or of a BOM) is a continuation line. Every record can be built by `_finish`, and
everything rare (notices, media, deleted and edited markers, forged-header checks, warnings) lives in
whatsapp_notes.py.

`ChatParser.parse_python` is the reference loop. `ChatParser.parse` runs its compiled twin
(_whatsapp_fast.pyx, about twice as fast, see whatsapp_compiled.py) when it is built, which calls back into
this class for everything but the two inline cases, so a change to the loop is made in both.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import islice
from typing import IO

from stalkproof.errors import InputError
from stalkproof.ingest.base import Context, Origin, Record, When
from stalkproof.ingest.lines import decode
from stalkproof.ingest.whatsapp_compiled import compiled_parse
from stalkproof.ingest.whatsapp_grammar import (
    CACHE_LIMIT,
    STARTERS,
    UNSEEN,
    DateText,
    PrefixReader,
    TimeText,
    match_header,
)
from stalkproof.ingest.whatsapp_notes import CHANNEL, LRM, Author, ChatNotes, ChatSetup
from stalkproof.ingest.whatsapp_scan import LineBlocks

NL = b"\n"
CR = b"\r"
NAME_END = b": "
RECENT_MINUTES = 256  # covers a repeated hour at the end of summer time
HOT_STAMPS = 64  # stamps kept built (see ChatParser.counted)
FORGET_AT = 2 * RECENT_MINUTES
MAX_SAME_MINUTE = 65_536
REVISIT_BASE = 1_000_000

# A stamp is a header's time, worked out once and shared by every message whose header starts with the
# same bytes (a plain tuple, as one is built for every new minute of the file):
#   (when, at, iso, body, conforms, ios, base, counts)
# iso: the time in ISO form at its precision (part of the identity); body: where NAME or the notice
# begins; conforms: written like the file's other headers; ios: an iOS header; base and counts: how the
# identity's `n` is counted at this time (see Ordinals).
Counts = dict[int, int]
Stamp = tuple[When, datetime, str, int, bool, bool, int, Counts]

# Records, origins and times are made with object.__new__ and direct slot assignment: it skips the
# dataclass __init__ call, which costs more than the rest of an ordinary message's work together. Every
# field is assigned (test_fast_records_equal_records_built_the_usual_way checks it against the dataclass).
_new = object.__new__


class Ordinals:
    """`n` in the identity counts the earlier records with the same (sender, time, text, files). Counts are
    kept per time, for the last RECENT_MINUTES distinct times (and for as long as a cached stamp holds
    them), so memory does not grow with the file. A time that comes back after it was forgotten (the clock
    went back further than that) counts from a new base: its records may then fail to match another
    export (duplicates), but can never be taken for one another (losses).

    `recent` is changed in place (the parse keeps a reference), and `newest` lets the parse count a time
    later than any before without asking: it is new, so its base is 0 and it needs no entry in `bases`
    (see `ChatParser.parse`). Keeping the counts themselves in `recent` spares a tuple per minute, which
    the garbage collector would otherwise have to look at."""

    def __init__(self) -> None:
        self.recent: dict[str, Counts] = {}
        self.bases: dict[str, int] = {}  # the times in `recent` whose base is not 0
        self.newest = ""  # the latest time counted so far
        self.newest_forgotten = ""
        self.revisits = 0

    def at(self, iso: str) -> tuple[int, Counts]:
        counts = self.recent.get(iso)
        if counts is not None:
            return self.bases.get(iso, 0), counts
        base = 0
        if iso <= self.newest_forgotten:
            self.revisits += 1
            base = self.bases[iso] = self.revisits * REVISIT_BASE
        counts = self.recent[iso] = {}
        self.newest = max(self.newest, iso)
        if len(self.recent) >= FORGET_AT:
            self.forget_oldest()
        return base, counts

    def forget_oldest(self) -> None:
        """Keep the RECENT_MINUTES newest times (forgetting in batches keeps this cheap per record)."""
        forgotten = list(islice(self.recent, len(self.recent) - RECENT_MINUTES))
        self.newest_forgotten = max(self.newest_forgotten, *forgotten)
        for iso in forgotten:
            del self.recent[iso]
        if self.bases:  # usually empty: only a time that came back after it was forgotten has a base
            for iso in forgotten:
                self.bases.pop(iso, None)


class ChatParser:
    """Reads one chat file; create one per pass."""

    def __init__(self, setup: ChatSetup, ctx: Context) -> None:
        self.setup = setup
        self.facts = setup.facts
        self.notes = ChatNotes(setup, ctx)
        # Header prefixes are cached CACHE_LIMIT at a time, then all forgotten at once, and a cached prefix
        # goes on counting its identities with the counts it was cached with (see Ordinals). `counted`
        # holds those counts; built stamps are kept only for the last HOT_STAMPS prefixes, as thousands of
        # them alive at once (one is built every other message) kept the garbage collector busy. A prefix
        # still counted gets its stamp built again, equal to the one it had.
        self.stamps: dict[bytes, Stamp] = {}
        self.counted: dict[bytes, Counts] = {}
        self.counted_bases: dict[bytes, int] = {}  # those whose base is not 0
        self.whole = setup.markers.whole
        self.authors = self.notes.authors
        self.long_names = sorted((name for name in self.authors if b": " in name), key=len, reverse=True)
        self.prefix = PrefixReader((*self.facts.fingerprint[:6], False), self._on_date, self._on_time)
        self.lead, self.joiner = self.prefix.lead, self.prefix.joiner
        self.dates, self.times = self.prefix.dates, self.prefix.times
        # The date part of the last new stamp ("22/01/2023, ", "[19.04.17, ") and its length, its midnight,
        # ISO form and text as found ("22/01/2023, "); the first header's is not known yet, so this part
        # is longer than any (then `parse` asks `_stamp`).
        self.day: tuple[bytes, int, datetime, str, str] = (b"", 99, datetime.min, "", "")
        self.token = self.facts.token
        self.ios = self.facts.variant == "ios"
        self.ordinals = Ordinals()

    def parse(self, stream: IO[bytes]) -> Iterator[Record]:
        """The chat's records in file order, with the date-order and export-cap warnings around them: from
        the compiled loop when it is built (whatsapp_compiled.py), which gives the same records, identities,
        warnings and errors, otherwise from `parse_python`."""
        compiled = compiled_parse()
        return compiled(self, stream) if compiled is not None else self.parse_python(stream)

    def parse_python(self, stream: IO[bytes]) -> Iterator[Record]:
        """The reference loop (_whatsapp_fast.pyx follows it step for step: change both together).

        One long function on purpose: a message costs about three microseconds in all, and a call per
        message, or per new minute, would add 5% each. A record is finished when the next header shows
        where it ends; `_finish` can build every record, the inline branch builds ordinary ones (a known
        participant's plain text under a header like the file's others). A header whose minute is new,
        written the file's way on the last new stamp's date, gets its stamp inline too (as `_new_stamp`
        and `_counts` would build it); `_stamp` handles every header."""
        self.notes.announce_date_order()
        reader = LineBlocks(stream, self.setup.label)
        stamps, ordinals, finish = self.stamps, self.ordinals, self._finish
        counted, counted_bases = self.counted, self.counted_bases
        lookup, times, recent = stamps.get, self.times.get, ordinals.recent
        starters, token, token_length = STARTERS, self.token, len(self.token)
        authors, whole, ios_file = self.authors.get, self.whole, self.ios
        thread, member, long_names = self.setup.thread, self.setup.origin_member, bool(self.long_names)
        record_type, origin_type, when_type = Record, Origin, When
        day_head, day_length, midnight, day_iso, day_found = self.day
        width = 0  # the length of the last header prefix: the next header usually has the same
        first: bytes | None = None  # the first line of the record being read
        extra: list[bytes] | None = None  # its further lines
        stamp: Stamp | None = None
        previous: Record | None = None  # the record before it, for the forged-header checks
        previous_stamp: Stamp | None = None
        plain_stamp = False  # the record's stamp allows the inline branch
        new_counts: Counts
        number = 0  # lines before that record
        offset = 0  # bytes before that record
        count = 0
        for block in reader:
            crlf = reader.carriage_returns  # no "\r" read yet: no text can end with one
            for line in block:
                found = lookup(key := line[:width])
                if found is None and line[:1] in starters:
                    pos = line.find(token, 0, 64)
                    if pos > 0 and pos + token_length != width:
                        found = lookup(key := line[: pos + token_length])
                    if (
                        found is None
                        and day_length <= pos
                        and key.startswith(day_head)
                        and (clock := times(key[day_length:pos])) is not None
                    ):
                        # Names of their own: when, at, iso... still hold the stamp of the record being read.
                        new_at = midnight + clock[0]
                        new_when = _new(when_type)
                        new_when.at = new_at
                        new_when.precision = clock[2]
                        new_when.found = day_found + clock[3]
                        new_when.zone = None
                        new_iso = day_iso + clock[1]
                        counts_kept = counted.get(key)
                        if counts_kept is not None:
                            new_base, new_counts = counted_bases.get(key, 0), counts_kept
                        else:
                            if new_iso > ordinals.newest:  # as Ordinals.at, for a time later than any before
                                ordinals.newest = new_iso
                                new_base, new_counts = 0, {}
                                recent[new_iso] = new_counts
                                if len(recent) >= FORGET_AT:
                                    ordinals.forget_oldest()
                            else:
                                new_base, new_counts = ordinals.at(new_iso)
                            if len(counted) >= CACHE_LIMIT:
                                self._forget_prefixes()
                            counted[key] = new_counts
                            if new_base:
                                counted_bases[key] = new_base
                        found = (new_when, new_at, new_iso, len(key), True, ios_file, new_base, new_counts)
                        if len(stamps) >= HOT_STAMPS:
                            stamps.clear()
                        stamps[key] = found
                    if found is None:
                        found = self._stamp(line, key, pos, self._line_number(first, extra, number))
                        day_head, day_length, midnight, day_iso, day_found = self.day
                    if found is not None:
                        width = found[3]
                if found is None:
                    if first is None:
                        number, offset = self.notes.before_first(line, number, offset)
                    elif extra is None:
                        extra = [line]
                    else:
                        extra.append(line)
                    continue
                if first is None or stamp is None:
                    first, stamp = line, found
                    continue
                # The record from `first` on is complete. A stamp shared with the record before has its
                # time, so it can be neither earlier nor written differently (checks (a) and (b)).
                if stamp is not previous_stamp:
                    when, at, iso, body, conforms, ios, base, counts = stamp
                    plain_stamp = conforms and not long_names and not (previous and at < previous.when.at)
                record = None
                colon = first.find(NAME_END, body) if plain_stamp else -1
                author = authors(first[body:colon]) if colon > 0 else None
                if author is not None:
                    joined = first if extra is None else NL.join([first, *extra])
                    text_bytes = joined[colon + 2 :]
                    if crlf and text_bytes[-1:] == CR:
                        text_bytes = text_bytes[:-1]
                    try:
                        text = text_bytes.decode()
                        plain = not (  # as in `_finish`
                            text in whole
                            or "<" in text
                            or ("(" in text if not ios else (LRM in text or "‹" in text))
                        )
                    except UnicodeDecodeError:
                        plain = False  # `_finish` reads it again and reports the bad line
                    if plain:
                        identity_key = hash(text) ^ author.salt  # as in `_finish`
                        n = counts.get(identity_key, 0) if counts else 0
                        if n or len(counts) < MAX_SAME_MINUTE:
                            counts[identity_key] = n + 1
                            raw = joined + NL
                            origin = _new(origin_type)
                            origin.member = member
                            origin.offset = offset
                            origin.length = length = len(raw)
                            origin.line = number + 1
                            origin.end_line = number + 1 if extra is None else number + 1 + len(extra)
                            origin.path = None
                            record = _new(record_type)
                            record.kind = "message"
                            record.channel = CHANNEL
                            record.when = when
                            record.thread = thread
                            record.sender = author.handle
                            record.recipients = author.recipients
                            record.text = text
                            record.origin = origin
                            record.raw = raw
                            record.identity = (author.identifier, iso, text, (), n + base)
                            record.attachments = ()
                            record.markers = author.markers
                            record.details = None
                if record is None:
                    record = finish(first, extra, stamp, number, offset, True, previous)
                    length = len(record.raw)
                if not count:
                    self.notes.first = record
                count += 1
                yield record
                previous, previous_stamp = record, stamp
                number += 1 if extra is None else 1 + len(extra)
                offset += length
                first, extra, stamp = line, None, found
        if first is not None and stamp is not None:
            record = finish(first, extra, stamp, number, offset, not reader.unterminated, previous)
            if not count:
                self.notes.first = record
            self.notes.records = count + 1
            yield record
        self.notes.check_cap()

    @staticmethod
    def _line_number(first: bytes | None, extra: list[bytes] | None, number: int) -> int:
        """The number of the line being read, from the lines of the record before it."""
        return number + 1 if first is None else number + 2 + (len(extra) if extra else 0)

    def _finish(
        self,
        first: bytes,
        extra: list[bytes] | None,
        stamp: Stamp,
        number: int,
        offset: int,
        terminated: bool,
        previous: Record | None,
    ) -> Record:
        """Any record: every check, note and warning (`previous` is the record before, if any)."""
        when, at, iso, body, conforms, ios, base, counts = stamp
        colon = first.find(b": ", body)
        author = self.authors.get(first[body:colon]) if colon > 0 else None
        if self.long_names:
            author, colon = self._long_name(first, body, author, colon)
        if author is None and colon > 0:
            author = self.notes.stranger(first[body:colon], number + 1)
        start = colon + 2 if author is not None else body
        if extra is None:
            raw = first + NL if terminated else first
            end_line = number + 1
            text_bytes = first[start:-1] if first[-1:] == CR else first[start:]
        else:
            raw = NL.join([first, *extra])
            end_line = number + 1 + len(extra)
            text_bytes = raw[start:-1] if raw[-1:] == CR else raw[start:]
            if terminated:
                raw += NL
        try:
            text = text_bytes.decode()
        except UnicodeDecodeError:
            raise self._not_utf8(raw, number + 1) from None
        # Only these can hold the export's own words: media, deleted, edited (Android), and U+200E notices,
        # media and "‹attached>" (iOS).
        if (
            author is None
            or text in self.whole
            or "<" in text
            or ("(" in text if not ios else (LRM in text or "‹" in text))
        ):
            kind, markers, attachments, details, author = self.notes.special(text, author, ios, number + 1)
            names = tuple([attachment.name for attachment in attachments]) if attachments else ()
        else:
            kind, markers, attachments, details, names = "message", author.markers, (), None, ()
        if previous is not None and (
            at < previous.when.at or not conforms or (author is not None and not author.confirmed)
        ):
            markers, details = self.notes.ambiguous(
                (previous.when.at, previous.origin.line or 0, _first_line(previous.raw)),
                first,
                at,
                conforms,
                author,
                number + 1,
                offset,
                markers,
                details,
            )
        # The counts are per time already; a collision of this key only shifts n (a duplicate, never a loss).
        if author is not None:
            sender_id = author.identifier
            key = hash(text) ^ author.salt
        else:
            sender_id, key = None, hash(text)
        if names:
            key ^= hash(names)
        n = counts.get(key, 0)
        if not n and len(counts) >= MAX_SAME_MINUTE:
            raise self._too_many(iso, number + 1)
        counts[key] = n + 1
        return Record(
            kind,
            CHANNEL,
            when,
            self.setup.thread,
            author.handle if author is not None else None,
            author.recipients if author is not None else (),
            text,
            Origin(self.setup.origin_member, offset, len(raw), number + 1, end_line),
            raw,
            (sender_id, iso, text, names, n + base),
            attachments,
            markers,
            details,
        )

    def _too_many(self, iso: str, number: int) -> InputError:
        return InputError(
            f"this chat has more than {MAX_SAME_MINUTE:,} messages at {iso}; WhatsApp cannot send that many "
            "in one minute, so this is not an export stalkproof can read safely.",
            self.setup.label,
            number,
        )

    def _stamp(self, line: bytes, key: bytes, pos: int, number: int) -> Stamp | None:
        """A line that may be a header but whose prefix is not cached. `pos` is where its token starts
        (not above 0: there is none) and `key` the line up to the token's end. Written the file's way, its
        date and time come from the prefix reader's caches (the same stamp as `parse` builds inline);
        otherwise the full grammar reads it."""
        if pos > 0:
            found = self._new_stamp(key, pos)
            if found is not None:
                return found
        return self._other_stamp(line, number)

    def _new_stamp(self, key: bytes, pos: int) -> Stamp | None:
        """The stamp of a prefix `key` whose token starts at `pos`, if its date and time are written the
        file's way (read once each, then cached by the prefix reader)."""
        lead, joiner, prefix = self.lead, self.joiner, self.prefix
        if lead and key[:1] != b"[":
            return None
        cut = key.find(joiner, lead, pos)
        if cut < 0:
            return None
        day = self.dates.get(key[lead:cut], UNSEEN)
        if day is UNSEEN:
            day = prefix.learn_date(key[lead:cut])
        clock = self.times.get(key[cut + len(joiner) : pos], UNSEEN)
        if clock is UNSEEN:
            clock = prefix.learn_time(key[cut + len(joiner) : pos])
        if day is None or clock is None:
            return None
        # The date of the last new stamp, for `parse`: the next one is usually on the same day.
        head = key[: cut + len(joiner)]
        self.day = (head, len(head), day[0], day[1], head[lead:].decode())
        at = day[0] + clock[0]
        when = When(at, clock[2], key[lead:pos].decode())
        iso = day[1] + clock[1]
        base, counts = self._counts(key, iso)
        stamp = (when, at, iso, len(key), True, self.ios, base, counts)
        if len(self.stamps) >= HOT_STAMPS:
            self.stamps.clear()
        self.stamps[key] = stamp
        return stamp

    def _counts(self, key: bytes, iso: str) -> tuple[int, Counts]:
        """The base and counts of a header prefix written the file's way: those it was cached with, while
        it is; otherwise the time's, and the prefix is cached."""
        counts = self.counted.get(key)
        if counts is not None:
            return self.counted_bases.get(key, 0), counts
        base, counts = self.ordinals.at(iso)
        if len(self.counted) >= CACHE_LIMIT:
            self._forget_prefixes()
        self.counted[key] = counts
        if base:
            self.counted_bases[key] = base
        return base, counts

    def _forget_prefixes(self) -> None:
        self.counted.clear()
        self.counted_bases.clear()
        self.stamps.clear()

    def _other_stamp(self, line: bytes, number: int) -> Stamp | None:
        """The full grammar, for a header written another way than the file's (or a new date or time in
        a day/month order that does not fit it)."""
        header = match_header(line, self.facts.variant)
        if header is None:
            return None
        order = self.facts.orders.get(header.fingerprint, self.facts.date_order)
        day, since_midnight = header.date.on(order), header.time.since_midnight
        if day is None or since_midnight is None:
            self.notes.impossible_date(line, header.found, number)
            return None
        at = datetime(day.year, day.month, day.day) + timedelta(seconds=since_midnight)
        when = When(at, header.time.precision, header.found)
        conforms = header.fingerprint == self.facts.fingerprint
        iso = f"{day.isoformat()}T{header.time.iso}"
        base, counts = self.ordinals.at(iso)
        return (when, at, iso, header.body, conforms, header.variant == "ios", base, counts)

    def _on_date(self, written: DateText) -> tuple[datetime, str] | None:
        day = written.on(self.facts.date_order)
        return None if day is None else (datetime(day.year, day.month, day.day), day.isoformat())

    @staticmethod
    def _on_time(written: TimeText) -> tuple[timedelta, str, str, str] | None:
        """The time's offset from midnight, "T" and its ISO form (the end of an ISO date-time), precision,
        and the time as written."""
        if written.since_midnight is None:
            return None
        return timedelta(seconds=written.since_midnight), "T" + written.iso, written.precision, written.text

    def _long_name(
        self, first: bytes, body: int, author: Author | None, colon: int
    ) -> tuple[Author | None, int]:
        """Participants whose names contain ": " win over a shorter name that matches at the first colon."""
        for name in self.long_names:
            if first.startswith(name + b": ", body):
                return self.authors[name], body + len(name)
        return author, colon

    def _not_utf8(self, raw: bytes, number: int) -> InputError:
        for index, line in enumerate(raw.split(NL)):
            decode(line, self.setup.label, number + index)
        return InputError(
            "this is not UTF-8 text; an export from the app is always UTF-8.", self.setup.label, number
        )


def _first_line(raw: bytes) -> bytes:
    """A record's first line, without its line end (as quoted in the forged-header warnings)."""
    end = raw.find(NL)
    return raw if end < 0 else raw[:end]
