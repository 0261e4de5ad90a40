"""Messages from a Discord data package ("Request all of my data").

The package has one folder a channel: `messages/c<channel id>/channel.json` with `messages.json`, or in
packages before 2023 `messages/<channel id>/channel.json` with `messages.csv` (columns ID, Timestamp,
Contents, Attachments). `messages/index.json` names the channels and `account/user.json` is the holder.
JSON messages are split by `jsonsplit`; CSV rows are read line by line, so `raw` is each row's exact bytes.

What becomes what:
- **Only the holder's own messages are in a package**, never what others wrote; one `only_own_messages`
  warning says so. Each message's sender is the holder (from user.json, else `--me`, else "self") and is
  marked `from_me`; the channel's other recipients (channel.json) are the recipients.
- `ID` is Discord's message id and the identity. Ids go beyond 2^53, so they are kept as text.
- `Timestamp` is UTC, "YYYY-MM-DD HH:MM:SS" or ISO with an offset (second precision). An id also holds
  its own creation time, `(ID >> 22) + 1420070400000` ms since 1970: when the two are more than a second
  apart the message is marked and warned `timestamp_mismatch`, since one of them has been changed.
- `Attachments` are space-separated links on Discord's servers: status `url`, never fetched.
- The channel's id is the thread; its name, type and server go to `details`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from stalkproof.errors import InputError
from stalkproof.ingest.base import (
    Attachment,
    Context,
    Handle,
    Origin,
    Record,
    Survey,
    When,
    survey_by_parsing,
)
from stalkproof.ingest.identifiers import normalise
from stalkproof.ingest.inputs import Input, Member
from stalkproof.ingest.jsonsplit import CANONICAL, Element, iter_elements, warn_unreadable
from stalkproof.ingest.lines import decode, iter_lines

PLATFORM = "discord"
DISCORD_EPOCH_MS = 1420070400000
MAX_SKEW_MS = 1000
CSV_COLUMNS = ("ID", "Timestamp", "Contents", "Attachments")
_MESSAGES = re.compile(r"(?:^|/)messages/(?P<folder>c?(?P<channel>\d+))/messages\.(?P<kind>json|csv)$")
_USER = re.compile(r"(?:^|/)account/user\.json$")
_INDEX = re.compile(r"(?:^|/)messages/index\.json$")
_SIGNS = re.compile(rb'"(?:ID|Timestamp|Contents|Attachments)"\s*:')
_OWNER_ID = re.compile(rb'\A\s*\{\s*"id"\s*:\s*"(\d+)"')
_OWNER_NAMES = tuple(
    re.compile(rb'"' + key + rb'"\s*:\s*("(?:[^"\\]|\\.)*")') for key in (b"global_name", b"username")
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FROM_ME = frozenset({"from_me"})
_MISMATCH = frozenset({"from_me", "timestamp_mismatch"})
_ONLY_OWN = (
    "A Discord data package holds only the messages you sent, never what others sent you; to keep their "
    "messages, take screenshots of the conversations as well."
)


@dataclass(frozen=True)
class _Channel:
    member: Member
    thread: str
    csv: bool
    details: Mapping[str, object]
    recipients: tuple[Handle, ...]


class DiscordSource:
    name = "discord"
    label = "Discord data package"
    version = "1"

    def detect(self, inp: Input) -> float:
        if any(_MESSAGES.search(member.name) for member in inp.members):
            return 0.95
        if inp.kind != "file":
            return 0.0
        head = inp.members[0].head(4096)
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[") and len(set(_SIGNS.findall(head))) >= 3:
            return 0.8
        if head.lstrip(b"\xef\xbb\xbf").startswith(b"ID,Timestamp,Contents,Attachments"):
            return 0.8
        return 0.0

    def survey(self, inp: Input, ctx: Context) -> Survey:
        return survey_by_parsing(self, inp, ctx)

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        owner = _owner(inp, ctx)
        channels = _channels(inp, owner)
        if not channels:
            raise InputError("there is no Discord messages.json or messages.csv in this.", inp.path)
        ctx.warn("only_own_messages", inp.where(channels[0].member), None, "", _ONLY_OWN)
        reader = _Reader(inp, ctx, owner)
        for channel in channels:
            yield from reader.records(channel)


def _owner(inp: Input, ctx: Context) -> Handle:
    for member in inp.find(lambda member: _USER.search(member.name) is not None):
        head = member.head()
        found = _OWNER_ID.search(head)
        if found is not None:
            names = (pattern.search(head) for pattern in _OWNER_NAMES)
            display = next((orjson.loads(name.group(1)) for name in names if name is not None), None)
            return Handle(PLATFORM, found.group(1).decode(), display)
    if ctx.me:
        return Handle(PLATFORM, normalise(PLATFORM, ctx.me))
    return Handle(PLATFORM, "self")


def _channels(inp: Input, owner: Handle) -> list[_Channel]:
    names = _index(inp)
    found = []
    for member in inp.members:
        match = _MESSAGES.search(member.name)
        if match is None and inp.kind == "file":
            match = re.match(r"(?P<folder>)(?P<channel>)[^/]*\.(?P<kind>json|csv)$", member.name.lower())
        if match is None:
            continue
        info = _channel_info(inp, member.name[: match.start("folder")] + match["folder"] + "/channel.json")
        thread = str(info.get("id") or match["channel"] or member.name)
        guild = info.get("guild")
        guild = guild if isinstance(guild, dict) else {}
        details = {
            "channel": names.get(thread) or info.get("name"),
            "channel_type": info.get("type"),
            "guild": guild.get("name"),
            "guild_id": guild.get("id"),
        }
        people = [str(p) for p in info.get("recipients") or () if isinstance(p, str | int)]
        recipients = tuple(Handle(PLATFORM, p) for p in people if p != owner.identifier)
        known = {key: value for key, value in details.items() if value is not None}
        found.append(_Channel(member, thread, match["kind"] == "csv", known, recipients))
    found.sort(key=lambda channel: channel.member.name)
    return found


def _index(inp: Input) -> dict[str, str]:
    for member in inp.find(lambda member: _INDEX.search(member.name) is not None):
        with member.open() as stream:
            try:
                value = orjson.loads(stream.read())
            except orjson.JSONDecodeError:
                return {}
        if isinstance(value, dict):
            return {str(key): name for key, name in value.items() if isinstance(name, str)}
    return {}


def _channel_info(inp: Input, name: str) -> dict[str, Any]:
    member = inp.member(name)
    if member is None:
        return {}
    with member.open() as stream:
        try:
            value = orjson.loads(stream.read())
        except orjson.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


class _Reader:
    def __init__(self, inp: Input, ctx: Context, owner: Handle) -> None:
        self.inp, self.ctx, self.owner = inp, ctx, owner

    def records(self, channel: _Channel) -> Iterator[Record]:
        where = self.inp.where(channel.member)
        rows = (
            _csv_rows(channel.member, where)
            if channel.csv
            else iter_elements(channel.member, where, [()], self.ctx)
        )
        for row in rows:
            record = self._record(row, channel, where)
            if record is not None:
                yield record

    def _record(self, row: Element, channel: _Channel, where: str) -> Record | None:
        message = row.value
        if type(message) is not dict:
            self._unreadable(row, where, "This entry in the message list is not a message")
            return None
        message_id, found = message.pop("ID", None), message.pop("Timestamp", None)
        ident = str(message_id) if isinstance(message_id, int | str) else ""
        when = _when(found)
        if when is None or not ident.isdigit():
            self._unreadable(row, where, "This message has no id or time stalkproof can read")
            return None
        markers = self._check_id_time(int(ident), when, message, row, where)
        text = message.pop("Contents", None)
        links = message.pop("Attachments", None)
        attachments = tuple(Attachment(url, "url") for url in links.split()) if isinstance(links, str) else ()
        message.update(channel.details)
        if row.canonical:
            message["raw"] = CANONICAL
        origin = Origin(
            channel.member.name,
            row.offset,
            len(row.raw),
            row.line,
            row.end_line,
            row.path if row.canonical else None,
        )
        return Record(
            "message",
            PLATFORM,
            when,
            channel.thread,
            self.owner,
            channel.recipients,
            text if isinstance(text, str) and text else None,
            origin,
            row.raw,
            (ident,),
            attachments,
            markers,
            message,
        )

    def _check_id_time(
        self, ident: int, when: When, message: dict[str, Any], row: Element, where: str
    ) -> frozenset[str]:
        """The id holds the time Discord made the message; a Timestamp that disagrees has been changed."""
        id_ms = (ident >> 22) + DISCORD_EPOCH_MS
        stated_ms = (when.at - _EPOCH) // timedelta(milliseconds=1)
        if abs(id_ms - stated_ms) <= MAX_SKEW_MS:
            return _FROM_ME
        id_time = (_EPOCH + timedelta(milliseconds=id_ms)).isoformat(timespec="milliseconds")
        message["id_time"] = id_time
        self.ctx.warn(
            "timestamp_mismatch",
            where,
            row.line,
            row.raw,
            f"This message's time ({when.found}) does not match the time in its Discord id ({id_time}), so "
            "one of them was changed after Discord wrote it; the message is kept and marked, so check it.",
            row.offset,
        )
        return _MISMATCH

    def _unreadable(self, row: Element, where: str, what: str) -> None:
        warn_unreadable(self.ctx, where, row, what)


def _when(found: object) -> When | None:
    if type(found) is not str:
        return None
    try:
        at = datetime.fromisoformat(found)
    except ValueError:
        return None
    return When(at if at.tzinfo is not None else at.replace(tzinfo=UTC), "second", found, "UTC")


def _csv_rows(member: Member, where: str) -> Iterator[Element]:
    """The rows of an old messages.csv as elements with their exact bytes: a quoted Contents cell may hold
    line breaks, so a row runs on until its quotes balance."""
    header: list[str] | None = None
    pending: list[bytes] = []
    start = first_line = index = 0
    with member.open() as stream:
        for number, offset, raw in iter_lines(stream, where):
            if not pending:
                start, first_line = offset, number
            pending.append(raw)
            if sum(part.count(b'"') for part in pending) % 2:
                continue
            data = b"".join(pending)
            pending = []
            text = decode(data, where, first_line)
            cells = next(csv.reader([text], strict=True), [])
            if header is None:
                header = cells
                if tuple(header) != CSV_COLUMNS:
                    raise InputError(
                        f"the first line should be {','.join(CSV_COLUMNS)}, as in Discord's messages.csv; "
                        "this is not one, so import the package as it was downloaded.",
                        where,
                        number,
                    )
                continue
            if not cells:
                continue
            body = data.rstrip(b"\r\n")
            yield Element(
                dict(zip(header, cells, strict=False)), body, start, first_line, number, "rows", index, (), {}
            )
            index += 1
    if pending:
        raise InputError(
            "the file ends inside a quoted message; the package is incomplete (download it again).",
            where,
            first_line,
        )


SOURCE = DiscordSource()
