"""Chats from Snapchat's "My Data" download: `json/chat_history.json` (or `chat_history.json`).

Two shapes are read:
- **old**: `{"Received Saved Chat History": [{From, Media Type, Created, Text}], "Sent Saved Chat History":
  [{To, ...}]}`. The thread is the other person; sent messages are the owner's ("self", or `--me`).
- **new**: `{"<conversation>": [{From, IsSender, Media Type, Created, Content, Conversation Title, Media IDs,
  Created(microseconds)}]}`: the conversation key is the thread, `IsSender` marks the owner's messages.

**Only chats someone saved are in the download**; one `only_saved_chats` warning says so. `Created` is UTC
text ("2023-06-01 18:30:05 UTC"); `Created(microseconds)`, when present, is used instead (despite its name
it holds milliseconds in the downloads seen, so its size decides which it is). `Media IDs` (separated by
" | ") are matched to files in `chat_media/` whose names hold the id. Identity: (conversation, created,
From, Content, n): Snapchat gives messages no id. The root keys of the new shape are conversation names,
so they are found with one quick ijson pass before the messages are split.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import ijson

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
from stalkproof.ingest.jsonsplit import CANONICAL, Element, iter_elements, warn_unreadable

PLATFORM = "snapchat"
RECEIVED, SENT = "Received Saved Chat History", "Sent Saved Chat History"
OLD_TARGETS = ((RECEIVED,), (SENT,))
FILE_NAME = "chat_history.json"
_SIGNS = re.compile(rb'"(?:Media Type|Created|IsSender|Saved Chat History)"')
_TIME = "%Y-%m-%d %H:%M:%S UTC"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECONDS_FROM = 10**14  # a count of milliseconds this large would be after the year 5000
_ONLY_SAVED = (
    "A Snapchat download holds only the chats that you or the other person saved; unsaved snaps and "
    "chats are not in it, so take screenshots of anything else you need to keep."
)
_MISSED_MEDIA = (
    "These chats name {count:,} photos or videos that are not in what was imported; to keep them too, "
    "import the whole download (the zip, or the folder it unpacks to) instead of chat_history.json alone."
)


class SnapchatSource:
    name = "snapchat"
    label = "Snapchat chat history (JSON)"
    version = "1"

    def detect(self, inp: Input) -> float:
        best = 0.0
        for member in _candidates(inp):
            head = member.head(8192)
            signs = len(set(_SIGNS.findall(head)))
            named = member.basename == FILE_NAME
            if signs >= 2:
                best = max(best, 0.95 if named else 0.8)
            elif named:
                best = max(best, 0.3)
        return best

    def survey(self, inp: Input, ctx: Context) -> Survey:
        return survey_by_parsing(self, inp, ctx)

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        members = sorted(_candidates(inp), key=lambda member: member.name)
        if not members:
            raise InputError("there is no Snapchat chat_history.json in this.", inp.path)
        ctx.warn("only_saved_chats", inp.where(members[0]), None, "", _ONLY_SAVED)
        media = _media_index(inp)
        for member in members:
            yield from _Chats(inp, member, ctx, media).records()


def _candidates(inp: Input) -> Iterator[Member]:
    if inp.kind == "file":
        return iter(inp.members)
    return inp.find(lambda member: member.basename == FILE_NAME)


def _media_index(inp: Input) -> dict[str, str]:
    """chat_media files by the media id in their names ("2023-06-01_b~EiQS.jpeg" -> "b~EiQS")."""
    found = {}
    for member in inp.members:
        folder, _, name = member.name.rpartition("/")
        if folder.rpartition("/")[2] == "chat_media":
            stem = name.rsplit(".", 1)[0]
            found[stem] = member.name
            found[stem.split("_", 1)[-1]] = member.name
    return found


def _root_keys(member: Member) -> list[str]:
    with member.open() as stream:
        return [value for prefix, event, value in ijson.parse(stream) if prefix == "" and event == "map_key"]


class _Chats:
    def __init__(self, inp: Input, member: Member, ctx: Context, media: Mapping[str, str]) -> None:
        self.inp, self.member, self.ctx, self.media = inp, member, ctx, media
        self.where = inp.where(member)
        self.holds_media = inp.kind != "file"
        self.me = Handle(PLATFORM, normalise(PLATFORM, ctx.me) if ctx.me else "self")
        self.handles: dict[str, Handle] = {}
        self.repeats = Repeats()
        self.missing = 0

    def records(self) -> Iterator[Record]:
        old = RECEIVED.encode() in self.member.head() or SENT.encode() in self.member.head()
        targets = OLD_TARGETS if old else [(key,) for key in _root_keys_checked(self.member, self.where)]
        for element in iter_elements(self.member, self.where, targets, self.ctx):
            record = self._record(element, old)
            if record is not None:
                yield record
        if self.missing and not self.holds_media:
            self.ctx.warn("media_missing", self.where, None, "", _MISSED_MEDIA.format(count=self.missing))

    def _record(self, element: Element, old: bool) -> Record | None:
        message = element.value
        if type(message) is not dict:
            self._unreadable(element, "This entry in the chat list is not a message")
            return None
        when = _when(message)
        if when is None:
            self._unreadable(element, "This message has no time stalkproof can read")
            return None
        key = element.target[0]
        if old:
            thread, sender, recipients, mine = self._old_people(message, key == SENT)
        else:
            thread, mine = key, message.pop("IsSender", False) is True
            sender = self._handle(message.pop("From", None))
            recipients = ()
        text = message.pop("Text" if old else "Content", None)
        text = text if isinstance(text, str) and text else None
        markers = frozenset({"from_me"}) if mine else frozenset()
        attachments = self._attachments(message.pop("Media IDs", None), element)
        if any(attachment.status == "missing" for attachment in attachments):
            markers = markers | {"media_missing"}
        if element.canonical:
            message["raw"] = CANONICAL
        who = sender.identifier if sender is not None else None
        identity = (thread, when.found, who, text)
        origin = Origin(
            self.member.name,
            element.offset,
            len(element.raw),
            element.line,
            element.end_line,
            element.path if element.canonical else None,
        )
        return Record(
            "message",
            PLATFORM,
            when,
            thread,
            sender,
            recipients,
            text,
            origin,
            element.raw,
            (*identity, self.repeats.number(when.found, identity)),
            attachments,
            markers,
            message,
        )

    def _old_people(
        self, message: dict[str, Any], sent: bool
    ) -> tuple[str, Handle | None, tuple[Handle, ...], bool]:
        other = self._handle(message.pop("To" if sent else "From", None))
        thread = other.identifier if other is not None else ""
        if sent:
            return thread, self.me, (other,) if other is not None else (), True
        return thread, other, (), False

    def _handle(self, name: object) -> Handle | None:
        if not isinstance(name, str) or not name:
            return None
        handle = self.handles.get(name)
        if handle is None:
            handle = self.handles[name] = Handle(PLATFORM, normalise(PLATFORM, name))
        return handle

    def _attachments(self, ids: object, element: Element) -> tuple[Attachment, ...]:
        if not isinstance(ids, str) or not ids.strip():
            return ()
        return tuple(
            self._attachment(media_id.strip(), element) for media_id in ids.split("|") if media_id.strip()
        )

    def _attachment(self, media_id: str, element: Element) -> Attachment:
        found = self.media.get(media_id)
        if found is not None:
            return Attachment(media_id, "attached", member=found)
        self.missing += 1
        if self.holds_media:
            self.ctx.warn(
                "media_missing",
                self.where,
                element.line,
                element.raw,
                f"This message names the media '{media_id}', which is not in the download's chat_media "
                "folder; the message is kept and the file marked missing. If you still have the file, add "
                "it as an exhibit.",
                element.offset,
            )
        return Attachment(media_id, "missing")

    def _unreadable(self, element: Element, what: str) -> None:
        warn_unreadable(self.ctx, self.where, element, what)


def _root_keys_checked(member: Member, where: str) -> list[str]:
    try:
        return _root_keys(member)
    except ijson.JSONError:
        # The splitter reads the file next and names the line where it goes wrong.
        return []


def _when(message: dict[str, Any]) -> When | None:
    precise = message.pop("Created(microseconds)", None)
    created = message.get("Created")
    if type(precise) is int:
        unit = "microseconds" if precise >= _MICROSECONDS_FROM else "milliseconds"
        try:
            return When(_EPOCH + timedelta(**{unit: precise}), "second", str(precise), "UTC")
        except OverflowError:
            return None
    if type(created) is not str:
        return None
    try:
        return When(datetime.strptime(created, _TIME).replace(tzinfo=UTC), "second", created, "UTC")
    except ValueError:
        return None


SOURCE = SnapchatSource()
