"""Cutting an mbox file into messages, with each message's exact bytes, offset and first line.

Python's `mailbox.mbox` starts a new message at any line beginning "From " (CPython gh-93376), so a body
line such as "From what I saw…" splits a message in two. Here a message starts only at a `From ` line
that opens the file or follows a blank line, and that looks like an envelope line (a sender and an
asctime-style date). Every other `From ` and `>From ` line stays in the body, exactly as found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from stalkproof.errors import InputError

BLOCK = 1024 * 1024
MAX_MESSAGE = 512 * 1024 * 1024
# "From sam@example.com Sat Jan 22 18:30:00 2023"; Takeout: "From 1755…@xxx Sat Jan 22 18:30:00 +0000 2023"
ENVELOPE = re.compile(
    rb"From (?P<sender>\S+) +"
    rb"(?P<date>[^\r\n]*?\d{1,2} \d\d:\d\d(?::\d\d)?(?: [^\r\n]*?)? \d{4})[ \t]*\r?\n?\Z"
)
_SEPARATOR = b"\nFrom "


@dataclass(frozen=True, slots=True)
class Span:
    """One message's bytes as they lie in the file, with its envelope (`From_`) line when it has one.
    `last` is set on the final span of the file."""

    offset: int
    line: int
    raw: bytes
    envelope: re.Match[bytes] | None
    last: bool


def envelope_of(raw: bytes) -> re.Match[bytes] | None:
    """The envelope line at the start of `raw`, if its first line is one."""
    end = raw.find(b"\n")
    first = raw if end == -1 else raw[: end + 1]
    return ENVELOPE.match(first) if first.startswith(b"From ") else None


class MboxSplitter:
    """Reads a block at a time, keeping only the message being cut, so memory is one message."""

    def __init__(self, stream: IO[bytes], where: str) -> None:
        self.stream, self.where = stream, where
        self.buffer = bytearray()
        self.base = 0  # file offset of buffer[0]
        self.eof = False

    def __iter__(self) -> Iterator[Span]:
        self._fill()
        if not self.buffer:
            return
        start, scan, line = 0, 1, 1
        while True:
            found = self.buffer.find(_SEPARATOR, scan)
            if found == -1 or self.buffer.find(b"\n", found + 1) == -1:
                if self.eof:
                    if found == -1 or not self._is_boundary(found):
                        yield self._span(start, len(self.buffer), line, last=True)
                        return
                else:
                    start, scan = self._refill(start, found if found != -1 else len(self.buffer) - 6)
                    continue
            if self._is_boundary(found):
                span = self._span(start, found + 1, line, last=False)
                yield span
                line += span.raw.count(b"\n")
                start = found + 1
            scan = found + 1

    def _is_boundary(self, newline: int) -> bool:
        """A `From ` line after a blank line, shaped like an envelope line."""
        before = self.buffer[newline - 1 : newline]
        blank = before == b"\n" or (before == b"\r" and self.buffer[newline - 2 : newline - 1] == b"\n")
        if not blank:
            return False
        end = self.buffer.find(b"\n", newline + 1)
        line = self.buffer[newline + 1 : end + 1 if end != -1 else len(self.buffer)]
        return ENVELOPE.match(line) is not None

    def _span(self, start: int, end: int, line: int, last: bool) -> Span:
        raw = bytes(self.buffer[start:end])
        return Span(self.base + start, line, raw, envelope_of(raw), last)

    def _refill(self, start: int, scan: int) -> tuple[int, int]:
        """Drop what is done, read the next block, and return the new (start, scan) positions."""
        del self.buffer[:start]
        self.base += start
        scan = max(1, scan - start)
        if len(self.buffer) > MAX_MESSAGE:
            raise InputError(
                f"the message starting at byte {self.base:,} is over {MAX_MESSAGE // 1024**2} MiB long; this "
                "is not a mailbox stalkproof can read past this point.",
                self.where,
            )
        self._fill()
        return 0, scan

    def _fill(self) -> None:
        block = self.stream.read(BLOCK)
        if block:
            self.buffer += block
        else:
            self.eof = True
