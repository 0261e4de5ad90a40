"""Facebook Messenger and Instagram messages from Meta's "Download your information" (format JSON).

Each conversation is a folder `messages/<box>/<name_id>/` holding `message_1.json`, `message_2.json`...,
where message_1 is the newest file and each file lists its messages newest first. The folder sits under
`your_activity_across_facebook/` or `your_facebook_activity/` (Facebook since 2023), directly at the root
(older Facebook and Instagram exports) or under `your_instagram_activity/` (Instagram since 2023). A
conversation's files are read in number order (message_1, message_2, ..., message_10) and each file in
its own order, so records come newest first, exactly as the export holds them. Messenger's separate
download of end-to-end encrypted chats (camelCase: `senderName`, `timestamp`, `text`, `isUnsent`, `media`)
is read too.

What becomes what:
- **Mojibake.** Meta writes each UTF-8 byte of a text as its own `\\u00XX` escape, so "é" arrives as "Ã©".
  The text is kept exactly as the JSON gives it; the repaired text (`s.encode("latin-1").decode("utf-8")`,
  when that works and changes something) is in `details["text_normalised"]`. A text that is already
  right, such as a real Latin-1 "café" or anything beyond U+00FF, is left alone. Sender identifiers use
  the repaired name; `display` keeps the name as found. The E2EE download is real UTF-8: nothing to repair.
- Time: `timestamp_ms`, UTC, kept to the millisecond with precision "second".
- `photos`, `videos`, `audio_files`, `files`, `gifs` and `sticker` name files by `uri`, relative to the
  export's root: `attached` when the file is in the folder or zip, `url` for a web address, otherwise
  `missing` with a warning.
- `is_unsent` marks `deleted`; `call_duration` makes a call (`details.duration_s`); `Subscribe` and
  `Unsubscribe` (people added to or leaving a group) are system notices with the actor in `details`.
  `reactions`, `share` and every other field are kept in `details` as found (reactions repaired as
  `reactions_normalised` where the mojibake applies).
- Recipients are the conversation's participants other than the sender, for groups of up to 8; larger
  groups are listed once, in the survey's facts (`groups`). The download does not say whose it is:
  `--me NAME` marks that person's messages `from_me`.
- The thread is the conversation folder's name (`<name_id>`), which stays the same when the chat moves
  between `inbox` and `archived_threads`; the box is `details.folder`. An empty text becomes None.
- Identity: (conversation folder, timestamp_ms, sender, text, attachment names, n); there is no message id.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from stalkproof.errors import InputError
from stalkproof.ingest.base import Attachment, Context, Handle, Record, Repeats, Survey, When
from stalkproof.ingest.epoch import EpochClock, utc_when
from stalkproof.ingest.identifiers import normalise
from stalkproof.ingest.inputs import Input, Member
from stalkproof.ingest.json_compiled import compiled_millisecond_when
from stalkproof.ingest.jsonsplit import CANONICAL, Element, MemberIndex, iter_element_runs, warn_unreadable

TARGETS = (("messages",),)
MEDIA_KEYS = ("photos", "videos", "audio_files", "files", "gifs")
_ATTACHMENT_KEYS = frozenset((*MEDIA_KEYS, "media", "sticker"))
_KIND_KEYS = frozenset(("is_unsent", "isUnsent", "call_duration", "type"))  # what `_kind` looks at
_NO_MARKERS: frozenset[str] = frozenset()
_DELETED = frozenset({"deleted"})
_FROM_ME = frozenset({"from_me"})
MAX_LISTED_RECIPIENTS = 8
FACEBOOK_ROOTS = ("your_activity_across_facebook/", "your_facebook_activity/")
INSTAGRAM_ROOTS = ("your_instagram_activity/",)
_INSTAGRAM_HINTS = ("your_instagram_activity/", "followers_and_following/")
_THREAD_FILE = re.compile(r"(?:^|/)messages/(?P<box>[^/]+)/(?P<thread>[^/]+)/message_(?P<number>\d+)\.json$")
_HEAD = 64 * 1024
_E2EE_HEAD = 4096
MAX_LOOSE_FILES = 10_000
_CLASSIC_SIGNS = re.compile(rb'"(?:sender_name|timestamp_ms)"\s*:')
_E2EE_SIGNS = re.compile(rb'"(?:senderName|threadName)"\s*:')
_MISSED_MEDIA = (
    "These messages name {count:,} photos or other files that are not in what was imported; to keep them "
    "too, import the whole download (the zip, or the folder it unpacks to) instead of single files."
)


@dataclass(frozen=True)
class _Layout:
    """Field names, which differ between the classic download and Messenger's E2EE one."""

    sender: str
    time: str
    text: str
    unsent: str
    mojibake: bool


CLASSIC = _Layout("sender_name", "timestamp_ms", "content", "is_unsent", mojibake=True)
E2EE = _Layout("senderName", "timestamp", "text", "isUnsent", mojibake=False)


# Records, origins and times are made with object.__new__ and slot assignment, as whatsapp_parse.py does:
# it skips the dataclass __init__ calls, which cost about twice as much. Every field is assigned, and
# tests/ingest/test_meta.py checks the records against ones built the usual way.
_new = object.__new__


def repair(text: str) -> str:
    """Undo Meta's mojibake (UTF-8 bytes written as Latin-1 characters); the text itself if it is not."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


@dataclass
class _File:
    member: Member
    layout: _Layout
    thread: str
    folder: str | None


class MetaSource:
    """One class for both apps: the files are the same; only the platform and the roots differ."""

    def __init__(
        self, name: str, label: str, own_roots: tuple[str, ...], other_roots: tuple[str, ...]
    ) -> None:
        self.name = name
        self.label = label
        self.version = "1"
        self.own_roots, self.other_roots = own_roots, other_roots

    def detect(self, inp: Input) -> float:
        files = _thread_files(inp, with_e2ee=self.name == "messenger")
        if not files:
            return 0.0
        first = files[0]
        head = first.member.head(_HEAD)
        signs = _E2EE_SIGNS if first.layout is E2EE else _CLASSIC_SIGNS
        if not signs.search(head):
            return 0.0
        names = [member.name for member in inp.members]
        if any(root in name for name in names for root in self.own_roots):
            return 0.95
        if any(root in name for name in names for root in self.other_roots):
            return 0.0
        if first.layout is E2EE:
            return 0.9
        return 0.9 if self._hinted(inp, names) else 0.4

    def _hinted(self, inp: Input, names: list[str]) -> bool:
        instagram = "instagram" in inp.name.lower() or any(h in n for n in names for h in _INSTAGRAM_HINTS)
        return instagram == (self.name == "instagram")

    def survey(self, inp: Input, ctx: Context) -> Survey:
        survey = Survey()
        reader = _Reader(self.name, inp, ctx)
        for record in reader.records():
            survey.count(record)
            ctx.records_so_far = survey.records
        ctx.records_so_far = 0
        survey.facts["files"] = reader.files
        if reader.groups:
            survey.facts["groups"] = reader.groups
        return survey

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        return _Reader(self.name, inp, ctx).records()


def _thread_files(inp: Input, with_e2ee: bool = True) -> list[_File]:
    """The message files in reading order: conversation by conversation, message_1 first. Messenger's
    E2EE download is looked for only where there are no message_N.json files: it comes on its own."""
    found: list[tuple[tuple[str, int], _File]] = []
    for member in inp.members:
        match = _THREAD_FILE.search(member.name)
        if match is not None:
            folder_path = member.name[: match.start("number") - len("message_")]
            file = _File(member, CLASSIC, match["thread"], match["box"])
            found.append(((folder_path, int(match["number"])), file))
    if not found and (with_e2ee or inp.kind == "file"):
        loose = (member for member in inp.members if member.name.lower().endswith(".json"))
        for member in itertools.islice(loose, MAX_LOOSE_FILES):
            head = member.head(_HEAD if inp.kind == "file" else _E2EE_HEAD)
            e2ee = with_e2ee and _E2EE_SIGNS.search(head) is not None
            if e2ee or inp.kind == "file":
                found.append(
                    ((member.name, 0), _File(member, E2EE if e2ee else CLASSIC, _stem(member.name), None))
                )
    found.sort(key=lambda pair: pair[0])
    return [file for _, file in found]


def _stem(name: str) -> str:
    return name.rsplit("/", 1)[-1].removesuffix(".json")


@dataclass
class _Thread:
    """What stays the same from one message of a conversation to the next."""

    participants: tuple[Handle, ...] = ()
    recipients: dict[str, tuple[Handle, ...]] = field(default_factory=dict)


class _Reader:
    def __init__(self, platform: str, inp: Input, ctx: Context) -> None:
        self.platform, self.inp, self.ctx = platform, inp, ctx
        self.media = MemberIndex(inp)
        self.handles: dict[str, Handle] = {}
        self.me = (
            normalise(platform, ctx.me) if ctx.me else None
        )  # --me: the owner's name as the app shows it
        self.mine: set[str] = set()  # identifiers of the handles found to be the owner's
        self.repeats = Repeats()
        self.groups: dict[str, list[str]] = {}
        self.files = 0
        self.missing = 0
        self.container: Mapping[str, Any] | None = None
        self.thread = _Thread()
        self.clock = EpochClock()
        self.quick_when = compiled_millisecond_when()  # see json_compiled.py; None: the Python code alone

    def records(self) -> Iterator[Record]:
        files = _thread_files(self.inp, with_e2ee=self.platform == "messenger")
        if not files:
            raise InputError("there are no message_1.json files (or E2EE chat files) in this.", self.inp.path)
        for file in files:
            self.files += 1
            where = self.inp.where(file.member)
            for run in iter_element_runs(file.member, where, TARGETS, self.ctx):
                if run[0].container is not self.container:  # a run is all from one array
                    self._enter(run[0].container, file)
                for element in run:
                    record = self._record(element, file, where)
                    if record is not None:
                        yield record
        if self.missing and not self.media.holds_media:
            where = self.inp.where(files[0].member)
            self.ctx.warn("media_missing", where, None, "", _MISSED_MEDIA.format(count=self.missing))

    def _enter(self, container: Mapping[str, Any], file: _File) -> None:
        self.container = container
        names = [
            person.get("name") if isinstance(person, dict) else person
            for person in container.get("participants") or ()
        ]
        handles = tuple(self._handle(name, file.layout) for name in names if isinstance(name, str))
        if len(handles) > MAX_LISTED_RECIPIENTS:
            self.groups[file.thread] = [handle.display or handle.identifier for handle in handles]
            handles = ()
        self.thread = _Thread(handles)

    def _handle(self, name: str, layout: _Layout) -> Handle:
        handle = self.handles.get(name)
        if handle is None:
            repaired = repair(name) if layout.mojibake else name
            handle = self.handles[name] = Handle(self.platform, normalise(self.platform, repaired), name)
            if self.me is not None and self.me in (handle.identifier, repaired, name):
                self.mine.add(handle.identifier)
        return handle

    def _recipients(self, sender: Handle | None) -> tuple[Handle, ...]:
        if sender is None or not self.thread.participants:
            return ()
        found = self.thread.recipients.get(sender.identifier)
        if found is None:
            found = tuple(h for h in self.thread.participants if h.identifier != sender.identifier)
            self.thread.recipients[sender.identifier] = found
        return found

    def _record(self, element: Element, file: _File, where: str) -> Record | None:
        # The message dict is ours (fresh from orjson): the fields that become the record's own are popped
        # from it, and what is left is the record's details, without copying.
        message, layout = element.value, file.layout
        if type(message) is not dict:
            self._unreadable(element, where, "This entry in the message list is not a message")
            return None
        milliseconds = message.pop(layout.time, None)
        if type(milliseconds) is not int:
            self._unreadable(element, where, "This message has no time stalkproof can read")
            return None
        name = message.pop(layout.sender, None)
        sender = None
        if type(name) is str:
            sender = self.handles.get(name) or self._handle(name, layout)
        text = message.pop(layout.text, None)
        if type(text) is not str or not text:
            text = None
        elif layout.mojibake and not text.isascii():
            repaired = repair(text)
            if repaired != text:
                message["text_normalised"] = repaired
        kind, markers = "message", _NO_MARKERS
        if not _KIND_KEYS.isdisjoint(message):
            kind, markers = self._kind(message, sender)
        if sender is not None and sender.identifier in self.mine:
            markers = markers | _FROM_ME
        if kind == "system":
            sender = None
        attachments: tuple[Attachment, ...] = ()
        if not _ATTACHMENT_KEYS.isdisjoint(message):
            attachments = self._attachments(message, element, file.member.name, where)
            if any(attachment.status == "missing" for attachment in attachments):
                markers = markers | {"media_missing"}
        if "reactions" in message and layout.mojibake:
            self._repair_reactions(message)
        if file.folder is not None:
            message["folder"] = file.folder
        if element.canonical:
            message["raw"] = CANONICAL
        who = sender.identifier if sender is not None else None
        names = tuple([attachment.name for attachment in attachments]) if attachments else ()
        identity = (file.thread, milliseconds, who, text, names)
        record = _new(Record)
        record.kind = kind
        record.channel = self.platform
        record.when = self._when(milliseconds)
        record.thread = file.thread
        record.sender = sender
        record.recipients = self._recipients(sender) if self.thread.participants else ()
        record.text = text
        record.origin = element.origin(file.member.name)
        record.raw = element.raw
        record.identity = (*identity, self.repeats.number(milliseconds, identity))
        record.attachments = attachments
        record.markers = markers
        record.details = message
        return record

    def _when(self, milliseconds: int) -> When:
        """`timestamp_ms` as an instant (see epoch.py), through the compiled twin when there is one."""
        if self.quick_when is not None:
            when = self.quick_when(milliseconds)  # None outside the years 1970 to 9999: the Python code
            if when is not None:
                return when
        return utc_when(self.clock.milliseconds(milliseconds), str(milliseconds))

    def _kind(self, message: dict[str, Any], sender: Handle | None) -> tuple[str, frozenset[str]]:
        deleted = message.pop(CLASSIC.unsent, False) or message.pop(E2EE.unsent, False)
        markers = _DELETED if deleted else _NO_MARKERS
        kind = message.get("type")
        if "call_duration" in message or kind == "Call":
            message["duration_s"] = message.pop("call_duration", None)
            return "call", markers | {"missed"} if message.get("missed") else markers
        if kind in ("Subscribe", "Unsubscribe"):
            message["actor"] = sender.display if sender is not None else None
            return "system", markers
        return "message", markers

    def _attachments(
        self, message: dict[str, Any], element: Element, near: str, where: str
    ) -> tuple[Attachment, ...]:
        found: list[Attachment] = []
        for key in (*MEDIA_KEYS, "media"):
            items = message.get(key)
            if not isinstance(items, list):
                continue
            del message[key]
            found.extend(
                self._attachment(item, element, near, where) for item in items if isinstance(item, dict)
            )
        sticker = message.get("sticker")
        if isinstance(sticker, dict) and isinstance(sticker.get("uri"), str):
            del message["sticker"]
            found.append(self._attachment(sticker, element, near, where))
        return tuple(found)

    def _attachment(self, item: Mapping[str, Any], element: Element, near: str, where: str) -> Attachment:
        uri = item.get("uri")
        if not isinstance(uri, str) or not uri:
            return Attachment("(no file name)", "missing")
        if uri.startswith(("http://", "https://")):
            return Attachment(uri, "url")
        found = self.media.find(uri, near)
        if found is not None:
            return Attachment(uri, "attached", member=found)
        self.missing += 1
        if self.media.holds_media:
            self.ctx.warn(
                "media_missing",
                where,
                element.line,
                element.raw,
                f"This message names the file '{uri}', which is not in the download; the message is kept "
                "and the file marked missing. If you still have the file, add it as an exhibit.",
                element.offset,
            )
        return Attachment(uri, "missing")

    def _repair_reactions(self, message: dict[str, Any]) -> None:
        reactions = message["reactions"]
        if not isinstance(reactions, list):
            return
        repaired = [
            {k: repair(v) if isinstance(v, str) else v for k, v in item.items()}
            if isinstance(item, dict)
            else item
            for item in reactions
        ]
        if repaired != reactions:
            message["reactions_normalised"] = repaired

    def _unreadable(self, element: Element, where: str, what: str) -> None:
        warn_unreadable(self.ctx, where, element, what)


MESSENGER = MetaSource("messenger", "Facebook Messenger (JSON)", FACEBOOK_ROOTS, INSTAGRAM_ROOTS)
INSTAGRAM = MetaSource("instagram", "Instagram messages (JSON)", INSTAGRAM_ROOTS, FACEBOOK_ROOTS)
SOURCES = (MESSENGER, INSTAGRAM)
