"""Telegram Desktop's JSON export ("Export chat history" or "Export Telegram data", format JSON).

Both shapes are read from `result.json`: one chat (`{"name", "type", "id", "messages": [...]}`) and the
whole account (`chats.list[].messages[]`, and `left_chats.list[].messages[]` for chats the owner has
left). Messages are split by `jsonsplit`, so `raw` is each message's exact bytes in the file.

What becomes what:
- `text` is a string, or a list of strings and `{"type", "text", ...}` objects when it has formatting or
  links: the record's text is the parts' texts joined exactly as they are; the formatting
  (`text_entities`) goes to `details` unless it is all plain. An empty text becomes None.
- Time: `date_unixtime` is the instant (UTC, second precision). `date` is the wall clock on the exporting
  computer and is kept in `details.date`, with the export's offset (`date` minus `date_unixtime`) in
  `details.utc_offset`. Older exports have only `date`: a naive time, zone unknown.
- `from_id` ("user123456", "channel777") is the account's identifier, `from` its display name; the bare
  numbers of exports before 2021 become "user<number>", so the two match. In an account export the
  owner's id is known, and their messages are marked `from_me`; elsewhere `--me` (an id such as
  user111 or a display name) says who the owner is.
- `type: service` is a system notice (sender None; `actor`, `actor_id`, `action` and the rest in
  `details`), except `action: phone_call`, which is a call by the actor with `details.duration_s` and
  `discard_reason` (`missed` and `busy` also become markers).
- `edited`/`edited_unixtime` mark `edited`; `forwarded_from` marks `forwarded`; `reply_to_message_id` is
  `details.reply_to`. Every other field the message has is kept in `details` as found.
- Media (`photo`, `file`, `contact_vcard`) are paths relative to result.json: `attached` when the file is in
  the folder or zip, `omitted` when Telegram wrote "(File not included...)" or "(File exceeds maximum
  size...)" because the export settings left it out, otherwise `missing` with a warning.
- Identity: (chat id, message id), Telegram's own stable ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from stalkproof.errors import InputError
from stalkproof.ingest.base import (
    Attachment,
    Context,
    Handle,
    Record,
    Survey,
    When,
    survey_by_parsing,
)
from stalkproof.ingest.epoch import EPOCH, EpochClock, utc_when
from stalkproof.ingest.identifiers import normalise
from stalkproof.ingest.inputs import Input, Member
from stalkproof.ingest.json_compiled import compiled_telegram_when
from stalkproof.ingest.jsonsplit import CANONICAL, Element, MemberIndex, iter_element_runs, warn_unreadable

PLATFORM = "telegram"
RESULT = "result.json"
TARGETS = (("messages",), ("chats", "list", "*", "messages"), ("left_chats", "list", "*", "messages"))
MEDIA_KEYS = ("photo", "file", "contact_vcard")
NOT_INCLUDED = "(File "  # "(File not included. Change data exporting settings to download.)" and kin

_NO_MARKERS: frozenset[str] = frozenset()
# "MM:SS" -> seconds into the hour: one look-up costs a quarter of the two int() calls it stands for.
_INTO_HOUR = {
    f"{minute:02d}:{second:02d}": minute * 60 + second for minute in range(60) for second in range(60)
}
# Records, origins and times are made with object.__new__ and slot assignment, as whatsapp_parse.py does:
# it skips the dataclass __init__ calls, which cost about twice as much. Every field is assigned, and
# tests/ingest/test_telegram.py checks the records against ones built the usual way.
_new = object.__new__
_UNSEEN = Handle(PLATFORM, "")  # not in the handle cache yet (None is a cached answer)
_HEAD = 64 * 1024
_MESSAGE_SIGNS = re.compile(rb'"(?:date_unixtime|from_id|text_entities)"\s*:')
_CHAT_TYPE = re.compile(
    rb'"type"\s*:\s*"(?:personal_chat|bot_chat|private_group|private_supergroup|public_supergroup|'
    rb'private_channel|public_channel|saved_messages)"'
)
_ACCOUNT_SIGNS = re.compile(rb'"(?:personal_information|frequent_contacts|left_chats)"\s*:')
_OWNER = re.compile(rb'"personal_information"\s*:\s*\{[^{}]*?"user_id"\s*:\s*(\d+)')
_MISSED_MEDIA = (
    "Telegram's result.json names {count:,} photos or files, but they are not in what was imported; to keep "
    "them too, import the whole export folder (or a zip of it) instead of result.json alone."
)


class TelegramSource:
    name = "telegram"
    label = "Telegram Desktop (JSON)"
    version = "1"

    def detect(self, inp: Input) -> float:
        best = 0.0
        for member in _candidates(inp):
            head = member.head(_HEAD)
            signs = bool(_MESSAGE_SIGNS.search(head)) + bool(_CHAT_TYPE.search(head))
            account = bool(_ACCOUNT_SIGNS.search(head))
            named = member.basename == RESULT
            if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] != b"{":
                continue
            if (signs == 2 or account) and named:
                best = max(best, 0.95)
            elif signs == 2 or (signs and named) or account:
                best = max(best, 0.8)
            elif named:
                best = max(best, 0.3)
        return best

    def survey(self, inp: Input, ctx: Context) -> Survey:
        return survey_by_parsing(self, inp, ctx)

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        members = sorted(_candidates(inp), key=lambda member: member.name)
        if not members:
            raise InputError("there is no Telegram result.json in this.", inp.path)
        media = MemberIndex(inp)
        for member in members:
            yield from _Chats(inp, member, ctx, media).records()


def _candidates(inp: Input) -> Iterator[Member]:
    if inp.kind == "file":
        return iter(inp.members)
    return inp.find(lambda member: member.basename == RESULT)


class _Chats:
    """The records of one result.json, with what stays the same from one message to the next cached."""

    def __init__(self, inp: Input, member: Member, ctx: Context, media: MemberIndex) -> None:
        self.member, self.ctx, self.media = member, ctx, media
        self.where = inp.where(member)
        owner = _OWNER.search(member.head(_HEAD))
        # Who "me" is: the account export names its owner; otherwise --me, as an id or a display name.
        self.me = {f"user{owner.group(1).decode()}"} if owner else set()
        if ctx.me:
            self.me |= {ctx.me, normalise(PLATFORM, ctx.me)}
        self.mine: set[str] = set()  # identifiers of the handles found to be the owner's
        self.handles: dict[tuple[object, object], Handle | None] = {}
        self.offsets: dict[int, str] = {}
        self.hours: dict[str, int] = {}
        # The compiled twin of `_when`'s usual case (json_compiled.py), or None: the Python code alone.
        self.quick_when = compiled_telegram_when()
        self.clock = EpochClock()
        self.container: Mapping[str, Any] | None = None
        self.thread = ""
        self.chat: tuple[object, object] = (None, None)
        self.missing = 0

    def records(self) -> Iterator[Record]:
        for run in iter_element_runs(self.member, self.where, TARGETS, self.ctx):
            if run[0].container is not self.container:  # a run is all from one array
                self._enter(run[0].container)
            for element in run:
                record = self._record(element)
                if record is not None:
                    yield record
        if self.missing and not self.media.holds_media:
            self.ctx.warn("media_missing", self.where, None, "", _MISSED_MEDIA.format(count=self.missing))

    def _enter(self, container: Mapping[str, Any]) -> None:
        self.container = container
        chat_id, name = container.get("id"), container.get("name")
        self.thread = str(chat_id) if chat_id is not None else (name or self.member.name)
        self.chat = (name, container.get("type"))

    def _record(self, element: Element) -> Record | None:
        # The hot path: the message dict is ours (fresh from orjson), so the fields that become the
        # record's own are popped from it and what is left is the record's details, without copying.
        message = element.value
        if type(message) is not dict:
            self._unreadable(element, "This entry in the message list is not a message")
            return None
        when = self._when(message)
        if when is None:
            self._unreadable(element, "This message has no date stalkproof can read")
            return None
        kind = message.get("type")
        if kind == "service":
            kind, sender, markers = self._service(message)
        else:
            if kind == "message":
                del message["type"]
            key = (message.pop("from_id", None), message.pop("from", None))
            sender = self.handles.get(key, _UNSEEN)
            if sender is _UNSEEN:
                sender = self._handle(*key)
            kind, markers = "message", _NO_MARKERS
            if (
                self.mine
                or "edited" in message
                or "edited_unixtime" in message
                or "forwarded_from" in message
            ):
                markers = self._markers(message, sender)
        text = _text(message)
        attachments: tuple[Attachment, ...] = ()
        if "photo" in message or "file" in message or "contact_vcard" in message:
            attachments = self._attachments(message, element)
            if any(attachment.status == "missing" for attachment in attachments):
                markers = markers | {"media_missing"}
        if "reply_to_message_id" in message:
            message["reply_to"] = message.pop("reply_to_message_id")
        message["chat"], message["chat_type"] = self.chat
        if element.canonical:
            message["raw"] = CANONICAL
        record = _new(Record)
        record.kind = kind
        record.channel = PLATFORM
        record.when = when
        record.thread = self.thread
        record.sender = sender
        record.recipients = ()
        record.text = text
        record.origin = element.origin(self.member.name)
        record.raw = element.raw
        record.identity = (self.thread, message.get("id"))
        record.attachments = attachments
        record.markers = markers
        record.details = message
        return record

    def _when(self, message: dict[str, Any]) -> When | None:
        """The instant from `date_unixtime`, leaving `date` (the exporting computer's clock) in the message
        with the offset between the two beside it; or, in exports before 2021, the naive `date` alone."""
        unix, date = message.pop("date_unixtime", None), message.get("date")
        if self.quick_when is not None:
            # Only for "date_unixtime" digits with a "YYYY-MM-DDTHH:MM:SS" date whose offset has been seen:
            # the same When and utc_offset as below; for anything else it gives None and changes nothing.
            when = self.quick_when(message, unix, date, self.offsets)
            if when is not None:
                return when
        try:
            if unix is not None:
                seconds = int(unix)
                if type(date) is str:
                    message["utc_offset"] = self._offset(date, seconds)
                return utc_when(self.clock.seconds(seconds), str(unix))
            if type(date) is str:
                return When(datetime.fromisoformat(date), "second", date)
        except (ValueError, TypeError, OverflowError):
            return None
        return None

    def _offset(self, date: str, unix: int) -> str:
        # date is "YYYY-MM-DDTHH:MM:SS". The start of its hour, read as if UTC, is cached (a few thousand
        # hours at most), so most messages cost two look-ups rather than a datetime round trip.
        key = date[:13]
        hour = self.hours.get(key)
        if hour is None:
            if len(self.hours) > 65_536:
                self.hours.clear()
            start = datetime.fromisoformat(key + ":00:00").replace(tzinfo=UTC)
            hour = self.hours[key] = int((start - EPOCH).total_seconds())
        into = _INTO_HOUR.get(date[14:19])
        if into is None:  # not written "MM:SS": int() reads it, or refuses it, as it always did
            into = int(date[14:16]) * 60 + int(date[17:19])
        seconds = hour + into - unix
        text = self.offsets.get(seconds)
        if text is None:
            sign, rest = ("-" if seconds < 0 else "+"), abs(seconds)
            text = self.offsets[seconds] = f"{sign}{rest // 3600:02d}:{rest % 3600 // 60:02d}"
        return text

    def _markers(self, message: dict[str, Any], sender: Handle | None) -> frozenset[str]:
        mine = sender is not None and sender.identifier in self.mine
        if (
            not mine
            and "edited" not in message
            and "edited_unixtime" not in message
            and "forwarded_from" not in message
        ):
            return _NO_MARKERS
        markers = set()
        if mine:
            markers.add("from_me")
        if "edited_unixtime" in message or "edited" in message:
            markers.add("edited")
        if "forwarded_from" in message:
            markers.add("forwarded")
        return frozenset(markers)

    def _service(self, message: dict[str, Any]) -> tuple[str, Handle | None, frozenset[str]]:
        """A notice (sender None, the actor kept in the details) or, for `phone_call`, a call by the actor."""
        del message["type"]
        if message.get("action") != "phone_call":
            return "system", None, _NO_MARKERS
        sender = self._handle(message.pop("actor_id", None), message.pop("actor", None))
        if "duration_seconds" in message:
            message["duration_s"] = message.pop("duration_seconds")
        markers = set(self._markers(message, sender))
        if message.get("discard_reason") in ("missed", "busy"):
            markers.add(message["discard_reason"])
        return "call", sender, frozenset(markers)

    def _handle(self, account: object, display: object) -> Handle | None:
        key = (account, display)
        handle = self.handles.get(key, False)
        if handle is False:
            if isinstance(account, int) and not isinstance(account, bool):
                account = f"user{account}"  # exports before 2021 wrote a person's id as a bare number
            raw = account if isinstance(account, str) and account else display
            shown = display if isinstance(display, str) else None
            handle = (
                Handle(PLATFORM, normalise(PLATFORM, raw), shown) if isinstance(raw, str) and raw else None
            )
            if handle is not None and (handle.identifier in self.me or shown in self.me):
                self.mine.add(handle.identifier)
            self.handles[key] = handle
        return handle  # type: ignore[return-value]

    def _attachments(self, message: dict[str, Any], element: Element) -> tuple[Attachment, ...]:
        found: list[Attachment] = []
        for key in MEDIA_KEYS:
            path = message.get(key)
            if isinstance(path, str):
                del message[key]
                found.append(self._attachment(key, path, message, element))
        return tuple(found)

    def _attachment(self, key: str, path: str, message: Mapping[str, Any], element: Element) -> Attachment:
        mime = message.get("mime_type") if key == "file" else None
        mime = mime if isinstance(mime, str) else None
        if path.startswith(NOT_INCLUDED):
            named = message.get("file_name")
            return Attachment(
                named if isinstance(named, str) and key == "file" else key, "omitted", mime=mime
            )
        found = self.media.find(path, self.member.name)
        if found is not None:
            return Attachment(path, "attached", member=found, mime=mime)
        self.missing += 1
        if self.media.holds_media:
            self.ctx.warn(
                "media_missing",
                self.where,
                element.line,
                element.raw,
                f"This message names the file '{path}', which is not in the export; the message is kept "
                "and the file marked missing. If you still have the file, add it as an exhibit.",
                element.offset,
            )
        return Attachment(path, "missing", mime=mime)

    def _unreadable(self, element: Element, what: str) -> None:
        warn_unreadable(self.ctx, self.where, element, what)


def _text(message: dict[str, Any]) -> str | None:
    """The text exactly, with its parts joined when it has formatting. The formatting stays in the
    message (and so in the details) unless it is all plain, when it only repeats the text."""
    text, entities = message.pop("text", None), message.pop("text_entities", None)
    if isinstance(text, list):
        parts = text
        text = "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in parts)
        if entities is None:  # exports before 2021 have only the mixed list
            entities = [part if isinstance(part, dict) else {"type": "plain", "text": part} for part in parts]
    if entities:
        # Most messages have one plain entity: checked here, without a call to _all_plain.
        only = entities[0] if type(entities) is list and len(entities) == 1 else None
        if not (type(only) is dict and only.get("type") == "plain") and not _all_plain(entities):
            message["text_entities"] = entities
    return text if isinstance(text, str) and text else None


def _all_plain(entities: list[Any]) -> bool:
    if len(entities) == 1:
        only = entities[0]
        return type(only) is dict and only.get("type") == "plain"
    return all(type(entity) is dict and entity.get("type") == "plain" for entity in entities)


SOURCE = TelegramSource()
