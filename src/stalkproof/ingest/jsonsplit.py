"""The elements of the big arrays in a JSON export, one at a time, each with its exact bytes and lines.

Chat exports (Telegram, Facebook/Messenger, Instagram, X, Discord, Snapchat, Google Chat) are JSON
documents whose bulk is one or more arrays of messages. Loading a document whole would need gigabytes for
a large account, so this module streams the elements of the arrays the caller names, in file order.

Usage::

    targets = [("messages",), ("chats", "list", "*", "messages")]
    for element in iter_elements(member, inp.where(member), targets, ctx):
        element.value      # the decoded element (dict, list, str, int, float, bool or None)
        element.raw        # its exact bytes in the file, from its "{" to its "}" (no indentation, no comma)
        element.offset     # byte offset of raw[0] in the member; element.line / end_line: its lines
        element.path       # "chats.list[3].messages[17]": element.array, then [element.index]
        element.container  # the object holding the array, as read before it (chat name, participants...)
        element.canonical  # True when raw is canonical JSON rather than the file's bytes (see below)

A target is a tuple of keys from the root; "*" stands for any array index and () for a root array.
`iter_element_runs` gives the same elements in lists of consecutive ones, for sources that read millions.

**Pretty-printed documents** (what the apps write) are split at C speed. A raw newline cannot occur inside
a JSON string, so every line break is outside strings and each element of a pretty-printed array starts
with a line `I{` and ends with a line `I}` or `I},` at the same indentation `I`. The lines outside those
arrays (the *skeleton*: chat headers, participants) are read in Python and tracked token by token to find
the target arrays; inside one, element ends are found with `bytes.find(b"\\n" + I + b"}")` and each element
is decoded with `orjson.loads` on exactly its bytes, so `raw == member_bytes[offset:offset + len(raw)]`.
A split in the wrong place cannot go unnoticed: the first `}` that balances an element's `{` is its end,
and orjson refuses a slice that is not exactly one value. At the end the skeleton, with the target
arrays emptied, must itself parse as JSON, so the whole document has been checked. The loop over the
elements has a compiled twin (_json_fast.pyx, chosen in json_compiled.py), which takes the same elements.

**Anything else** (a minified file, one element per line, a line over 1 MiB outside the arrays, an
element over 64 MiB, inconsistent indentation) is read again from the start with ijson's C backend, and
the elements already given are skipped, so the caller sees one uninterrupted sequence. Those elements
have no byte span: `offset` and `line` are None, `path` locates them, and `raw` is the canonical form
`orjson.dumps(value, option=OPT_SORT_KEYS)` with `canonical` True (record it as `raw: canonical-json`).

Limits, none of which the exports read here run into: orjson gives integers below -2**63 or from 2**64
on as floats (ijson keeps them exact). A lone UTF-16 surrogate escape ("\\ud83d" without its pair)
becomes U+FFFD in pretty files and "?" under ijson's C backend; either way a `lone_surrogate` warning
says so, and in pretty files `raw` still holds the escape as written.

A file that stops inside an element raises "PATH, line N: the file ends in the middle of message 18,233;
the export is incomplete (download it again)."

`MemberIndex` (at the end) finds the media files an export's JSON names, inside the same folder or zip.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import IO, Any

import ijson
import orjson

from stalkproof.errors import InputError
from stalkproof.ingest.base import Context, Origin
from stalkproof.ingest.inputs import Input, Member
from stalkproof.ingest.json_compiled import compiled_collect

Target = tuple[str, ...]
ANY_INDEX = "*"
BLOCK = 1024 * 1024
MAX_SKELETON_LINE = 1024 * 1024
MAX_ELEMENT = 64 * 1024 * 1024
CANONICAL = "canonical-json"
RUN_LENGTH = 64  # elements handed out together: enough to spread the per-call costs, few enough to stay small
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"
_TOKEN = re.compile(rb'[ \t\r\n]*(?:("(?:[^"\\]|\\.)*")|([{}\[\]:,])|([^ \t\r\n{}\[\]:,"]+))')
_SURROGATE = re.compile("[\ud800-\udfff]")
# A high surrogate escape not followed by a low one, or a low one not preceded by a high one.
_LONE_SURROGATE = re.compile(
    rb"(?<!\\)\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_EMPTY: Mapping[str, Any] = MappingProxyType({})
_LINE_BREAKS = b"\r\n"
_MORE, _LAST, _SLOW = range(3)  # how `_collect` stopped: a full run, the array's end, something for `_step`
_new = object.__new__


@dataclass(slots=True)
class Element:
    """One element of a target array. See the module docstring for what each field holds. Not frozen:
    building a frozen dataclass costs four times as much, and there is one of these per message."""

    value: Any
    raw: bytes
    offset: int | None
    line: int | None
    end_line: int | None
    array: str  # the path of the array: "chats.list[3].messages"
    index: int
    target: Target
    container: Mapping[str, Any]
    canonical: bool = False

    @property
    def path(self) -> str:
        """Where the element is in the document: "chats.list[3].messages[17]"."""
        return f"{self.array}[{self.index}]"

    def origin(self, member: str) -> Origin:
        """Where the element's raw bytes are in `member`, with its path in the document when its bytes had
        to be written out again (`canonical`). Built by slot assignment, as whatsapp_parse.py does: the
        dataclass __init__ would cost more than the rest, and there is one of these per message."""
        origin = _new(Origin)
        origin.member = member
        origin.offset = self.offset
        origin.length = len(self.raw)
        origin.line = self.line
        origin.end_line = self.end_line
        origin.path = self.path if self.canonical else None
        return origin


def warn_unreadable(ctx: Context, where: str, element: Element, what: str) -> None:
    """The one warning for an element a source could not turn into a record: kept in the import's report
    with its exact text, never silently dropped."""
    ctx.warn(
        "unparsed_record",
        where,
        element.line,
        element.raw,
        f"{what}, so it was not imported; it is kept in this report, so check it in the file.",
        element.offset,
    )


def iter_elements(
    member: Member,
    where: str,
    targets: Sequence[Target],
    ctx: Context | None = None,
    *,
    start: int = 0,
    noun: str = "message",
    layout: str = "auto",
) -> Iterator[Element]:
    """The elements of every array at one of `targets`, in file order.

    `where` names the member to the user (`inp.where(member)`); `start` skips a prefix that is not JSON
    (X's `window.YTD... = `) while keeping offsets and lines true to the member; `noun` is what an
    element is called in error messages; `layout` is "auto", or "stream" to go straight to ijson."""
    for run in iter_element_runs(member, where, targets, ctx, start=start, noun=noun, layout=layout):
        yield from run


def iter_element_runs(
    member: Member,
    where: str,
    targets: Sequence[Target],
    ctx: Context | None = None,
    *,
    start: int = 0,
    noun: str = "message",
    layout: str = "auto",
) -> Iterator[list[Element]]:
    """The same elements as `iter_elements`, in lists of consecutive elements of one array (the same
    `array`, `target` and `container`), for callers that handle millions: a list per element handed out
    costs less than a generator step per element. Warnings and errors come when they would from
    `iter_elements`: after the caller has had every element before them."""
    given = 0
    if layout != "stream":
        splitter = _PrettySplitter(member, where, tuple(targets), ctx, start, noun)
        try:
            yield from splitter.runs()
            return
        except _LayoutNotRecognised:
            given = splitter.given
    for element in _stream_elements(member, where, tuple(targets), ctx, start, noun, skip=given):
        yield [element]


def canonical_bytes(value: Any) -> bytes:
    """The documented stand-in for raw bytes where a format has none: sorted keys, no spaces, UTF-8."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:  # integers beyond 64 bits, which only ijson produces
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def format_path(parts: Sequence[str | int]) -> str:
    """("chats", "list", 3, "messages", 17) -> "chats.list[3].messages[17]"."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class _LayoutNotRecognised(Exception):
    """The pretty-printed reading cannot go on; read the member with ijson instead."""


@dataclass(slots=True)
class _Frame:
    """An open object or array in the skeleton. `part` is how its parent names it (key or index)."""

    is_object: bool
    part: str | int | None
    start: int  # where its "{" or "[" is in the skeleton buffer
    key: str | None = None
    index: int = 0
    expect_key: bool = True


@dataclass(slots=True)
class _Shape:
    """How the elements of one pretty-printed array are laid out: each opens with the line `opening`
    ("I{\\n") and ends at the first `marker` ("\\nI}") after it, `brace` bytes into the opening line."""

    opening: bytes
    array: str
    target: Target
    container: Mapping[str, Any]
    marker: bytes = b""
    brace: int = 0
    after: int = 0

    def __post_init__(self) -> None:
        indent = self.opening[: self.opening.index(b"{")]
        self.marker = b"\n" + indent + b"}"
        self.brace, self.after = len(indent), len(self.marker)


class _PrettySplitter:
    """One pass over a pretty-printed member: skeleton lines through `_scan`, target arrays through `_run`."""

    def __init__(
        self,
        member: Member,
        where: str,
        targets: tuple[Target, ...],
        ctx: Context | None,
        start: int,
        noun: str,
    ) -> None:
        self.member, self.where, self.targets, self.ctx = member, where, targets, ctx
        self.start, self.noun = start, noun
        self.stream: IO[bytes] | None = None
        self.buf = b""
        self.base = 0  # member offset of buf[0]
        self.pos = 0
        self.line = 1
        self.eof = False
        self.frames: list[_Frame] = []
        self.closed = False  # the root value has ended
        self.skeleton = bytearray()
        self.skeleton_lines = 1
        self.given = 0  # elements handed out, so that ijson can carry on after them
        self.index = 0  # of the next element in the array being read
        self.last = False  # the element `_step` gave ends its array
        # (skeleton line, member line) from which the two count on together: the skeleton leaves out the
        # elements, so an error found in it is mapped back to the member's line through these
        self.anchors: list[tuple[int, int]] = []

    def runs(self) -> Iterator[list[Element]]:
        with self.member.open() as stream:
            self.stream = stream
            self._skip_prefix()
            while (raw_line := self._next_line()) is not None:
                opened = self._scan(raw_line)
                self._keep(raw_line)
                if opened is not None:
                    yield from self._elements(*opened)
        self._check_skeleton()

    # --- reading -----------------------------------------------------------------------------------

    def _fill(self) -> bool:
        """Append one more block to the window (dropping what was consumed); False at the end."""
        assert self.stream is not None
        if self.eof:
            return False
        block = self.stream.read(BLOCK)
        if not block:
            self.eof = True
            return False
        self.base += self.pos
        self.buf = self.buf[self.pos :] + block
        self.pos = 0
        return True

    def _skip_prefix(self) -> None:
        while len(self.buf) < self.start + len(_BOM) and self._fill():
            pass
        self.line += self.buf.count(b"\n", 0, self.start)
        self.pos = self.start
        if self.buf.startswith(_BOM, self.pos):
            self.pos += len(_BOM)
        self.anchors.append((1, self.line))

    def _next_line(self) -> bytes | None:
        while True:
            end = self.buf.find(b"\n", self.pos)
            if end - self.pos > MAX_SKELETON_LINE:
                raise _LayoutNotRecognised
            if end >= 0:
                raw_line = self.buf[self.pos : end + 1]
                self.pos = end + 1
                return raw_line
            if len(self.buf) - self.pos > MAX_SKELETON_LINE:
                raise _LayoutNotRecognised
            if not self._fill():
                rest = self.buf[self.pos :]
                self.pos = len(self.buf)
                return rest or None

    def _keep(self, raw_line: bytes) -> None:
        self.skeleton += raw_line
        if raw_line.endswith(b"\n"):
            self.line += 1
            self.skeleton_lines += 1

    # --- the skeleton ------------------------------------------------------------------------------

    def _scan(self, raw_line: bytes) -> tuple[Target, tuple[str | int, ...]] | None:
        """Follow the structure through one skeleton line; report a target array opened at its end."""
        at, size, offset = 0, len(raw_line), len(self.skeleton)
        while at < size:
            match = _TOKEN.match(raw_line, at)
            if match is None:
                if raw_line[at:].strip(_WHITESPACE):
                    self._not_json(raw_line)
                return None
            at = match.end()
            if self.closed:
                self._not_json(raw_line)
            string, punctuation = match.group(1), match.group(2)
            if string is not None:
                self._string(string)
            elif punctuation is not None:
                opened = self._punctuation(punctuation, offset + match.start(2))
                if opened is not None:
                    rest = raw_line[at:].lstrip(_WHITESPACE)
                    if not rest:
                        return opened
                    if not rest.startswith(b"]"):  # elements on the same line as "[": not pretty-printed
                        raise _LayoutNotRecognised
        return None

    def _string(self, token: bytes) -> None:
        top = self.frames[-1] if self.frames else None
        if top is not None and top.is_object and top.expect_key:
            try:
                top.key = orjson.loads(token)
            except orjson.JSONDecodeError:
                top.key = token.decode("utf-8", "replace")  # the final check reports the fault
            top.expect_key = False

    def _punctuation(self, char: bytes, at: int) -> tuple[Target, tuple[str | int, ...]] | None:
        top = self.frames[-1] if self.frames else None
        if char in b"{[":
            part: str | int | None = None
            if top is not None:
                part = top.key if top.is_object else top.index
            self.frames.append(_Frame(char == b"{", part, at))
            if char == b"[":
                return self._target_at()
        elif char in b"}]":
            if top is None or top.is_object != (char == b"}"):
                self._not_json(char)
            self.frames.pop()
            self.closed = not self.frames
        elif char == b"," and top is not None:
            if top.is_object:
                top.expect_key = True
            else:
                top.index += 1
        return None

    def _target_at(self) -> tuple[Target, tuple[str | int, ...]] | None:
        parts = tuple(frame.part for frame in self.frames[1:])
        for target in self.targets:
            if _matches(target, parts):
                return target, parts  # type: ignore[return-value]
        return None

    def _container(self, parts: tuple[str | int, ...]) -> Mapping[str, Any]:
        """The object holding the array just opened, read from the skeleton so far with the array closed."""
        holder = self.frames[-2] if len(self.frames) >= 2 else None
        if holder is None or not holder.is_object:
            return _EMPTY
        try:
            value = orjson.loads(bytes(self.skeleton[holder.start :]) + b"]}")
        except orjson.JSONDecodeError:
            return _EMPTY  # the final skeleton check names the fault and its line
        value.pop(parts[-1], None)
        return value  # type: ignore[no-any-return]

    def _not_json(self, text: bytes) -> None:
        if self.eof and self.pos >= len(self.buf):
            raise _incomplete(self.where, self.line)
        shown = text.strip().decode("utf-8", "backslashreplace")[:40]
        message = f"this is not valid JSON here ('{shown}'); the file may be damaged, so download the export"
        raise InputError(message + " again.", self.where, self.line)

    def _check_skeleton(self) -> None:
        try:
            orjson.loads(bytes(self.skeleton))
        except orjson.JSONDecodeError as error:
            line = self._member_line(error.lineno)
            if self.frames or not self.skeleton.strip(_WHITESPACE):
                last = (
                    self.line - 1 if self.skeleton.endswith(b"\n") else self.line
                )  # not the empty line after
                raise _incomplete(self.where, min(line, last)) from None
            message = "this is not valid JSON here; the file may be damaged, so download the export again."
            raise InputError(message, self.where, line) from None

    def _member_line(self, skeleton_line: int) -> int:
        at = bisect.bisect_right(self.anchors, (skeleton_line, 1 << 62)) - 1
        anchor_skeleton, anchor_member = self.anchors[max(at, 0)]
        return anchor_member + skeleton_line - anchor_skeleton

    # --- inside a target array ---------------------------------------------------------------------

    def _elements(self, target: Target, parts: tuple[str | int, ...]) -> Iterator[list[Element]]:
        container = self._container(parts)
        head = self._peek_line()
        if head is None:
            raise _incomplete(self.where, self.line)
        if head.lstrip(_WHITESPACE).startswith(b"]"):
            return  # an empty array written over two lines; the skeleton reads its "]"
        if head.strip(_WHITESPACE) != b"{":
            raise _LayoutNotRecognised
        opening = head[: head.index(b"{") + 1] + (b"\r\n" if head.endswith(b"\r\n") else b"\n")
        yield from self._run(target, parts, container, opening)
        self.anchors.append((self.skeleton_lines, self.line))

    def _peek_line(self) -> bytes | None:
        while True:
            end = self.buf.find(b"\n", self.pos)
            if end >= 0:
                return self.buf[self.pos : end + 1]
            if len(self.buf) - self.pos > MAX_SKELETON_LINE:
                raise _LayoutNotRecognised
            if not self._fill():
                return None

    def _run(
        self, target: Target, parts: tuple[str | int, ...], container: Mapping[str, Any], opening: bytes
    ) -> Iterator[list[Element]]:
        """The elements opened by the line `opening`, until one is not followed by a comma, in runs.

        `_collect` (or its compiled twin, see json_compiled.py) takes the elements that need nothing but
        a split and a decode, many at a time; whatever else comes (the end of the window, a fault, a slice
        orjson refuses, an odd line break) is left to `_step`, one element at a time, exactly as the
        splitter always read them. A run is handed out before `_step` looks at anything, so warnings and
        errors reach the caller after every element before them, as if there were no runs."""
        shape = _Shape(opening, format_path(parts), target, container)
        collect = compiled_collect() or _PrettySplitter._collect  # the same elements either way
        self.index = 0
        while True:
            run: list[Element] = []
            status = collect(self, run, shape)
            if run:
                self.given += len(run)
                yield run
            if status == _LAST:
                return
            if status == _SLOW:
                element = self._step(shape)
                if element is not None:
                    self.given += 1
                    yield [element]
                    if self.last:
                        return

    def _collect(self, run: list[Element], shape: _Shape) -> int:
        """The hot loop: append up to RUN_LENGTH elements that lie whole in the window, that orjson decodes
        and that are followed by ",\\n" and the next element's opening line (or end the array, followed
        by a line break). The window, position and line live in locals here and go back to `self` before
        returning. Elements are made with object.__new__ and slot assignment: the dataclass __init__
        costs as much as the split itself."""
        opening, marker, brace, after = shape.opening, shape.marker, shape.brace, shape.after
        array, target, container = shape.array, shape.target, shape.container
        following = b",\n" + opening  # one look at what follows an element checks the comma and the next
        prefix = marker[:-1]
        loads, new = orjson.loads, object.__new__
        buf, pos, line, index, base = self.buf, self.pos, self.line, self.index, self.base
        safe_end = len(buf) - len(following)  # room to look past an element without leaving the window
        if not buf.startswith(opening, pos):
            return _SLOW
        status = _SLOW
        for _ in range(RUN_LENGTH):
            # The element ends at the first `marker` ("\\nI}") from pos + brace. Looking for "}" alone runs
            # at memchr speed, and the first "}" far enough on is usually the marker's; else the marker
            # is further on, so the search goes on from there. Both give exactly buf.find(marker, ...).
            curly = buf.find(b"}", pos + brace + after - 1)
            if curly < 0:
                break
            end = curly - after + 1
            if buf[end:curly] != prefix:
                end = buf.find(marker, end + 1)
                if end < 0:
                    break
            close = end + after
            if close > safe_end:
                break
            if buf.startswith(following, close):
                step = 2
            elif buf[close] in _LINE_BREAKS:
                step = 0
            else:
                break  # ",\r\n" and anything odd: `_step` reads it as it always did
            start = pos + brace
            raw = buf[start:close]
            try:
                value = loads(raw)
            except orjson.JSONDecodeError:
                break
            end_line = line + raw.count(b"\n")
            element = new(Element)
            element.value = value
            element.raw = raw
            element.offset = base + start
            element.line = line
            element.end_line = end_line
            element.array = array
            element.index = index
            element.target = target
            element.container = container
            element.canonical = False
            run.append(element)
            index += 1
            if not step:
                pos, line, status = close, end_line, _LAST
                break
            pos, line = close + step, end_line + 1
        else:
            status = _MORE
        self.pos, self.line, self.index = pos, line, index
        return status

    def _step(self, shape: _Shape) -> Element | None:
        """One element the careful way, for what `_collect` left: reads more of the file (then None, and
        `_collect` tries again), names a fault, or gives the element (`self.last` says if it ends the
        array)."""
        buf, pos, line, index = self.buf, self.pos, self.line, self.index
        opening, brace, after = shape.opening, shape.brace, shape.after
        if not buf.startswith(opening, pos):
            if len(buf) - pos < len(opening) + 2 and self._fill():
                return None
            self._not_an_element(index)
        end = buf.find(shape.marker, pos + brace)
        close = end + after
        if end < 0 or close + 2 > len(buf):
            if len(buf) - pos > MAX_ELEMENT:
                raise _LayoutNotRecognised
            if self._fill():
                return None  # find again in the longer window; this happens about once a MiB
            if end < 0:
                if index == 0:  # no element of this array has shown the layout yet: let ijson judge
                    raise _LayoutNotRecognised
                self._ends_inside(index)
        if buf[close : close + 2] == b",\n":
            step = 2
        elif buf[close : close + 3] == b",\r\n":
            step = 3
        elif buf[close : close + 1] in (b"\n", b"\r", b""):
            step = 0
        else:
            raise _LayoutNotRecognised
        start = pos + brace
        raw = buf[start:close]
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            value = self._decode_slowly(raw)
        end_line = line + raw.count(b"\n")
        element = Element(
            value, raw, self.base + start, line, end_line, shape.array, index, shape.target, shape.container
        )
        self.index, self.last = index + 1, not step
        # the last element: the skeleton reads the rest of its line
        self.pos, self.line = close + step, (end_line + 1 if step else end_line)
        return element

    def _not_an_element(self, index: int) -> None:
        """After "},", the next line must open another element."""
        head = self._peek_line()
        if head is None:
            self._ends_inside(index)
        elif head.lstrip(_WHITESPACE).startswith(b"]"):
            message = "this is not valid JSON here (a comma before ']'); the file may be damaged, so "
            raise InputError(message + "download the export again.", self.where, self.line - 1)
        raise _LayoutNotRecognised

    def _decode_slowly(self, raw: bytes) -> Any:
        """orjson refused the slice: invalid UTF-8, a lone surrogate, a real syntax error, or a split in
        the wrong place because the layout is not what it seemed (then ijson reads the member)."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(
                f"this is not UTF-8 text (byte 0x{raw[error.start]:02X}); an export from the app is always "
                "UTF-8, so this file may be damaged or not an export.",
                self.where,
                self.line + raw.count(b"\n", 0, error.start),
            ) from None
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            if error.msg == "Extra data" or error.pos >= len(text) - 1:
                raise _LayoutNotRecognised from None
            message = "this is not valid JSON here; the file may be damaged, so download the export again."
            raise InputError(message, self.where, self.line + error.lineno - 1) from None
        repaired = _replace_surrogates(value)
        if repaired is not value and self.ctx is not None:
            self.ctx.warn(
                "lone_surrogate",
                self.where,
                self.line,
                raw,
                f"This {self.noun} holds half of an emoji or other character, which cannot be stored as "
                "text; it was kept with \ufffd in its place, and its original bytes are kept unchanged.",
            )
        return repaired

    def _ends_inside(self, index: int) -> None:
        raise _ends_in_middle(self.noun, index, self.where, self.line)


def _ends_in_middle(noun: str, index: int, where: str, line: int) -> InputError:
    message = (
        f"the file ends in the middle of {noun} {index + 1:,}; the export is incomplete (download it again)."
    )
    return InputError(message, where, line)


def _incomplete(where: str, line: int | None) -> InputError:
    return InputError(
        "the file ends before its JSON is complete; the export is incomplete (download it again).",
        where,
        line,
    )


def _matches(target: Target, parts: Sequence[str | int | None]) -> bool:
    if len(target) != len(parts):
        return False
    for want, part in zip(target, parts, strict=True):
        if want == ANY_INDEX:
            if not isinstance(part, int):
                return False
        elif want != part:
            return False
    return True


def _replace_surrogates(value: Any) -> Any:
    """The same value with lone surrogates turned into U+FFFD; the very same object when there are none."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        items = [_replace_surrogates(item) for item in value]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if isinstance(value, dict):
        pairs = [(_replace_surrogates(k), _replace_surrogates(v)) for k, v in value.items()]
        same = all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(), strict=True))
        return value if same else dict(pairs)
    return value


# --- the ijson reading, for layouts the splitter does not recognise ---------------------------------


@dataclass(slots=True)
class _Open:
    """An open object or array in ijson's event stream."""

    is_object: bool
    part: str | int | None
    key: str | None = None
    index: int = -1
    target: Target | None = None
    container: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    holder: Any = None  # an ObjectBuilder for an object that holds a target array


class _CountingStream:
    """What ijson reads: the member after `start` and a BOM. It counts lines, so that a fault can be
    placed, and looks out for lone surrogate escapes, which the C backend turns into "?" unannounced."""

    def __init__(self, stream: IO[bytes], start: int) -> None:
        self.stream = stream
        self.lines_before_block = 1
        self.lines_read = 1
        self.lone_surrogate_line: int | None = None
        self.tail = b""
        head = stream.read(start)
        self.lines_read += head.count(b"\n")
        self.pending = stream.read(len(_BOM))
        if self.pending == _BOM:
            self.pending = b""

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson asks for nothing once, to learn whether the stream gives bytes
            return b""
        block = self.pending + self.stream.read(size)
        self.pending = b""
        self.lines_before_block = self.lines_read
        self.lines_read += block.count(b"\n")
        if self.lone_surrogate_line is None and _LONE_SURROGATE.search(self.tail + block):
            self.lone_surrogate_line = self.lines_before_block
        self.tail = block[-12:]
        return block


def _stream_elements(
    member: Member,
    where: str,
    targets: tuple[Target, ...],
    ctx: Context | None,
    start: int,
    noun: str,
    skip: int,
) -> Iterator[Element]:
    if ijson.backend_name != "yajl2_c" and ctx is not None:
        ctx.warn(
            "slow_json_reader",
            where,
            None,
            "",
            f"This file is not laid out the way the app writes it, and ijson's fast C reader "
            f"({ijson.backend_name} is in use) is missing, so reading it will be slow; reinstall ijson.",
        )
    with member.open() as raw_stream:
        stream = _CountingStream(raw_stream, start)
        walker = _Walker(targets, noun)
        try:
            yield from walker.walk(_with_floats(ijson.parse(stream)), skip)
        except ijson.JSONError as error:
            raise walker.fault(str(error), where, stream.lines_before_block) from None
    if stream.lone_surrogate_line is not None and ctx is not None:
        ctx.warn(
            "lone_surrogate",
            where,
            stream.lone_surrogate_line,
            "",
            "Somewhere from this line on, a message holds half of an emoji or other character, which the "
            "JSON reader shows as '?'; the file itself is kept unchanged, so check that message in it.",
        )


def _with_floats(events: Iterator[tuple[str, str, Any]]) -> Iterator[tuple[str, str, Any]]:
    """ijson's events with fractions as floats, as orjson gives them. Not `use_float=True`: with it, the
    C backend refuses integers from 2**63 on, and this way they stay exact."""
    for prefix, event, value in events:
        if event == "number" and type(value) is Decimal:
            yield prefix, event, float(value)
        else:
            yield prefix, event, value


class _Walker:
    """Turns ijson's events into Elements, building each element and the objects that hold the arrays."""

    def __init__(self, targets: tuple[Target, ...], noun: str) -> None:
        self.targets = targets
        self.holders = tuple(target[:-1] for target in targets if target and target[-1] != ANY_INDEX)
        self.noun = noun
        self.inside: int | None = None  # the index of the element being built, for a truncation message

    def walk(self, events: Iterator[tuple[str, str, Any]], skip: int) -> Iterator[Element]:
        stack: list[_Open] = []
        holders: list[Any] = []
        for _prefix, event, value in events:
            if event == "map_key":
                stack[-1].key = value
                for builder in holders:
                    builder.event(event, value)
                continue
            if event in ("end_map", "end_array"):
                for builder in holders:
                    builder.event(event, value)
                if stack.pop().holder is not None:
                    holders.pop()
                continue
            top = stack[-1] if stack else None
            part: str | int | None = None
            if top is not None:
                if not top.is_object:
                    top.index += 1
                part = top.key if top.is_object else top.index
            if top is not None and top.target is not None:
                built = self._element(event, value, events, top.index)
                if skip:
                    skip -= 1
                    continue
                array = format_path([frame.part for frame in stack[1:]])  # type: ignore[misc]
                yield Element(
                    built,
                    canonical_bytes(built),
                    None,
                    None,
                    None,
                    array,
                    top.index,
                    top.target,
                    top.container,
                    True,
                )
                continue
            for builder in holders:
                builder.event(event, value)
            if event in ("start_map", "start_array"):
                stack.append(self._open(event == "start_map", part, stack, holders))
        self.inside = None

    def _open(self, is_object: bool, part: str | int | None, stack: list[_Open], holders: list[Any]) -> _Open:
        frame = _Open(is_object, part)
        parts = [*(f.part for f in stack[1:]), part] if stack else []
        if is_object and any(_matches(holder, parts) for holder in self.holders):
            frame.holder = ijson.common.ObjectBuilder()
            frame.holder.event("start_map", None)
            holders.append(frame.holder)
        elif not is_object:
            frame.target = next((target for target in self.targets if _matches(target, parts)), None)
            parent = stack[-1] if stack else None
            if frame.target is not None and parent is not None and parent.holder is not None:
                frame.container = {k: v for k, v in parent.holder.value.items() if k != part}
        return frame

    def _element(self, event: str, value: Any, events: Iterator[tuple[str, str, Any]], index: int) -> Any:
        if event not in ("start_map", "start_array"):
            return value
        self.inside = index
        builder = ijson.common.ObjectBuilder()
        builder.event(event, value)
        depth = 1
        for _prefix, inner, inner_value in events:
            builder.event(inner, inner_value)
            if inner in ("start_map", "start_array"):
                depth += 1
            elif inner in ("end_map", "end_array"):
                depth -= 1
                if depth == 0:
                    break
        self.inside = None
        return builder.value

    def fault(self, message: str, where: str, line: int) -> InputError:
        if "premature EOF" in message or "incomplete" in message.lower():
            if self.inside is not None:
                return _ends_in_middle(self.noun, self.inside, where, line)
            return _incomplete(where, line)
        return InputError(
            f"this is not valid JSON (the fault is at or after line {line:,}); the file may be damaged, so "
            "download the export again.",
            where,
            line,
        )


# --- media named by an export's JSON ----------------------------------------------------------------


class MemberIndex:
    """Finds the files an export's JSON names (photos/photo_1.jpg, messages/inbox/x/photos/1.jpg) among the
    input's members: beside the JSON member, or under any folder above it, since the path may be relative
    to the export's root and a zip may wrap the export in one more folder."""

    def __init__(self, inp: Input) -> None:
        self.holds_media = inp.kind != "file"
        self.names = frozenset(member.name for member in inp.members)

    def find(self, named: str, near: str) -> str | None:
        """The member name for the path `named`, looked up from the folder of the member `near`."""
        named = named.lstrip("/").removeprefix("./")
        folder = near.rsplit("/", 1)[0] + "/" if "/" in near else ""
        while True:
            if folder + named in self.names:
                return folder + named
            if not folder:
                return None
            folder = folder[:-1].rsplit("/", 1)[0] + "/" if "/" in folder[:-1] else ""
