"""macOS Messages: the `chat.db` database that holds a Mac's iMessage, SMS and RCS conversations.

The database is evidence, so it is opened read-only and "immutable" (SQLite then never writes, not even
its lock or journal files). Immutable also means SQLite ignores `chat.db-wal`, where a running Messages
keeps its newest changes; when that file is present the user is told how to include them.

Rows stream in `message.ROWID` order, a thousand at a time. Chats and attachments are joined by walking
their join tables in message order alongside (a merge join), so memory stays constant and nothing depends
on indexes that older databases may lack. Handles, chats and their members are loaded up front: that is
O(people), not O(messages).

A row has no byte span of its own, so `raw` is the canonical JSON of the row's evidential columns
(RAW_COLUMNS; keys sorted, blobs as hex) and `origin.path` names it (`message.ROWID=42`). Newer macOS
leaves `text` empty and keeps the words only in `attributedBody`; typedstream.py reads them from there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path
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
from stalkproof.ingest.typedstream import TypedStreamError, first_string

_Row = tuple[Any, ...]

SQLITE_MAGIC = b"SQLite format 3\x00"
APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)
NANOSECOND_DATES = 10**12  # a `date` above this counts nanoseconds (macOS 10.13 on), below it seconds
BATCH = 1000
REQUIRED_TABLES = ("message", "handle", "chat")
REQUIRED_COLUMNS = ("guid", "date", "is_from_me", "handle_id")
SELF = "self"
# Set to True in Context.learned by the pipeline when a member's path is its own private copy of chat.db
# with chat.db-wal copied beside it: then the WAL is replayed rather than reported.
STAGED_WITH_WAL = "imessage.staged_with_wal"
# associated_message_type: 2000-2007 add a tapback, 3000-3007 take it away again.
REACTIONS = ("loved", "liked", "disliked", "laughed", "emphasised", "questioned", "emoji", "sticker")
CHANNELS = {"imessage": "imessage", "sms": "sms", "rcs": "rcs"}

# The columns a record is built from, in this order (NULL where an older database lacks them).
# fmt: off
_FIELDS = (
    "guid", "text", "attributedBody", "handle_id", "service", "date", "date_read", "date_delivered",
    "is_from_me", "error", "item_type", "group_action_type", "group_title", "other_handle",
    "associated_message_guid", "associated_message_type", "cache_has_attachments", "subject", "date_edited",
    "date_retracted", "thread_originator_guid", "destination_caller_id", "account",
)
# What `raw` keeps of a row: every column that says what was sent, by whom, to whom, when, and what
# happened to it since (read, edited, unsent, failed), including the edit history (message_summary_info).
# Sync bookkeeping, sort keys and link-preview payloads are left out: they say nothing about the message,
# and reading all ninety-odd columns would make the import several times slower.
RAW_COLUMNS = (
    *_FIELDS,
    "is_delivered", "is_read", "is_sent", "is_audio_message", "is_played", "date_played", "is_forward",
    "is_spam", "was_downgraded", "expressive_send_style_id", "balloon_bundle_id", "associated_message_emoji",
    "associated_message_range_location", "associated_message_range_length", "thread_originator_part",
    "reply_to_guid", "message_summary_info", "part_count",
)
# fmt: on


class IMessageSource:
    name = "imessage"
    label = "Messages on a Mac (chat.db)"
    version = "1"

    def detect(self, inp: Input) -> float:
        best = 0.0
        for member in _candidates(inp):
            if not member.head(len(SQLITE_MAGIC)).startswith(SQLITE_MAGIC):
                continue
            if member.path is None:
                # Inside a zip it is not opened just to look at its tables; the name has to do.
                best = max(best, 0.9 if member.basename.lower() == "chat.db" else 0.0)
            elif _is_chat_db(member.path):
                return 0.95
        return best

    def survey(self, inp: Input, ctx: Context) -> Survey:
        return survey_by_parsing(self, inp, ctx)

    def parse(self, inp: Input, ctx: Context) -> Iterator[Record]:
        databases = _databases(inp)
        files = _AttachmentIndex(inp)
        for member in databases:
            yield from _Database(inp, member, ctx, files).records()


SOURCE = IMessageSource()


# --- finding and opening the database ---------------------------------------------------------------------


def _candidates(inp: Input) -> list[Member]:
    if inp.kind == "file":
        return inp.members[:1]
    named = [member for member in inp.members if member.basename.lower() == "chat.db"]
    return named or [member for member in inp.members if member.basename.lower().endswith(".db")]


def _databases(inp: Input) -> list[Member]:
    members = _candidates(inp)
    if inp.kind != "file" and not any(member.basename.lower() == "chat.db" for member in members):
        members = [member for member in members if member.path is not None and _is_chat_db(member.path)]
    if not members:
        raise InputError("there is no Messages database (chat.db) in this; import chat.db itself.", inp.path)
    for member in members:
        where = inp.where(member)
        if not member.head(len(SQLITE_MAGIC)).startswith(SQLITE_MAGIC):
            raise InputError("this is not a SQLite database, so it cannot be a Messages chat.db.", where)
    return members


def _real_path(inp: Input, member: Member, where: str, ctx: Context) -> Path:
    """The database as a file: itself, or (inside a zip) a private copy with its -wal beside it, which
    is then opened so that SQLite replays the WAL (the copy, not the evidence, is what SQLite touches)."""
    local = inp.local_path(member, ("-wal",))
    if local is None:
        raise InputError(
            "this chat.db is inside a zip, and a database can only be read from a real file; unpack the zip "
            "and import chat.db directly (or the unpacked Messages folder, to keep its attachments).",
            where,
        )
    path, companions = local
    if member.path is None:
        ctx.learned[STAGED_WITH_WAL] = "-wal" in companions
    return path


def _connect(path: Path, *, replay_wal: bool = False) -> sqlite3.Connection:
    """immutable=1: no locks, no journal, no -shm, and the -wal ignored, so the evidence file and its
    neighbours stay byte-identical. A private staged copy may instead be opened plainly read-only, which
    lets SQLite replay the -wal copied beside it (creating a -shm there)."""
    uri = path.resolve().as_uri() + ("?mode=ro" if replay_wal else "?mode=ro&immutable=1")
    return sqlite3.connect(uri, uri=True)


def _is_chat_db(path: Path) -> bool:
    try:
        with closing(_connect(path)) as db:
            return set(REQUIRED_TABLES) <= _tables(db)
    except sqlite3.Error:
        return False


def _tables(db: sqlite3.Connection) -> set[str]:
    return {
        str(name).lower() for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")]


class _Selection:
    """The SELECT for message rows: ROWID, the RAW_COLUMNS this database has, then NULL, so that every
    field of _FIELDS can be taken by position (the absent ones from that trailing NULL)."""

    def __init__(self, columns: Sequence[str]) -> None:
        present = {column.lower(): column for column in columns if column.lower() != "rowid"}
        self.names = ("ROWID", *(present[name.lower()] for name in RAW_COLUMNS if name.lower() in present))
        position = {name.lower(): index for index, name in enumerate(self.names)}
        null = len(self.names)
        quoted = ", ".join(f'm."{name}"' for name in self.names[1:])
        self.sql = f"SELECT m.ROWID, {quoted}, NULL FROM message m"
        getter = itemgetter(*(position.get(name.lower(), null) for name in _FIELDS))
        self.fields: Callable[[_Row], _Row] = getter


def _pick(columns: Sequence[str], wanted: Sequence[str], alias: str) -> str:
    """`alias.col` for each wanted column the table has, NULL for the ones it lacks."""
    present = {column.lower(): column for column in columns}
    return ", ".join(
        f'{alias}."{present[name.lower()]}"' if name.lower() in present else "NULL" for name in wanted
    )


# --- times ------------------------------------------------------------------------------------------------


def apple_time(value: object) -> datetime | None:
    """A Messages date (seconds or nanoseconds since 2001-01-01 UTC) as an aware UTC time; None when the
    value is missing, zero, or not a date at all."""
    if not value or isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    try:
        if value > NANOSECOND_DATES:
            return APPLE_EPOCH + timedelta(microseconds=int(value) // 1000)
        return APPLE_EPOCH + timedelta(seconds=value)
    except OverflowError:
        return None


def _iso(value: object) -> str | None:
    at = apple_time(value)
    return None if at is None else at.isoformat()


# --- the people and chats in one database -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Chat:
    guid: str | None
    identifier: str | None
    name: str | None
    members: tuple[int, ...]  # handle ROWIDs

    @property
    def thread(self) -> str | None:
        return self.identifier or self.guid


class _People:
    """Handles and chats, loaded once, and the Handle objects built from them (cached: normalising a
    phone number for every message would be most of the parse time)."""

    def __init__(self, db: sqlite3.Connection, tables: set[str]) -> None:
        self.addresses: dict[int, str] = {}
        for rowid, address in db.execute("SELECT ROWID, id FROM handle"):
            if isinstance(address, str):
                self.addresses[int(rowid)] = address
        members: dict[int, list[int]] = {}
        if "chat_handle_join" in tables:
            for chat_id, handle_id in db.execute(
                "SELECT chat_id, handle_id FROM chat_handle_join ORDER BY 1, 2"
            ):
                members.setdefault(chat_id, []).append(handle_id)
        picked = _pick(_columns(db, "chat"), ("guid", "chat_identifier", "display_name"), "c")
        self.chats: dict[int, _Chat] = {}
        for rowid, guid, identifier, name in db.execute(f"SELECT c.ROWID, {picked} FROM chat c"):
            self.chats[rowid] = _Chat(_str(guid), _str(identifier), _str(name), tuple(members.get(rowid, ())))
        self._handles: dict[tuple[str, int], Handle] = {}
        self._recipients: dict[tuple[object, ...], tuple[Handle, ...]] = {}

    def handle(self, platform: str, rowid: object) -> Handle | None:
        if not isinstance(rowid, int):
            return None
        key = (platform, rowid)
        found = self._handles.get(key)
        if found is None:
            address = self.addresses.get(rowid)
            if address is None:
                return None
            found = self._handles[key] = Handle(platform, normalise(platform, address), address)
        return found

    def recipients(
        self, platform: str, chat_id: int | None, handle_id: object, from_me: bool
    ) -> tuple[Handle, ...]:
        key = (platform, chat_id, handle_id, from_me)
        found = self._recipients.get(key)
        if found is None:
            found = self._recipients[key] = self._work_out_recipients(platform, chat_id, handle_id, from_me)
        return found

    def _work_out_recipients(
        self, platform: str, chat_id: int | None, handle_id: object, from_me: bool
    ) -> tuple[Handle, ...]:
        chat = self.chats.get(chat_id) if chat_id is not None else None
        if chat is not None and chat.members:
            others = (
                self.handle(platform, member) for member in chat.members if member != handle_id or from_me
            )
            people = tuple(handle for handle in others if handle is not None)
        else:
            counterpart = self.handle(platform, handle_id)
            people = (counterpart,) if counterpart is not None and from_me else ()
        return people if from_me else (Handle(platform, SELF), *people)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


# --- rows -------------------------------------------------------------------------------------------------


class _Mended(str):
    """Text SQLite holds that is not valid UTF-8, decoded with U+FFFD; `original` keeps the bytes."""

    original: bytes


def _lenient_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        mended = _Mended(data.decode("utf-8", errors="replace"))
        mended.original = data
        return mended


class _Follower:
    """Rows of a join table in message order, consumed alongside the messages (a merge join)."""

    def __init__(self, db: sqlite3.Connection, sql: str) -> None:
        self._cursor = db.execute(sql)
        self._pending: list[tuple[object, ...]] = []
        self._done = False

    def take(self, message_id: int) -> list[tuple[object, ...]]:
        matched: list[tuple[object, ...]] = []
        while True:
            if not self._pending:
                if self._done:
                    return matched
                self._pending = list(reversed(self._cursor.fetchmany(BATCH)))
                if not self._pending:
                    self._done = True
                    return matched
            key = self._pending[-1][0]
            if not isinstance(key, int) or key < message_id:
                self._pending.pop()  # a join row of a message no longer in the table
            elif key == message_id:
                matched.append(self._pending.pop())
            else:
                return matched


class _NoJoin:
    def take(self, message_id: int) -> list[tuple[object, ...]]:
        return []


class _AttachmentIndex:
    """Attachment files inside the input, by their path from `Attachments/` on (how chat.db names them,
    under ~/Library/Messages/), so a copied Messages folder or a zip of it resolves them."""

    def __init__(self, inp: Input) -> None:
        self.by_tail: dict[str, str] = {}
        if inp.kind == "file":
            return
        for member in inp.members:
            tail = attachments_tail(member.name)
            if tail is not None:
                self.by_tail.setdefault(tail, member.name)

    def find(self, filename: str) -> str | None:
        tail = attachments_tail(filename)
        return None if tail is None else self.by_tail.get(tail)


def attachments_tail(path: str) -> str | None:
    """The path from its `Attachments/` folder on: ~/Library/Messages/Attachments/ab/11/X/a.jpg gives
    Attachments/ab/11/X/a.jpg; None for a path outside any Attachments folder."""
    if path.startswith("Attachments/"):
        return path
    found = path.find("/Attachments/")
    return None if found < 0 else path[found + 1 :]


# --- one database -------------------------------------------------------------------------------------------


class _Database:
    def __init__(self, inp: Input, member: Member, ctx: Context, files: _AttachmentIndex) -> None:
        self.inp = inp
        self.member = member
        self.where = inp.where(member)
        self.ctx = ctx
        self.files = files
        self.missing_files = 0
        self.first_missing = ""
        self.last_rowid = 0

    def records(self) -> Iterator[Record]:
        path = _real_path(self.inp, self.member, self.where, self.ctx)
        staged = self.ctx.learned.get(STAGED_WITH_WAL) is True
        if not staged:
            self._warn_about_wal(path)
        # Two connections: message pages on one, with sqlite3's fast text decoding; handles, chats and
        # the join tables on the other, decoding leniently so one damaged name cannot stop the import.
        with (
            closing(_connect(path, replay_wal=staged)) as db,
            closing(_connect(path, replay_wal=staged)) as side,
        ):
            side.text_factory = _lenient_text
            try:
                yield from self._records(db, side)
            except sqlite3.DatabaseError as error:
                raise self._damaged(error) from None
        self._warn_about_missing_files()

    def _records(self, db: sqlite3.Connection, side: sqlite3.Connection) -> Iterator[Record]:
        tables = _tables(db)
        missing = [table for table in REQUIRED_TABLES if table not in tables]
        if missing:
            raise InputError(
                f"this database has no {', '.join(missing)} table, so it is not a Messages chat.db.",
                self.where,
            )
        columns = _columns(db, "message")
        lacking = [name for name in REQUIRED_COLUMNS if name.lower() not in {c.lower() for c in columns}]
        if lacking:
            raise InputError(
                f"the message table has no {', '.join(lacking)} column, so this is not a Messages chat.db "
                "stalkproof can read.",
                self.where,
            )
        people = _People(side, tables)
        chats = self._chat_follower(side, tables)
        files = self._attachment_follower(side, tables)
        selection = _Selection(columns)
        builder = _Builder(self, people, selection)
        for row, lenient in self._rows(db, selection.sql):
            # A message filed in more than one chat (rare) is given to the first.
            chat_ids = [found[1] for found in chats.take(row[0]) if isinstance(found[1], int)]
            yield builder.record(row, min(chat_ids, default=None), files, lenient)

    def _rows(self, db: sqlite3.Connection, select: str) -> Iterator[tuple[_Row, bool]]:
        """Message rows in ROWID order, read a page at a time by key, so that a page can be read again."""
        sql = select + " WHERE m.ROWID > ? ORDER BY m.ROWID LIMIT ?"
        while True:
            page, lenient = self._page(db, sql)
            if not page:
                return
            for row in page:
                self.last_rowid = row[0]
                yield row, lenient
            del page  # before the next page is read, so that only one is ever held

    def _page(self, db: sqlite3.Connection, sql: str) -> tuple[list[_Row], bool]:
        """One page. sqlite3 cannot go on past a text that is not UTF-8, so such a page is read again
        from the last good ROWID with a decoder that mends it (and says so)."""
        try:
            return db.execute(sql, (self.last_rowid, BATCH)).fetchall(), False
        except sqlite3.OperationalError as error:
            if "decode" not in str(error).lower():
                raise
        db.text_factory = _lenient_text
        try:
            return db.execute(sql, (self.last_rowid, BATCH)).fetchall(), True
        finally:
            db.text_factory = str

    def _chat_follower(self, db: sqlite3.Connection, tables: set[str]) -> _Follower | _NoJoin:
        if "chat_message_join" not in tables:
            return _NoJoin()
        return _Follower(db, "SELECT message_id, chat_id FROM chat_message_join ORDER BY message_id")

    def _attachment_follower(self, db: sqlite3.Connection, tables: set[str]) -> _Follower | _NoJoin:
        if not {"attachment", "message_attachment_join"} <= tables:
            return _NoJoin()
        picked = _pick(_columns(db, "attachment"), ("filename", "transfer_name", "mime_type", "guid"), "a")
        sql = (
            f"SELECT j.message_id, {picked} FROM message_attachment_join j "
            "JOIN attachment a ON a.ROWID = j.attachment_id ORDER BY j.message_id, a.ROWID"
        )
        return _Follower(db, sql)

    def attachment(self, filename: object, transfer_name: object, mime: object, guid: object) -> Attachment:
        path = _str(filename)
        name = (
            _str(transfer_name) or (path.rsplit("/", 1)[-1] if path else None) or _str(guid) or "attachment"
        )
        member = self.files.find(path) if path else None
        if member is None:
            self.missing_files += 1
            self.first_missing = self.first_missing or path or name
            return Attachment(name, "missing", mime=_str(mime))
        return Attachment(name, "attached", member=member, mime=_str(mime))

    def warn(self, code: str, raw: str | bytes, reason: str) -> None:
        self.ctx.warn(code, self.where, None, raw, reason)

    def _damaged(self, error: sqlite3.Error) -> InputError:
        after = f" after message ROWID {self.last_rowid}" if self.last_rowid else ""
        return InputError(
            f"this Messages database is damaged or incomplete{after} ({error}); quit Messages on the Mac, "
            "copy chat.db again and import the new copy.",
            self.where,
        )

    def _warn_about_wal(self, path: Path) -> None:
        wal = path.with_name(path.name + "-wal")
        try:
            size = wal.stat().st_size
        except OSError:
            return
        if size:
            self.warn(
                "recent_messages_in_wal",
                f"{wal.name} ({size:,} bytes)",
                f"{wal.name} beside this database holds changes Messages had not yet written into "
                f"{path.name}, so the newest messages may be missing from this import; quit Messages on the "
                f"Mac, copy {path.name} again and import the new copy.",
            )

    def _warn_about_missing_files(self) -> None:
        if not self.missing_files:
            return
        count = f"{self.missing_files:,} attachment{'s' if self.missing_files != 1 else ''}"
        if self.inp.kind == "file":
            reason = (
                f"{count} named in this database are not part of this import because only chat.db was given; "
                "they are kept as 'missing'. To keep the files, import the whole Messages folder (chat.db "
                "with its Attachments folder)."
            )
        else:
            reason = (
                f"{count} named in this database are not in this folder or zip (the first is shown here) and "
                "are kept as 'missing'; they may be stored only in iCloud: open them in Messages on the Mac "
                "to download them, then copy the Attachments folder again."
            )
        self.warn("media_missing", self.first_missing, reason)


# --- one row to one record ----------------------------------------------------------------------------------


def _hex(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError


class _Builder:
    """Turns one selected row into a Record."""

    def __init__(self, database: _Database, people: _People, selection: _Selection) -> None:
        self.db = database
        self.people = people
        self.names = selection.names
        self.fields = selection.fields
        self.member = database.member.name

    def record(self, row: _Row, chat_id: int | None, files: _Follower | _NoJoin, lenient: bool) -> Record:
        rowid: int = row[0]
        (guid, text, body, handle_id, service, date, date_read, date_delivered, is_from_me, error, item_type,
         group_action, group_title, other_handle, reaction_to, reaction_type, has_files, subject, edited,
         retracted, reply_to, caller_id, account) = self.fields(row)  # fmt: skip
        markers: set[str] = set()
        raw = self._raw(rowid, row, markers, lenient)
        channel = CHANNELS.get(str(service).lower(), "imessage")
        platform = "sms" if channel != "imessage" else "imessage"
        from_me = bool(is_from_me)
        kind, details = self._kind(reaction_type, reaction_to, item_type, markers)
        sender = Handle(platform, SELF) if from_me else self.people.handle(platform, handle_id)
        if kind == "system":
            self._system(sender, platform, other_handle, group_title, group_action, details)
            sender = None
        elif sender is None:
            markers.add("sender_unknown")
        chat = self.people.chats.get(chat_id) if chat_id is not None else None
        self._context(details, rowid, service, chat, reply_to, subject)
        _put(details, "read_at", _iso(date_read))
        _put(details, "delivered_at", _iso(date_delivered))
        if from_me:
            markers.add("from_me")
            _put(details, "owner", _str(caller_id) or _owner_of(account))
        self._state(edited, retracted, error, details, markers)
        return Record(
            kind=kind,
            channel=channel,
            when=self._when(rowid, date, raw),
            thread=self._thread(chat, platform, handle_id),
            sender=sender,
            recipients=self.people.recipients(platform, chat_id, handle_id, from_me),
            text=self._text(rowid, text, body, markers),
            origin=Origin(self.member, None, len(raw), None, None, f"message.ROWID={rowid}"),
            raw=raw,
            identity=(str(guid),),
            attachments=self._attachments(rowid, has_files, files),
            markers=frozenset(markers),
            details=details,
        )

    def _raw(self, rowid: int, row: _Row, markers: set[str], lenient: bool) -> bytes:
        columns = dict(zip(self.names, row[:-1], strict=True))
        if lenient:
            self._mend(rowid, columns, markers)
        return orjson.dumps(columns, default=_hex, option=orjson.OPT_SORT_KEYS)

    def _thread(self, chat: _Chat | None, platform: str, handle_id: object) -> str:
        """The chat's identifier (a phone number, address or "chat…" id for a group), which stays the same
        when a conversation moves between iMessage and SMS; for a message outside any chat, the other
        person's address."""
        if chat is not None and chat.thread:
            return chat.thread
        counterpart = self.people.handle(platform, handle_id)
        return counterpart.display or counterpart.identifier if counterpart is not None else "(no chat)"

    def _system(
        self,
        actor: Handle | None,
        platform: str,
        other_handle: object,
        group_title: object,
        group_action: object,
        details: dict[str, object],
    ) -> None:
        """A group event (someone added, removed, renamed...): no sender, as for every notice, but who did
        it and to whom are kept, because Messages records them."""
        if actor is not None:
            details["actor"] = actor.display or actor.identifier
        other = self.people.handle(platform, other_handle)
        if other is not None:
            details["other_handle"] = other.display
        _put(details, "group_title", _str(group_title))
        _put(details, "group_action_type", group_action or None)

    def _context(
        self,
        details: dict[str, object],
        rowid: int,
        service: object,
        chat: _Chat | None,
        reply_to: object,
        subject: object,
    ) -> None:
        details["raw_form"] = "canonical-json"
        details["rowid"] = rowid
        _put(details, "service", service)
        if chat is not None:
            _put(details, "chat_guid", chat.guid)
            _put(details, "chat_name", chat.name)
        _put(details, "reply_to", _str(reply_to))
        _put(details, "subject", _str(subject))

    def _attachments(
        self, rowid: int, has_files: object, files: _Follower | _NoJoin
    ) -> tuple[Attachment, ...]:
        if has_files == 0:  # the row says it has none (None: an old database without the column)
            return ()
        return tuple(self.db.attachment(*found[1:]) for found in files.take(rowid))

    def _kind(
        self, reaction_type: object, reaction_to: object, item_type: object, markers: set[str]
    ) -> tuple[str, dict[str, object]]:
        details: dict[str, object] = {}
        if isinstance(item_type, int) and item_type != 0:
            markers.add("system")
            details["item_type"] = item_type
            return "system", details
        if isinstance(reaction_type, int) and 2000 <= reaction_type <= 3007 and reaction_type % 1000 < 8:
            details["reaction"] = REACTIONS[reaction_type % 1000]
            _put(details, "reaction_to", _str(reaction_to))
            if reaction_type >= 3000:
                details["reaction_removed"] = True
                markers.add("reaction_removed")
            return "reaction", details
        if reaction_type:
            details["associated_message_type"] = reaction_type
            _put(details, "associated_message_guid", _str(reaction_to))
        return "message", details

    def _text(self, rowid: int, text: object, body: object, markers: set[str]) -> str | None:
        if isinstance(text, str):
            return text if type(text) is str else str(text)  # a _Mended row becomes a plain str
        if body is None or body == b"":
            return None
        if not isinstance(body, bytes):
            why = "it is not stored as bytes"
        else:
            try:
                return first_string(body)
            except TypedStreamError as error:
                why = str(error)
        markers.add("body_unreadable")
        raw = body.hex() if isinstance(body, bytes) else str(body)
        self.db.warn(
            "body_unreadable",
            raw,
            f"The text of message ROWID {rowid} is stored in a form stalkproof could not read ({why}); "
            "the message is kept without its text and marked 'body_unreadable', so check it in Messages "
            "on the Mac.",
        )
        return None

    def _when(self, rowid: int, date: object, raw: bytes) -> When:
        at = apple_time(date)
        if at is not None:
            return When(at, "second", str(date), "UTC")
        self.db.warn(
            "missing_time",
            raw,
            f"Message ROWID {rowid} has no usable time in chat.db ({date!r}); it is kept dated 1 January "
            "2001 and marked approximate, so check its place in the conversation in Messages.",
        )
        return When(APPLE_EPOCH, "approximate", str(date), "UTC")

    def _state(
        self, edited: object, retracted: object, error: object, details: dict[str, object], markers: set[str]
    ) -> None:
        if edited:
            markers.add("edited")
            _put(details, "edited_at", _iso(edited))
        if retracted:
            markers.add("deleted")
            _put(details, "retracted_at", _iso(retracted))
        if error:
            markers.add("failed")
            details["error"] = error

    def _mend(self, rowid: int, columns: dict[str, object], markers: set[str]) -> None:
        for name, value in columns.items():
            if isinstance(value, _Mended):
                columns[name] = value.original.hex()
                markers.add("not_utf8")
                self.db.warn(
                    "not_utf8",
                    value.original,
                    f"The {name} of message ROWID {rowid} is not valid UTF-8 text; unreadable bytes show as "
                    "\ufffd and the original bytes are kept in this warning and the record's raw form.",
                )


def _put(details: dict[str, object], key: str, value: object) -> None:
    if value is not None:
        details[key] = value


def _owner_of(account: object) -> str | None:
    """Messages writes the account as "e:me@example.com" or "p:+44…"; the part after the colon."""
    text = _str(account)
    if text is None:
        return None
    prefix, colon, rest = text.partition(":")
    return rest if colon and len(prefix) == 1 and rest else text
