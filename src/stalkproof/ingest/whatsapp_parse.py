"""Turning one WhatsApp chat file into records, one message at a time. This is the hot loop of the
benchmark (section 6 of the design: 500,000 messages a second), so it trades a little elegance for speed
in two places, each explained where it happens: header prefixes are looked up rather than parsed, and a
time (with its When and identity counter) is worked out once per minute and shared.

A line that cannot start a header (its first byte is not a digit, "[", or the start of U+200E or of a
BOM) is a continuation line and costs one set lookup. Everything rare (notices, media, deleted and
edited markers, forged-header checks, warnings) lives in whatsapp_notes.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import IO

from stalkproof.errors import InputError
from stalkproof.ingest.base import Context, Origin, Record, When
from stalkproof.ingest.lines import decode
from stalkproof.ingest.whatsapp_grammar import (
    CACHE_LIMIT,
    STARTERS,
    DateText,
    PrefixReader,
    TimeText,
    match_header,
)
from stalkproof.ingest.whatsapp_notes import CHANNEL, LRM, Author, ChatNotes, ChatSetup
from stalkproof.ingest.whatsapp_scan import LineBlocks

NL = b"\n"
CR = b"\r"
RECENT_MINUTES = 256  # covers a repeated hour at the end of summer time
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


class Ordinals:
    """`n` in the identity counts the earlier records with the same (sender, time, text, files). Counts are
    kept per time, for the last RECENT_MINUTES distinct times (and for as long as a cached stamp holds
    them), so memory does not grow with the file. A time that comes back after it was forgotten (the clock
    went back further than that) counts from a new base: its records may then fail to match another
    export (duplicates), but can never be taken for one another (losses)."""

    def __init__(self) -> None:
        self.recent: dict[str, tuple[int, Counts]] = {}
        self.newest_forgotten = ""
        self.revisits = 0

    def at(self, iso: str) -> tuple[int, Counts]:
        kept = self.recent.get(iso)
        if kept is None:
            base = 0
            if iso <= self.newest_forgotten:
                self.revisits += 1
                base = self.revisits * REVISIT_BASE
            kept = self.recent[iso] = (base, {})
            if len(self.recent) >= 2 * RECENT_MINUTES:
                self._forget_oldest()
        return kept

    def _forget_oldest(self) -> None:
        """Keep the RECENT_MINUTES newest times (forgetting in batches keeps this cheap per record)."""
        times = list(self.recent)
        forgotten, kept = times[:-RECENT_MINUTES], times[-RECENT_MINUTES:]
        self.newest_forgotten = max(self.newest_forgotten, *forgotten)
        self.recent = {iso: self.recent[iso] for iso in kept}


class ChatParser:
    """Reads one chat file; create one per pass."""

    def __init__(self, setup: ChatSetup, ctx: Context) -> None:
        self.setup = setup
        self.facts = setup.facts
        self.notes = ChatNotes(setup, ctx)
        self.stamps: dict[bytes, Stamp] = {}
        self.whole = setup.markers.whole
        self.authors = self.notes.authors
        self.long_names = sorted((name for name in self.authors if b": " in name), key=len, reverse=True)
        self.prefix = PrefixReader((*self.facts.fingerprint[:6], False), self._on_date, self._on_time)
        self.token = self.facts.token
        self.ios = self.facts.variant == "ios"
        # The previous record, for the forged-header checks (line 0: there is none yet).
        self.previous_at = datetime.min
        self.previous_line = 0
        self.previous_first = b""
        self.ordinals = Ordinals()

    def parse(self, stream: IO[bytes]) -> Iterator[Record]:
        """The chat's records in file order, with the date-order and export-cap warnings around them."""
        self.notes.announce_date_order()
        reader = LineBlocks(stream, self.setup.label)
        stamps, starters, token, finish = self.stamps, STARTERS, self.token, self._finish
        width = 0  # the length of the last header prefix: the next header usually has the same
        first: bytes | None = None  # the first line of the record being read
        extra: list[bytes] | None = None  # its further lines
        stamp: Stamp | None = None
        number = 0  # lines before that record
        offset = 0  # bytes before that record
        count = 0
        for block in reader:
            for line in block:
                if line[:1] in starters:
                    found = stamps.get(line[:width])
                    if found is None:
                        pos = line.find(token, 0, 64)
                        found = stamps.get(line[: pos + len(token)]) if pos > 0 else None
                        if found is None:
                            current = (
                                number + 1 if first is None else number + 2 + (len(extra) if extra else 0)
                            )
                            found = self._stamp(line, pos, current)
                        if found is not None:
                            width = found[3]
                    if found is not None:
                        if first is not None and stamp is not None:
                            record = finish(first, extra, stamp, number, offset, True)
                            if not count:
                                self.notes.first = record
                            count += 1
                            yield record
                            number += 1 if extra is None else 1 + len(extra)
                            offset += len(record.raw)
                        first, extra, stamp = line, None, found
                        continue
                if first is None:
                    number, offset = self.notes.before_first(line, number, offset)
                elif extra is None:
                    extra = [line]
                else:
                    extra.append(line)
        if first is not None and stamp is not None:
            record = finish(first, extra, stamp, number, offset, not reader.unterminated)
            if not count:
                self.notes.first = record
            self.notes.records = count + 1
            yield record
        self.notes.check_cap()

    def _finish(
        self,
        first: bytes,
        extra: list[bytes] | None,
        stamp: Stamp,
        number: int,
        offset: int,
        terminated: bool,
    ) -> Record:
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
            names = tuple(attachment.name for attachment in attachments)
        else:
            kind, markers, attachments, details, names = "message", author.markers, (), None, ()
        if (
            at < self.previous_at or not conforms or (author is not None and not author.confirmed)
        ) and self.previous_line:
            markers, details = self.notes.ambiguous(
                (self.previous_at, self.previous_line, self.previous_first),
                first,
                at,
                conforms,
                author,
                number + 1,
                offset,
                markers,
                details,
            )
        self.previous_at, self.previous_line, self.previous_first = at, number + 1, first
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

    def _stamp(self, line: bytes, pos: int, number: int) -> Stamp | None:
        """A line that may be a header but whose prefix is not cached yet. Written the file's way, its date
        and time come from the prefix reader's caches; otherwise the full grammar reads it."""
        token_end = pos + len(self.token)
        parts = self.prefix.read(line[:pos]) if pos > 0 else None
        if parts is not None:
            (midnight, day_iso), (since_midnight, time_iso, precision) = parts
            at = midnight + since_midnight
            when = When(at, precision, line[self.prefix.lead : pos].decode())
            iso = day_iso + "T" + time_iso
            stamp = (when, at, iso, token_end, True, self.ios, *self.ordinals.at(iso))
            if len(self.stamps) >= CACHE_LIMIT:
                self.stamps.clear()
            self.stamps[line[:token_end]] = stamp
            return stamp
        return self._other_stamp(line, number)

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
        return (when, at, iso, header.body, conforms, header.variant == "ios", *self.ordinals.at(iso))

    def _on_date(self, written: DateText) -> tuple[datetime, str] | None:
        day = written.on(self.facts.date_order)
        return None if day is None else (datetime(day.year, day.month, day.day), day.isoformat())

    @staticmethod
    def _on_time(written: TimeText) -> tuple[timedelta, str, str] | None:
        if written.since_midnight is None:
            return None
        return timedelta(seconds=written.since_midnight), written.iso, written.precision

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
