"""SMS Backup & Restore (the Android app) XML backups: text messages, MMS with their pictures, and calls.

The file is streamed through expat a mebibyte at a time, because expat reports the byte index and line of
every element: each record keeps the exact bytes it came from, and nothing but the record being read is
held in memory. Two things the app writes need care:

* Emoji are written as two UTF-16 surrogate references (`&#55357;&#56832;`), which XML forbids. A filter
  rewrites each pair into one reference of exactly the same length (`&#0000000128512;`), so every byte
  offset stays true to the file. A surrogate without its partner becomes U+FFFD and a warning.
* A DTD could declare entities that expand without limit; a backup never has one, so one is refused.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import IO
from xml.parsers import expat

from stalkproof.errors import InputError
from stalkproof.ingest.base import (
    Attachment,
    Context,
    Handle,
    Origin,
    Record,
    Repeats,
    Survey,
    When,
    survey_by_parsing,
)
from stalkproof.ingest.identifiers import normalise
from stalkproof.ingest.inputs import Input, Member

CHUNK = 1024 * 1024
MAX_ATTACHMENT = 256 * 1024 * 1024
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_WHITESPACE = b" \t\r\n"
SELF_SMS = Handle("sms", "self")
SELF_PHONE = Handle("phone", "self")

# Telephony.Sms.TYPE_* and Telephony.BaseMmsColumns.MESSAGE_BOX_*: what each box means, and its marker.
SMS_TYPES = {
    "1": ("received", None),
    "2": ("sent", None),
    "3": ("draft", "draft"),
    "4": ("outbox", "outbox"),
    "5": ("failed", "failed"),
    "6": ("queued", "queued"),
}
MMS_BOXES = {
    "1": ("received", None),
    "2": ("sent", None),
    "3": ("draft", "draft"),
    "4": ("outbox", "outbox"),
    "5": ("failed", "failed"),
}
SMS_MARKERS = {
    code: frozenset({"from_me", marker} if marker else {"from_me"}) if code != "1" else frozenset()
    for code, (_, marker) in SMS_TYPES.items()
}
SMS_DETAILS = ("date_sent", "readable_date", "contact_name", "subject", "service_center")
PEOPLE_CACHE = 4096
# CallLog.Calls.TYPE: (name, marker, the owner placed the call).
CALL_TYPES = {
    "1": ("incoming", None, False),
    "2": ("outgoing", None, True),
    "3": ("missed", "missed", False),
    "4": ("voicemail", "voicemail", False),
    "5": ("rejected", "rejected", False),
    "6": ("blocked", "blocked", False),
    "7": ("answered_elsewhere", "answered_elsewhere", False),
}
# CallLog.Calls.PRESENTATION_*: who the network says called when there is no number to show.
HIDDEN_CALLERS = {"2": "withheld", "3": "unknown", "4": "payphone"}
ADDR_FROM, ADDR_TO, ADDR_CC, ADDR_BCC = "137", "151", "130", "129"
NO_ADDRESS = "insert-address-token"  # what Android writes where its own number goes on a sent MMS
UNKNOWN_CONTACT = "(Unknown)"  # the app's placeholder for a number with no contact

_SIGNATURE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:(?:<!--.*?-->|<\?[^>]*>)\s*)*<(smses|calls)[\s>/]",
    re.DOTALL,
)
_APP_COMMENT = b"SMS Backup & Restore"
# Character references to UTF-16 surrogates, decimal or hex, possibly zero-padded: a high one (D800-DBFF)
# directly followed by a low one (DC00-DFFF) is a pair; any other is a lone half.
_HIGH = (
    rb"(?:0*(?:55(?:29[6-9]|[3-9][0-9]{2})|56(?:[0-2][0-9]{2}|3[01][0-9]))|[xX]0*[dD][89abAB][0-9a-fA-F]{2})"
)
_LOW = (
    rb"(?:0*(?:56(?:3[2-9][0-9]|[4-9][0-9]{2})|57(?:[0-2][0-9]{2}|3(?:[0-3][0-9]|4[0-3])))"
    rb"|[xX]0*[dD][c-fC-F][0-9a-fA-F]{2})"
)
_SURROGATE_PAIR = re.compile(rb"&#" + _HIGH + rb";&#" + _LOW + rb";")
_SURROGATE_REF = re.compile(rb"&#(?:" + _HIGH + rb"|" + _LOW + rb");")
_HIGH_AT_END = re.compile(rb"&#" + _HIGH + rb";\Z")
_HOLD_BACK = 64
_QUOTED_VALUE = re.compile(rb"""=[ \t\r\n]*("[^"]*"|'[^']*')""")
_NAME_BEFORE = re.compile(rb"([\w:.-]+)[ \t\r\n]*\Z")


class SmsBackupSource:
    name = "sms_backup"
    label = "SMS Backup & Restore"
    version = "1"

    def detect(self, inp: Input) -> float:
        best = 0.0
        for member in inp.members:
            if not member.name.lower().endswith(".xml"):
                continue
            head = member.head()
            if _SIGNATURE.match(head):
                return 0.95
            if _APP_COMMENT in head:
                best = 0.6
        return best

    def survey(self, inp: Input, ctx: Context) -> Survey:
        return survey_by_parsing(self, inp, ctx)

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        members = _backup_members(inp)
        repeats = Repeats()
        for member in members:
            yield from _parse_member(inp, member, ctx, repeats)


SOURCE = SmsBackupSource()


def _backup_members(inp: Input) -> list[Member]:
    xml = [member for member in inp.members if member.name.lower().endswith(".xml")]
    signed = [member for member in xml if _SIGNATURE.match(member.head())]
    if signed:
        return signed
    if len(inp.members) == 1:
        return list(inp.members)  # a single file given with --source: let the parser say what is wrong
    if xml:
        return xml
    raise InputError("this holds no SMS Backup & Restore file (sms-….xml or calls-….xml).", inp.path)


# --- the byte-exact streaming reader ---------------------------------------------------------------------


@dataclass
class _Element:
    """A record element (sms, mms, call) and, for an MMS, its parts and addresses."""

    name: str
    attrs: dict[str, str]
    line: int
    start: int
    parts: list[dict[str, str]] = field(default_factory=list)
    addrs: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Finished:
    element: _Element
    raw: bytes


@dataclass
class _Lone:
    offset: int
    line: int
    reference: bytes


class _SurrogateFilter:
    """Rewrites surrogate references so expat accepts them, keeping every byte where it was."""

    def __init__(self) -> None:
        self.carry = b""
        self.offset = 0  # absolute offset of the next byte handed out
        self.lines = 0  # newlines handed out so far
        self.lone: deque[_Lone] = deque()

    def push(self, block: bytes, final: bool) -> tuple[bytes, bytes]:
        """(original, filtered) bytes ready for the parser; the tail that could hold half a pair waits."""
        data = self.carry + block if self.carry else block
        cut = len(data) if final else _safe_cut(data)
        original, self.carry = data[:cut], data[cut:]
        filtered = self._rewrite(original)
        self.offset += len(original)
        self.lines += original.count(b"\n")
        return original, filtered

    def _rewrite(self, data: bytes) -> bytes:
        if b"&#" not in data:
            return data
        paired = _SURROGATE_PAIR.sub(_combined, data)
        lone = list(_SURROGATE_REF.finditer(paired))  # what is left has no partner
        if not lone:
            return paired
        out = bytearray(paired)
        for match in lone:
            line = self.lines + data.count(b"\n", 0, match.start()) + 1
            self.lone.append(_Lone(self.offset + match.start(), line, match.group()))
            out[match.start() : match.end()] = _padded(0xFFFD, match.end() - match.start())
        return bytes(out)


@lru_cache(maxsize=4096)
def _pair_reference(pair: bytes) -> bytes:
    """`&#55357;&#56832;` -> `&#0000000128512;`: one reference to the same character, the same length."""
    high, low = (int(ref[3:], 16) if ref[2:3] in b"xX" else int(ref[2:]) for ref in pair[:-1].split(b";"))
    return _padded(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), len(pair))


def _combined(match: re.Match[bytes]) -> bytes:
    return _pair_reference(match.group())


def _padded(code: int, length: int) -> bytes:
    return b"&#" + str(code).zfill(length - 3).encode() + b";"


def _safe_cut(data: bytes) -> int:
    """Where to stop this block so that no reference, or pair of references, is split."""
    cut = len(data)
    amp = data.rfind(b"&", max(0, cut - _HOLD_BACK))
    if amp != -1 and b";" not in data[amp:]:
        cut = amp
    high = _HIGH_AT_END.search(data, max(0, cut - _HOLD_BACK), cut)
    if high is not None:
        cut = high.start()  # its partner may start the next block
    return cut


class _Reader:
    """Feeds expat and collects each finished record with its exact bytes: from the record's `<` to the
    next thing at the same level (the next record, a comment, the closing root), right-stripped."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CommentHandler = self._comment
        self.parser.ProcessingInstructionHandler = self._instruction
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.depth = 0
        self.root: tuple[str, dict[str, str], int] | None = None
        self.current: _Element | None = None
        self.closed: _Element | None = None
        self.finished: list[tuple[_Element, int]] = []
        self.stray: deque[tuple[int, int, str]] = deque()  # (line, offset, text) outside any record
        self.buffer = bytearray()
        self.base = 0
        self.mark = 0  # the last position expat reported between records

    def feed(self, original: bytes, filtered: bytes, final: bool) -> list[_Finished]:
        self.buffer += original
        try:
            self.parser.Parse(filtered, False)
        except expat.ExpatError as error:
            raise self._invalid(error) from None
        if final:
            try:
                self.parser.Parse(b"", True)
            except expat.ExpatError as error:
                raise self._cut_short(error) from None
            self._boundary(self.base + len(self.buffer))
        done = [_Finished(element, self._raw(element.start, end)) for element, end in self.finished]
        self.finished.clear()
        self._forget()
        return done

    def _raw(self, start: int, end: int) -> bytes:
        return bytes(self.buffer[start - self.base : end - self.base]).rstrip(_WHITESPACE)

    def _forget(self) -> None:
        """Drop the bytes no record can need any more. Expat may hold half a start tag from the end of
        this block, so everything after the last event it reported is kept."""
        keep = self.mark
        for element in (self.closed, self.current):
            if element is not None:
                keep = min(keep, element.start)
        del self.buffer[: keep - self.base]
        self.base = keep

    def _boundary(self, index: int) -> None:
        self.mark = index
        if self.closed is not None:
            self.finished.append((self.closed, index))
            self.closed = None

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            if name not in ("smses", "calls"):
                raise InputError(
                    f"this is not an SMS Backup & Restore file: its top element is <{name}>, not <smses> "
                    "or <calls>.",
                    self.where,
                    self.parser.CurrentLineNumber,
                )
            self.root = (name, attrs, self.parser.CurrentLineNumber)
            self.mark = self.parser.CurrentByteIndex
            self.parser.CharacterDataHandler = self._text
        elif self.depth == 2:
            self._boundary(self.parser.CurrentByteIndex)
            self.parser.CharacterDataHandler = None  # text inside a record is only layout whitespace
            line, start = self.parser.CurrentLineNumber, self.parser.CurrentByteIndex
            self.current = _Element(name, attrs, line, start)
        elif self.depth == 4 and self.current is not None:
            if name == "part":
                self.current.parts.append(attrs)
            elif name == "addr":
                self.current.addrs.append(attrs)

    def _end(self, name: str) -> None:
        if self.depth == 2:
            self.closed, self.current = self.current, None
            self.parser.CharacterDataHandler = self._text
        elif self.depth == 1:
            self._boundary(self.parser.CurrentByteIndex)
        self.depth -= 1

    def _text(self, text: str) -> None:
        if self.depth == 1:
            self._boundary(self.parser.CurrentByteIndex)
            if text.strip():
                self.stray.append((self.parser.CurrentLineNumber, self.parser.CurrentByteIndex, text))

    def _comment(self, _text: str) -> None:
        if self.depth == 1:
            self._boundary(self.parser.CurrentByteIndex)

    def _instruction(self, _target: str, _data: str) -> None:
        if self.depth == 1:
            self._boundary(self.parser.CurrentByteIndex)

    def _doctype(self, *_: object) -> None:
        raise InputError(
            "this XML file has a document type declaration (<!DOCTYPE>), which an SMS Backup & Restore "
            "file never has; stalkproof does not read it, because such declarations can be used to attack "
            "programs that read XML.",
            self.where,
            self.parser.CurrentLineNumber,
        )

    def _entity(self, *_: object) -> None:
        raise InputError(
            "this XML file declares its own entities, which an SMS Backup & Restore file never does; "
            "stalkproof does not read it.",
            self.where,
            self.parser.CurrentLineNumber,
        )

    def _cut_short(self, error: expat.ExpatError) -> InputError:
        if self.root is None:
            return InputError(
                "this file holds no backup (it is empty or has no <smses> or <calls>).", self.where
            )
        open_record = self.current
        line = open_record.line if open_record is not None else error.lineno
        what = f"a <{open_record.name}> record that starts here" if open_record else "the backup"
        return InputError(
            f"the file ends in the middle of {what}; the backup is incomplete, so copy it from the phone "
            "again (or make a new backup).",
            self.where,
            line,
        )

    def _invalid(self, error: expat.ExpatError) -> InputError:
        reason = expat.errors.messages[error.code]
        return InputError(
            f"this is not valid XML at column {error.offset + 1} ({reason}); the backup file is damaged "
            "or is not an SMS Backup & Restore file.",
            self.where,
            error.lineno,
        )


def _parse_member(inp: Input, member: Member, ctx: Context, repeats: Repeats) -> Iterator[Record]:
    where = inp.where(member)
    reader = _Reader(where)
    shield = _SurrogateFilter()
    builder = _Builder(member, where, ctx, repeats)
    with member.open() as stream:
        for final, original, filtered in _blocks(stream, shield):
            for finished in reader.feed(original, filtered, final):
                _warn_stray(reader, where, ctx, before=finished.element.start)
                _warn_lone(shield.lone, finished, where, ctx)
                record = builder.build(finished)
                if record is not None:
                    yield record
            _warn_stray(reader, where, ctx)
    _warn_lone(shield.lone, None, where, ctx)
    _check_count(reader, builder.records, where, ctx)


def _blocks(stream: IO[bytes], shield: _SurrogateFilter) -> Iterator[tuple[bool, bytes, bytes]]:
    block = stream.read(CHUNK)
    while block:
        following = stream.read(CHUNK)
        original, filtered = shield.push(block, final=not following)
        yield not following, original, filtered
        block = following
    if shield.offset == 0:
        yield True, b"", b""


def _warn_lone(lone: deque[_Lone], finished: _Finished | None, where: str, ctx: Context) -> None:
    end = finished.element.start + len(finished.raw) if finished else None
    while lone and (end is None or lone[0].offset < end):
        found = lone.popleft()
        inside = finished is not None and found.offset >= finished.element.start
        ctx.warn(
            "lone_surrogate",
            where,
            found.line,
            finished.raw if inside and finished else found.reference,
            f"this message holds half of an emoji or symbol ({found.reference.decode()}) without its other "
            "half, as the phone wrote it; it is shown as \ufffd. The rest of the text is unchanged.",
            found.offset,
        )


def _warn_stray(reader: _Reader, where: str, ctx: Context, before: int | None = None) -> None:
    """Text found between records, warned in file order among the records around it."""
    while reader.stray and (before is None or reader.stray[0][1] < before):
        line, offset, text = reader.stray.popleft()
        reason = "this text sits between records, outside any message or call; it is kept in the report."
        ctx.warn("unparsed_line", where, line, text, reason, offset)


def _check_count(reader: _Reader, found: int, where: str, ctx: Context) -> None:
    if reader.root is None:
        return
    name, attrs, line = reader.root
    stated = attrs.get("count", "")
    if stated.isdigit() and int(stated) != found:
        what = "messages" if name == "smses" else "calls"
        ctx.warn(
            "count_mismatch",
            where,
            line,
            f'<{name} count="{stated}">',
            f"the backup says it holds {int(stated):,} {what} but {found:,} could be read; it may have been "
            "cut short or edited, so compare it with the phone.",
        )


# --- from elements to records ----------------------------------------------------------------------------


class _Builder:
    """Turns finished elements into records: who sent what to whom and when, with the app's own words
    for boxes and call types as markers."""

    def __init__(self, member: Member, where: str, ctx: Context, repeats: Repeats) -> None:
        self.member, self.where, self.ctx, self.repeats = member, where, ctx, repeats
        self.records = 0
        self.people: dict[tuple[str | None, str | None], tuple[tuple[Handle, ...], str]] = {}

    def build(self, finished: _Finished) -> Record | None:
        element, raw = finished.element, finished.raw
        self.records += 1
        origin = Origin(
            self.member.name, element.start, len(raw), element.line, element.line + raw.count(b"\n")
        )
        if element.name not in ("sms", "mms", "call"):
            reason = f"<{element.name}> is not a message or call stalkproof knows; it is kept in the report."
            self._warn("unparsed_line", origin, raw, reason)
            return None
        when = _when(element.attrs.get("date"))
        if when is None:
            found = element.attrs.get("date", "")
            reason = (
                f'this {element.name} has no readable time (date="{found}"), so it cannot be placed on the '
                "timeline and was not imported; it is kept in the report."
            )
            self._warn("unparsed_line", origin, raw, reason)
            return None
        self._check_newlines(element, raw, origin)
        if element.name == "sms":
            return self._sms(element, when, origin, raw)
        if element.name == "mms":
            return self._mms(element, when, origin, raw)
        return self._call(element, when, origin, raw)

    def _warn(self, code: str, origin: Origin, raw: bytes, reason: str) -> None:
        self.ctx.warn(code, self.where, origin.line, raw, reason, origin.offset)

    def _check_newlines(self, element: _Element, raw: bytes, origin: Origin) -> None:
        if element.name != "mms" and b"\n" not in raw and b"\r" not in raw:
            return
        names = sorted(set(_attributes_with_line_breaks(raw)) - {"data"})
        if names:
            listed = ", ".join(names)
            reason = (
                f"a line break inside this record's {listed} was written literally, which XML reads as a "
                "space, so the text shows a space where the phone showed a new line; the words are unchanged."
            )
            self._warn("raw_newline", origin, raw, reason)

    def _sms(self, element: _Element, when: When, origin: Origin, raw: bytes) -> Record:
        attrs = element.attrs
        kind_code = attrs.get("type", "")
        counterparts, thread = self._people(attrs.get("address"), attrs.get("contact_name"))
        body = attrs.get("body")
        if body == "null":
            body = None
        markers = SMS_MARKERS.get(kind_code, frozenset())
        recipients: tuple[Handle, ...]
        if kind_code == "1":
            sender, recipients = self._received_sender(counterparts, origin, raw), (SELF_SMS,)
            if sender is None:
                recipients = (*counterparts, SELF_SMS)
        elif kind_code in SMS_TYPES:
            sender, recipients = SELF_SMS, counterparts
        else:
            sender, recipients = None, counterparts
            self._unknown_box(origin, raw, f'type="{kind_code}"')
        date_ms = int(attrs["date"])
        identity = (thread, date_ms, kind_code, body)
        details = _copied(attrs, SMS_DETAILS, sms_type=SMS_TYPES.get(kind_code, (f"type {kind_code}",))[0])
        if body is None and "body" in attrs:
            details["null_body"] = True
        return Record(
            kind="message",
            channel="sms",
            when=when,
            thread=thread,
            sender=sender,
            recipients=recipients,
            text=body,
            origin=origin,
            raw=raw,
            identity=(*identity, self.repeats.number(date_ms, identity)),
            markers=markers,
            details=details,
        )

    def _people(self, addresses: str | None, contact_name: str | None) -> tuple[tuple[Handle, ...], str]:
        """The counterpart handles and the thread, remembered for the few numbers a backup repeats."""
        key = (addresses, contact_name)
        known = self.people.get(key)
        if known is None:
            if len(self.people) >= PEOPLE_CACHE:
                self.people.clear()
            display = None if contact_name in (None, "null", "", UNKNOWN_CONTACT) else contact_name
            handles = _handles("sms", None if addresses == "null" else addresses, display)
            known = self.people[key] = (handles, _thread(handles))
        return known

    def _received_sender(self, counterparts: tuple[Handle, ...], origin: Origin, raw: bytes) -> Handle | None:
        if len(counterparts) == 1:
            return counterparts[0]
        reason = (
            "this group message does not say which member sent it, so it was kept without a sender; "
            "check it on the phone."
        )
        self._warn("sender_unknown", origin, raw, reason)
        return None

    def _unknown_box(self, origin: Origin, raw: bytes, found: str) -> None:
        reason = (
            f"this message has a box number stalkproof does not know ({found}), so it cannot tell whether "
            "it was sent or received; it was kept without a sender."
        )
        self._warn("unknown_type", origin, raw, reason)

    def _mms(self, element: _Element, when: When, origin: Origin, raw: bytes) -> Record:
        attrs = element.attrs
        box_code = attrs.get("msg_box", "")
        box, marker = MMS_BOXES.get(box_code, (f"box {box_code}", None))
        display = _display(attrs)
        listed = [(addr.get("address", ""), addr.get("type", "")) for addr in element.addrs]
        counterparts = _handles("sms", _value(attrs, "address"), display)
        by_type = _addresses_by_type(listed, counterparts, display)
        thread = _thread(counterparts or by_type[ADDR_TO])
        markers = {marker} if marker else set()
        to_all = (*by_type[ADDR_TO], *by_type[ADDR_CC], *by_type[ADDR_BCC])
        if box_code == "1":
            sender = by_type[ADDR_FROM][0] if by_type[ADDR_FROM] else None
            if sender is None:
                sender = self._received_sender(counterparts, origin, raw)
            recipients = to_all or (SELF_SMS,)
        elif box_code in MMS_BOXES:
            sender, recipients = SELF_SMS, to_all or counterparts
            markers.add("from_me")
        else:
            sender, recipients = None, to_all or counterparts
            self._unknown_box(origin, raw, f'msg_box="{box_code}"')
        text, attachments, text_parts = self._parts(element, origin, raw)
        m_id = _value(attrs, "m_id")
        date_ms = int(attrs["date"])
        if m_id is not None:
            identity: tuple[object, ...] = (m_id,)
        else:
            names = tuple(attachment.name for attachment in attachments)
            base = (date_ms, box_code, tuple(sorted(listed)), text, names)
            identity = (*base, self.repeats.number(date_ms, base))
        details = _details(
            msg_box=box,
            m_id=m_id,
            subject=_value(attrs, "sub"),
            readable_date=_value(attrs, "readable_date"),
            contact_name=_value(attrs, "contact_name"),
            addresses=[{"address": address, "type": kind} for address, kind in listed] or None,
            text_parts=text_parts if text_parts > 1 else None,
        )
        return Record(
            kind="message",
            channel="mms",
            when=when,
            thread=thread,
            sender=sender,
            recipients=recipients,
            text=text,
            origin=origin,
            raw=raw,
            identity=identity,
            attachments=attachments,
            markers=frozenset(markers),
            details=details,
        )

    def _parts(
        self, element: _Element, origin: Origin, raw: bytes
    ) -> tuple[str | None, tuple[Attachment, ...], int]:
        texts: list[str] = []
        attachments: list[Attachment] = []
        for part in sorted(element.parts, key=_seq):
            mime = (_value(part, "ct") or "").lower()
            if mime == "application/smil":
                continue  # the slide layout, not content; it stays in the raw bytes
            text = _value(part, "text")
            if mime.startswith("text/plain") and text is not None:
                texts.append(text)
                continue
            attachments.append(self._attachment(part, mime, origin, raw))
        return ("\n".join(texts) if texts else None), tuple(attachments), len(texts)

    def _attachment(self, part: dict[str, str], mime: str, origin: Origin, raw: bytes) -> Attachment:
        name = (
            _value(part, "cl") or _value(part, "name") or _value(part, "fn") or f"part-{part.get('seq', '')}"
        )
        encoded = _value(part, "data")
        if encoded is None:
            return Attachment(name, "omitted", mime=mime or None)
        if len(encoded) * 3 // 4 > MAX_ATTACHMENT:
            reason = f"the attachment '{name}' is over 256 MiB, more than stalkproof keeps; it was left out."
            self._warn("attachment_too_large", origin, raw, reason)
            return Attachment(name, "omitted", mime=mime or None)
        try:
            data = base64.b64decode("".join(encoded.split()), validate=True)
        except (binascii.Error, ValueError):
            reason = (
                f"the attachment '{name}' is damaged in the backup (its data is not valid base64), so it "
                "could not be kept; the rest of the message was imported."
            )
            self._warn("bad_attachment", origin, raw, reason)
            return Attachment(name, "missing", mime=mime or None)
        return Attachment(name, "inline", data=data, mime=mime or None)

    def _call(self, element: _Element, when: When, origin: Origin, raw: bytes) -> Record:
        attrs = element.attrs
        kind_code = attrs.get("type", "")
        name, marker, outgoing = CALL_TYPES.get(kind_code, (f"type {kind_code}", None, False))
        caller = _caller(attrs)
        markers = {marker} if marker else set()
        recipients: tuple[Handle, ...]
        if caller.identifier == "withheld":
            markers.add("number_withheld")
        if outgoing:
            sender, recipients = SELF_PHONE, (caller,)
            markers.add("from_me")
        elif kind_code in CALL_TYPES:
            sender, recipients = caller, (SELF_PHONE,)
        else:
            sender, recipients = None, (caller, SELF_PHONE)
            self._unknown_box(origin, raw, f'type="{kind_code}"')
        duration = _int(attrs.get("duration"))
        date_ms = int(attrs["date"])
        identity = (caller.identifier, date_ms, kind_code, duration)
        details = _details(
            call_type=name,
            duration_s=duration,
            readable_date=_value(attrs, "readable_date"),
            contact_name=_value(attrs, "contact_name"),
            presentation=_value(attrs, "presentation"),
        )
        return Record(
            kind="call",
            channel="phone",
            when=when,
            thread=caller.identifier,
            sender=sender,
            recipients=recipients,
            text=None,
            origin=origin,
            raw=raw,
            identity=(*identity, self.repeats.number(date_ms, identity)),
            markers=frozenset(markers),
            details=details,
        )


def _value(attrs: dict[str, str], name: str) -> str | None:
    """The attribute, or None where the app wrote "null" (its word for 'no value') or nothing."""
    value = attrs.get(name)
    return None if value is None or value == "null" else value


def _display(attrs: dict[str, str]) -> str | None:
    name = _value(attrs, "contact_name")
    return None if name in (None, "", UNKNOWN_CONTACT) else name


def _handles(platform: str, addresses: str | None, display: str | None) -> tuple[Handle, ...]:
    """One handle per `~`-joined address; the contact name belongs to the address only when it is alone."""
    if not addresses:
        return ()
    parts = [part for part in addresses.split("~") if part.strip()]
    named = display if len(parts) == 1 else None
    return tuple(Handle(platform, normalise(platform, part), named) for part in parts)


def _addresses_by_type(
    listed: list[tuple[str, str]], counterparts: tuple[Handle, ...], display: str | None
) -> dict[str, tuple[Handle, ...]]:
    named = {handle.identifier: handle.display for handle in counterparts}
    found: dict[str, list[Handle]] = {ADDR_FROM: [], ADDR_TO: [], ADDR_CC: [], ADDR_BCC: []}
    for address, kind in listed:
        if kind not in found or not address.strip() or address == NO_ADDRESS:
            continue
        identifier = normalise("sms", address)
        handle = Handle("sms", identifier, named.get(identifier))
        if handle not in found[kind]:
            found[kind].append(handle)
    return {kind: tuple(handles) for kind, handles in found.items()}


def _thread(handles: tuple[Handle, ...]) -> str:
    return "~".join(sorted({handle.identifier for handle in handles})) or "unknown"


def _caller(attrs: dict[str, str]) -> Handle:
    number = (_value(attrs, "number") or "").strip()
    hidden = HIDDEN_CALLERS.get(attrs.get("presentation", ""))
    if hidden is not None or not number or number.startswith("-"):
        return Handle("phone", hidden or "unknown")
    return Handle("phone", normalise("phone", number), _display(attrs))


def _seq(part: dict[str, str]) -> int:
    return _int(part.get("seq")) or 0


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _when(found: str | None) -> When | None:
    """`date` is milliseconds since 1970 in UTC; the milliseconds are kept."""
    ms = _int(found)
    if ms is None or found is None or not 0 <= ms < 2**47:
        return None
    return When(_EPOCH + timedelta(milliseconds=ms), "second", found, "UTC")


def _copied(attrs: dict[str, str], names: tuple[str, ...], **values: object) -> dict[str, object]:
    """The attributes worth showing beside the record, skipping the app's "null"s."""
    kept: dict[str, object] = dict(values)
    for name in names:
        value = attrs.get(name)
        if value is not None and value != "null":
            kept[name] = value
    return kept


def _details(**values: object) -> dict[str, object] | None:
    kept = {name: value for name, value in values.items() if value is not None}
    return kept or None


def _attributes_with_line_breaks(raw: bytes) -> Iterator[str]:
    for match in _QUOTED_VALUE.finditer(raw):
        start, end = match.span(1)
        if raw.find(b"\n", start, end) == -1 and raw.find(b"\r", start, end) == -1:
            continue
        name = _NAME_BEFORE.search(raw, max(0, match.start() - 64), match.start())
        yield name.group(1).decode("ascii", "replace") if name else "?"
