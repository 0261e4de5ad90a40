"""Direct messages from an X (Twitter) archive ("Download an archive of your data").

The messages are in `data/direct-messages.js` (one-to-one) and `data/direct-messages-group.js` (groups),
with `-part1`, `-part2`... files when there are many. Each is JSON behind a JavaScript assignment,
`window.YTD.direct_messages.part0 = [...]`: everything up to the first "= " is skipped, keeping offsets and
lines true to the file. Messages are split by `jsonsplit`, so `raw` is each event's exact bytes.

What becomes what:
- `dmConversation.conversationId` is the thread. Each entry of `messages` holds one event: `messageCreate`
  is a message; `joinConversation`, `participantsJoin`, `participantsLeave` and `conversationNameUpdate`
  (groups) are system notices with their fields in `details`.
- People are numeric account ids only (`senderId`, `recipientId`), as `x:<id>`; the archive's owner comes
  from `data/account.js`, or `--me`, and their messages are marked `from_me`.
- `createdAt` is an ISO instant in UTC with milliseconds (second precision, the milliseconds kept).
- `mediaUrls` name files saved as `data/direct_messages_media/<message id>-<file name>` (the group folder
  is `direct_messages_group_media`): `attached` when the file is there, otherwise `missing` with a warning.
- A non-empty `editHistory` marks `edited`; `urls`, `reactions` and the rest stay in `details` as found.
- Identity: `messageCreate.id`, X's own id. Notices have none, so theirs is (thread, event, time,
  initiating user, n).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

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

PLATFORM = "x"
TARGETS = (("*", "dmConversation", "messages"),)
NOTICES = ("joinConversation", "participantsJoin", "participantsLeave", "conversationNameUpdate")
MEDIA_FOLDERS = {False: "direct_messages_media", True: "direct_messages_group_media"}
_FILE = re.compile(r"(?:^|/)direct-messages(?P<group>-group)?(?:-part(?P<part>\d+))?\.js$")
_ACCOUNT = re.compile(r"(?:^|/)account\.js$")
_ACCOUNT_ID = re.compile(rb'"accountId"\s*:\s*"(\d+)"')
_PREFIX = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*window\.YTD\.[A-Za-z0-9_]+\.part\d+\s*= ")
_HEAD = 64 * 1024
_NO_MARKERS: frozenset[str] = frozenset()
_MISSED_MEDIA = (
    "These messages name {count:,} photos or videos that are not in what was imported; to keep them too, "
    "import the whole archive (the zip, or the folder it unpacks to) instead of single files."
)


class XArchiveSource:
    name = "x"
    label = "X (Twitter) archive direct messages"
    version = "1"

    def detect(self, inp: Input) -> float:
        best = 0.0
        for member, _group, _part in _message_files(inp):
            head = member.head(4096)
            if _PREFIX.match(head) and b"dmConversation" in head:
                best = max(best, 0.95)
            elif b"dmConversation" in head:
                best = max(best, 0.5)
            else:
                best = max(best, 0.2)
        return best

    def survey(self, inp: Input, ctx: Context) -> Survey:
        return survey_by_parsing(self, inp, ctx)

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        files = _message_files(inp)
        if not files:
            raise InputError("there is no X archive direct-messages.js file in this.", inp.path)
        reader = _Reader(inp, ctx, _owner(inp, ctx))
        for member, group, _part in files:
            yield from reader.records(member, group)
        reader.finish(files[0][0])


def _message_files(inp: Input) -> list[tuple[Member, bool, int]]:
    """The message files in reading order: one-to-one before group, part0 before part1."""
    found = []
    for member in inp.members:
        match = _FILE.search(member.name)
        if match is not None:
            found.append((member, match["group"] is not None, int(match["part"] or 0)))
        elif inp.kind == "file" and member.name.endswith(".js"):
            found.append((member, b"direct_messages_group" in member.head(256), 0))
    found.sort(key=lambda item: (item[1], item[2], item[0].name))
    return found


def _owner(inp: Input, ctx: Context) -> set[str]:
    """The owner's identifiers: the account id in data/account.js, and --me as given."""
    owner: set[str] = set()
    for member in inp.find(lambda member: _ACCOUNT.search(member.name) is not None):
        match = _ACCOUNT_ID.search(member.head(_HEAD))
        if match is not None:
            owner.add(match.group(1).decode())
    if ctx.me:
        owner.add(normalise(PLATFORM, ctx.me))
    return owner


def _media_files(inp: Input) -> dict[str, str]:
    """The archive's DM media by "<folder>/<file name>", wherever the archive root is inside the input."""
    found = {}
    for member in inp.members:
        folder, _, name = member.name.rpartition("/")
        folder = folder.rpartition("/")[2]
        if folder in MEDIA_FOLDERS.values():
            found[f"{folder}/{name}"] = member.name
    return found


def _prefix_end(member: Member, where: str) -> int:
    match = _PREFIX.match(member.head(4096))
    if match is None:
        raise InputError(
            "this does not start with 'window.YTD.direct_messages.part0 = ' as X archive message files do; "
            "import the archive's data folder or zip as it was downloaded.",
            where,
            1,
        )
    return match.end()


class _Reader:
    """The records of an archive's message files, with what stays the same between messages cached."""

    def __init__(self, inp: Input, ctx: Context, owner: set[str]) -> None:
        self.inp, self.ctx, self.owner = inp, ctx, owner
        self.media = _media_files(inp)
        self.holds_media = inp.kind != "file"
        self.handles: dict[str, Handle] = {}
        self.repeats = Repeats()
        self.container: Mapping[str, Any] | None = None
        self.thread = ""
        self.missing = 0

    def records(self, member: Member, group: bool) -> Iterator[Record]:
        where = self.inp.where(member)
        start = _prefix_end(member, where)
        for element in iter_elements(member, where, TARGETS, self.ctx, start=start):
            if element.container is not self.container:
                self.container = element.container
                conversation = element.container.get("conversationId")
                self.thread = str(conversation) if conversation is not None else member.name
            record = self._record(element, member, where, group)
            if record is not None:
                yield record

    def finish(self, first: Member) -> None:
        if self.missing and not self.holds_media:
            where = self.inp.where(first)
            self.ctx.warn("media_missing", where, None, "", _MISSED_MEDIA.format(count=self.missing))

    def _record(self, element: Element, member: Member, where: str, group: bool) -> Record | None:
        entry = element.value
        if type(entry) is not dict or len(entry) != 1:
            self._unreadable(element, where, "This entry in the message list is not a message")
            return None
        ((event, body),) = entry.items()
        if type(body) is not dict:
            self._unreadable(element, where, "This entry in the message list is not a message")
            return None
        when = _when(body.pop("createdAt", None))
        if when is None:
            self._unreadable(element, where, "This message has no time stalkproof can read")
            return None
        if event == "messageCreate":
            return self._message(body, when, element, member, where, group)
        if event in NOTICES:
            return self._notice(event, body, when, element, member)
        self._unreadable(element, where, f"This entry is a '{event}', which stalkproof does not know")
        return None

    def _message(
        self, body: dict[str, Any], when: When, element: Element, member: Member, where: str, group: bool
    ) -> Record:
        message_id = body.pop("id", None)
        sender = self._handle(body.pop("senderId", None))
        recipient = self._handle(body.pop("recipientId", None))
        text = body.pop("text", None)
        markers = _NO_MARKERS
        if sender is not None and sender.identifier in self.owner:
            markers = markers | {"from_me"}
        if body.get("editHistory"):
            markers = markers | {"edited"}
        attachments = self._attachments(body.pop("mediaUrls", None), message_id, element, where, group)
        if any(attachment.status == "missing" for attachment in attachments):
            markers = markers | {"media_missing"}
        return self._build(
            "message",
            when,
            sender,
            (recipient,) if recipient is not None else (),
            text if type(text) is str and text else None,
            element,
            member,
            (str(message_id),) if message_id is not None else self._fallback("message", when, sender, text),
            attachments,
            markers,
            body,
        )

    def _notice(
        self, event: str, body: dict[str, Any], when: When, element: Element, member: Member
    ) -> Record:
        body["event"] = event
        actor = body.get("initiatingUserId")
        identity = self._fallback(event, when, actor, None)
        return self._build("system", when, None, (), None, element, member, identity, (), _NO_MARKERS, body)

    def _fallback(self, event: str, when: When, who: object, text: object) -> tuple[object, ...]:
        if isinstance(who, Handle):
            who = who.identifier
        identity = (self.thread, event, when.found, who, text)
        return (*identity, self.repeats.number(when.found, identity))

    def _build(
        self,
        kind: str,
        when: When,
        sender: Handle | None,
        recipients: tuple[Handle, ...],
        text: str | None,
        element: Element,
        member: Member,
        identity: tuple[object, ...],
        attachments: tuple[Attachment, ...],
        markers: frozenset[str],
        details: dict[str, Any],
    ) -> Record:
        if element.canonical:
            details["raw"] = CANONICAL
        origin = Origin(
            member.name,
            element.offset,
            len(element.raw),
            element.line,
            element.end_line,
            element.path if element.canonical else None,
        )
        return Record(
            kind,
            PLATFORM,
            when,
            self.thread,
            sender,
            recipients,
            text,
            origin,
            element.raw,
            identity,
            attachments,
            markers,
            details,
        )

    def _handle(self, account: object) -> Handle | None:
        if isinstance(account, int) and not isinstance(account, bool):
            account = str(account)
        if not isinstance(account, str) or not account:
            return None
        handle = self.handles.get(account)
        if handle is None:
            handle = self.handles[account] = Handle(PLATFORM, normalise(PLATFORM, account))
        return handle

    def _attachments(
        self, urls: object, message_id: object, element: Element, where: str, group: bool
    ) -> tuple[Attachment, ...]:
        if not isinstance(urls, list) or not urls:
            return ()
        return tuple(
            self._attachment(url, message_id, element, where, group) for url in urls if isinstance(url, str)
        )

    def _attachment(
        self, url: str, message_id: object, element: Element, where: str, group: bool
    ) -> Attachment:
        # The archive saves each file as "<message id>-<last part of its URL>" in the media folder
        saved = f"{message_id}-{url.rsplit('/', 1)[-1].split('?', 1)[0]}"
        folder = MEDIA_FOLDERS[group]
        found = self.media.get(f"{folder}/{saved}")
        if found is not None:
            return Attachment(url, "attached", member=found)
        self.missing += 1
        if self.holds_media:
            self.ctx.warn(
                "media_missing",
                where,
                element.line,
                element.raw,
                f"This message names the file '{saved}', which is not in the archive's {folder} folder; "
                "the message is kept and the file marked missing. If you still have the file, add it as an "
                "exhibit.",
                element.offset,
            )
        return Attachment(url, "missing")

    def _unreadable(self, element: Element, where: str, what: str) -> None:
        warn_unreadable(self.ctx, where, element, what)


def _when(created: object) -> When | None:
    if type(created) is not str:
        return None
    try:
        at = datetime.fromisoformat(created)
    except ValueError:
        return None
    if at.tzinfo is None:
        return None
    return When(at, "second", created, "UTC")


SOURCE = XArchiveSource()
