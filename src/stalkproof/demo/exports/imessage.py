"""Synthetic macOS Messages databases (`chat.db`) for tests, the demo and the benchmark.

The schema follows the tables and columns Messages uses (a modern layout, and an older one without edit
and unsend columns that stores dates in seconds). Message text can be written to the `text` column, to
`attributedBody` only (as newer macOS does), or both; `attributedBody` is produced by the small typedstream
encoder below, written for stalkproof, so the decoder in `ingest/typedstream.py` is tested against bytes it
did not produce itself. Everyone in here is fictional: numbers are +44 7700 900xxx, addresses example.com.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import struct
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

APPLE_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)
OWNER = "+447700900100"

# --- typedstream encoder ------------------------------------------------------------------------------

_NEW = 0x84
_NIL = 0x85
_END = 0x86
_FIRST_REFERENCE = -110


class TypedStreamWriter:
    """Writes NSArchiver typedstream bytes, keeping the shared-string and object tables so repeated
    strings and classes become back-references as Apple's archiver writes them."""

    def __init__(self) -> None:
        self.out = bytearray(b"\x04\x0bstreamtyped\x81\xe8\x03")
        self._strings: dict[bytes, int] = {}
        self._classes: dict[bytes, int] = {}
        self._objects = 0

    def integer(self, value: int) -> None:
        if -128 <= value <= 127 and not -128 <= value <= -111:
            self.out += struct.pack("<b", value)
        elif -(2**15) <= value < 2**15:
            self.out += b"\x81" + struct.pack("<h", value)
        else:
            self.out += b"\x82" + struct.pack("<i", value)

    def length(self, value: int) -> None:
        """An unsigned count: 1 byte below 0x80, else 0x81 + uint16, else 0x82 + uint32."""
        if value < 0x80:
            self.out.append(value)
        elif value <= 0xFFFF:
            self.out += b"\x81" + struct.pack("<H", value)
        else:
            self.out += b"\x82" + struct.pack("<I", value)

    def reference(self, index: int) -> None:
        self.integer(index + _FIRST_REFERENCE)

    def unshared(self, data: bytes) -> None:
        self.length(len(data))
        self.out += data

    def shared(self, text: bytes) -> None:
        if text in self._strings:
            self.reference(self._strings[text])
            return
        self.out.append(_NEW)
        self.unshared(text)
        self._strings[text] = len(self._strings)

    def group(self, types: bytes) -> None:
        """Starts a value group: its type string; the caller then writes the values."""
        self.shared(types)

    def begin_object(self, chain: Sequence[tuple[bytes, int]]) -> None:
        """A new object of chain[0], whose superclasses follow (name, version), up to a root class."""
        self.out.append(_NEW)
        self._objects += 1
        for name, version in chain:
            if name in self._classes:
                self.reference(self._classes[name])
                return
            self.out.append(_NEW)
            self.shared(name)
            self.integer(version)
            self._classes[name] = self._objects
            self._objects += 1
        self.out.append(_NIL)

    def end_object(self) -> None:
        self.out.append(_END)

    def c_string(self, text: bytes) -> None:
        self.out.append(_NEW)
        self.shared(text)
        self._objects += 1

    def string_object(self, text: bytes, chain: Sequence[tuple[bytes, int]]) -> None:
        self.group(b"@")
        self.begin_object(chain)
        self.group(b"+")
        self.unshared(text)
        self.end_object()

    def getvalue(self) -> bytes:
        return bytes(self.out)


_NSOBJECT = (b"NSObject", 0)
_NSSTRING = ((b"NSString", 1), _NSOBJECT)
_NSMUTABLESTRING = ((b"NSMutableString", 1), *_NSSTRING)
_NSATTRIBUTED = ((b"NSAttributedString", 0), _NSOBJECT)
_NSMUTABLEATTRIBUTED = ((b"NSMutableAttributedString", 0), *_NSATTRIBUTED)


def attributed_body(text: str, *, mutable: bool = False, encoded: bytes | None = None) -> bytes:
    """The `attributedBody` Messages writes for `text`: an NSAttributedString holding the NSString, one
    attribute run over the whole text, and a dictionary naming the message part. `encoded` replaces the
    string's bytes (to test text that is not UTF-8)."""
    writer = TypedStreamWriter()
    writer.group(b"@")
    writer.begin_object(_NSMUTABLEATTRIBUTED if mutable else _NSATTRIBUTED)
    data = text.encode("utf-8") if encoded is None else encoded
    writer.string_object(data, _NSMUTABLESTRING if mutable else _NSSTRING)
    writer.group(b"iI")
    writer.integer(1)
    writer.integer(len(text.encode("utf-16-le")) // 2)
    _attributes(writer)
    writer.end_object()
    return writer.getvalue()


def _attributes(writer: TypedStreamWriter) -> None:
    writer.group(b"@")
    writer.begin_object(((b"NSDictionary", 0), _NSOBJECT))
    writer.group(b"i")
    writer.integer(1)
    writer.string_object(b"__kIMMessagePartAttributeName", _NSSTRING)
    writer.group(b"@")
    writer.begin_object(((b"NSNumber", 0), (b"NSValue", 0), _NSOBJECT))
    writer.group(b"*")
    writer.c_string(b"q")
    writer.group(b"q")
    writer.integer(0)
    writer.end_object()
    writer.end_object()


# --- chat.db ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chat:
    """A conversation. A group's identifier starts with "chat"; `participants` are handle ids."""

    identifier: str
    participants: tuple[str, ...]
    service: str = "iMessage"
    name: str | None = None

    @property
    def is_group(self) -> bool:
        return self.identifier.startswith("chat")

    @property
    def guid(self) -> str:
        return f"{self.service};{'+' if self.is_group else '-'};{self.identifier}"


@dataclass(frozen=True)
class File:
    """An attachment as Messages records it: `filename` under ~/Library/Messages/Attachments, or None
    when it was never downloaded."""

    filename: str | None
    transfer_name: str
    mime: str | None = "image/jpeg"


@dataclass(frozen=True)
class Message:
    """One row to write. `sender` None means the owner sent it. `body` says where the text goes: "text"
    (the text column only, as older macOS), "both", or "attributed" (attributedBody only, as newer macOS).
    `blob` overrides attributedBody (for a damaged one)."""

    guid: str
    chat: str
    at: datetime
    text: str | None
    sender: str | None = None
    service: str = "iMessage"
    body: str = "text"
    mutable: bool = False
    blob: bytes | None = None
    reaction: int = 0
    reaction_to: str | None = None
    item_type: int = 0
    group_action_type: int = 0
    group_title: str | None = None
    other_handle: str | None = None
    edited_at: datetime | None = None
    retracted_at: datetime | None = None
    read_at: datetime | None = None
    error: int = 0
    reply_to: str | None = None
    files: tuple[File, ...] = ()
    subject: str | None = None


@dataclass
class Layout:
    """Schema and date unit: modern macOS (nanoseconds, edit/unsend columns) or older (seconds)."""

    modern: bool = True
    index_joins: bool = True  # False: no message_id indexes on the join tables, as in some old databases


_MODERN_ONLY = {
    "date_edited",
    "date_retracted",
    "thread_originator_guid",
    "thread_originator_part",
    "part_count",
}

_MESSAGE_COLUMNS = """
ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, replace INTEGER DEFAULT 0,
service_center TEXT, handle_id INTEGER DEFAULT 0, subject TEXT, country TEXT, attributedBody BLOB,
version INTEGER DEFAULT 0, type INTEGER DEFAULT 0, service TEXT, account TEXT, account_guid TEXT,
error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER, date_delivered INTEGER,
is_delivered INTEGER DEFAULT 0, is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0,
is_from_me INTEGER DEFAULT 0, is_empty INTEGER DEFAULT 0,
is_delayed INTEGER DEFAULT 0, is_auto_reply INTEGER DEFAULT 0, is_prepared INTEGER DEFAULT 0,
is_read INTEGER DEFAULT 0, is_system_message INTEGER DEFAULT 0, is_sent INTEGER DEFAULT 0,
has_dd_results INTEGER DEFAULT 0, is_service_message INTEGER DEFAULT 0, is_forward INTEGER DEFAULT 0,
was_downgraded INTEGER DEFAULT 0, is_archive INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0,
cache_roomnames TEXT, was_data_detected INTEGER DEFAULT 0, was_deduplicated INTEGER DEFAULT 0,
is_audio_message INTEGER DEFAULT 0, is_played INTEGER DEFAULT 0, date_played INTEGER,
item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT,
group_action_type INTEGER DEFAULT 0, share_status INTEGER DEFAULT 0, share_direction INTEGER DEFAULT 0,
is_expirable INTEGER DEFAULT 0, expire_state INTEGER DEFAULT 0, message_action_type INTEGER DEFAULT 0,
message_source INTEGER DEFAULT 0, associated_message_guid TEXT, associated_message_type INTEGER DEFAULT 0,
balloon_bundle_id TEXT, payload_data BLOB, expressive_send_style_id TEXT,
associated_message_range_location INTEGER DEFAULT 0, associated_message_range_length INTEGER DEFAULT 0,
time_expressive_send_played INTEGER DEFAULT 0, message_summary_info BLOB, ck_sync_state INTEGER DEFAULT 0,
ck_record_id TEXT, ck_record_change_tag TEXT, destination_caller_id TEXT, sort_id INTEGER DEFAULT 0,
reply_to_guid TEXT, is_spam INTEGER DEFAULT 0, thread_originator_guid TEXT, thread_originator_part TEXT,
date_retracted INTEGER DEFAULT 0, date_edited INTEGER DEFAULT 0, part_count INTEGER DEFAULT 0
"""

_OTHER_TABLES = """
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT,
    service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT, UNIQUE (id, service));
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER,
    state INTEGER, account_id TEXT, properties BLOB, chat_identifier TEXT, service_name TEXT,
    room_name TEXT, account_login TEXT, is_archived INTEGER DEFAULT 0, last_addressed_handle TEXT,
    display_name TEXT, group_id TEXT, is_filtered INTEGER DEFAULT 0, successful_query INTEGER);
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
    message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, message_date INTEGER DEFAULT 0,
    PRIMARY KEY (chat_id, message_id));
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
    handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE (chat_id, handle_id));
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
    created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT,
    transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, user_info BLOB, transfer_name TEXT,
    total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0, hide_attachment INTEGER DEFAULT 0);
CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE,
    attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE,
    UNIQUE (message_id, attachment_id));
"""

_JOIN_INDEXES = """
CREATE INDEX chat_message_join_idx_message_id_only ON chat_message_join (message_id);
CREATE INDEX message_attachment_join_idx_message_id ON message_attachment_join (message_id);
"""


def apple_time(at: datetime, *, nanoseconds: bool) -> int:
    """`at` as Messages stores it: since 2001-01-01 UTC, in nanoseconds (modern) or seconds (older)."""
    delta = at - APPLE_EPOCH
    seconds = delta.days * 86_400 + delta.seconds
    if not nanoseconds:
        return seconds
    return seconds * 1_000_000_000 + delta.microseconds * 1_000


def write_chat_db(
    path: Path,
    chats: Sequence[Chat],
    messages: Iterable[Message],
    *,
    layout: Layout | None = None,
    wal_messages: Sequence[Message] = (),
) -> None:
    """Write a chat.db at `path` (replacing it). `wal_messages` are committed in WAL mode and left only in
    `path`-wal, as when Messages is still running: the main file does not hold them."""
    layout = layout or Layout()
    build = path.with_name(path.name + ".building")
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), build, Path(f"{build}-wal")):
        leftover.unlink(missing_ok=True)
    with closing(sqlite3.connect(build)) as db:
        db.execute("PRAGMA synchronous=OFF")  # a generated file: speed matters, not surviving a power cut
        _create(db, layout)
        ids = _Ids.load(db, chats)
        _insert(db, ids, messages, layout)
        db.commit()
        if wal_messages:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA wal_autocheckpoint=0")
            _insert(db, ids, wal_messages, layout)
            db.commit()
            # Copied while still open: closing would fold the WAL back into the main file.
            shutil.copyfile(build, path)
            shutil.copyfile(f"{build}-wal", f"{path}-wal")
    if not wal_messages:
        build.replace(path)
    for leftover in (build, Path(f"{build}-wal"), Path(f"{build}-shm")):
        leftover.unlink(missing_ok=True)


def _create(db: sqlite3.Connection, layout: Layout) -> None:
    columns = [column.strip() for column in _MESSAGE_COLUMNS.split(",")]
    if not layout.modern:
        columns = [column for column in columns if column.split()[0] not in _MODERN_ONLY]
    db.execute(f"CREATE TABLE message ({', '.join(columns)})")
    db.executescript(_OTHER_TABLES + (_JOIN_INDEXES if layout.index_joins else ""))


@dataclass
class _Ids:
    handles: dict[tuple[str, str], int]
    chats: dict[str, int]

    @classmethod
    def load(cls, db: sqlite3.Connection, chats: Sequence[Chat]) -> _Ids:
        ids = cls({}, {})
        for chat in chats:
            for address in chat.participants:
                ids.handle(db, address, chat.service)
        for chat in chats:
            cursor = db.execute(
                "INSERT INTO chat (guid, style, chat_identifier, service_name, display_name, account_login) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (chat.guid, 43 if chat.is_group else 45, chat.identifier, chat.service, chat.name, OWNER),
            )
            chat_id = int(cursor.lastrowid or 0)
            ids.chats[chat.identifier] = chat_id
            for address in chat.participants:
                handle_id = ids.handle(db, address, chat.service)
                db.execute("INSERT INTO chat_handle_join VALUES (?, ?)", (chat_id, handle_id))
        return ids

    def handle(self, db: sqlite3.Connection, address: str, service: str) -> int:
        key = (address, service)
        if key not in self.handles:
            cursor = db.execute(
                "INSERT INTO handle (id, service, uncanonicalized_id) VALUES (?, ?, ?)",
                (address, service, address),
            )
            self.handles[key] = int(cursor.lastrowid or 0)
        return self.handles[key]


_INSERT_MESSAGE = (
    "INSERT INTO message (guid, text, attributedBody, handle_id, service, account, destination_caller_id, "
    "date, date_read, date_delivered, is_from_me, is_sent, is_delivered, is_read, error, item_type, "
    "group_action_type, group_title, other_handle, associated_message_guid, associated_message_type, "
    "cache_has_attachments, subject, reply_to_guid{modern_names}) VALUES ({marks})"
)


def _insert(db: sqlite3.Connection, ids: _Ids, messages: Iterable[Message], layout: Layout) -> None:
    modern_names = ", date_edited, date_retracted, thread_originator_guid" if layout.modern else ""
    count = 24 + (3 if layout.modern else 0)
    sql = _INSERT_MESSAGE.format(modern_names=modern_names, marks=", ".join("?" * count))
    for batch in _batches(messages, 2_000):
        rows = [_message_row(db, ids, message, layout) for message in batch]
        cursor = db.execute("SELECT COALESCE(MAX(ROWID), 0) FROM message")
        first = int(cursor.fetchone()[0]) + 1
        db.executemany(sql, rows)
        joins = []
        for offset, message in enumerate(batch):
            joins.append((ids.chats[message.chat], first + offset, apple_time(message.at, nanoseconds=True)))
            _files(db, first + offset, message)
        db.executemany("INSERT INTO chat_message_join VALUES (?, ?, ?)", joins)


def _batches(messages: Iterable[Message], size: int) -> Iterator[list[Message]]:
    batch: list[Message] = []
    for message in messages:
        batch.append(message)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _message_row(db: sqlite3.Connection, ids: _Ids, message: Message, layout: Layout) -> tuple[object, ...]:
    ns = layout.modern

    def when(at: datetime | None) -> int:
        return 0 if at is None else apple_time(at, nanoseconds=ns)

    from_me = message.sender is None
    handle_id = 0 if from_me else ids.handle(db, message.sender or "", message.service)
    if from_me and not message.chat.startswith("chat"):
        handle_id = ids.handle(db, message.chat, message.service)
    other = ids.handle(db, message.other_handle, message.service) if message.other_handle else 0
    text = message.text if message.body in ("text", "both") else None
    blob = message.blob
    if blob is None and message.text is not None and message.body in ("attributed", "both"):
        blob = attributed_body(message.text, mutable=message.mutable)
    row: tuple[object, ...] = (
        message.guid,
        text,
        blob,
        handle_id,
        message.service,
        f"p:{OWNER}",
        OWNER if from_me else None,
        when(message.at),
        when(message.read_at),
        when(message.at) if from_me else 0,
        int(from_me),
        int(from_me),
        int(from_me),
        int(not from_me),
        message.error,
        message.item_type,
        message.group_action_type,
        message.group_title,
        other,
        message.reaction_to,
        message.reaction,
        int(bool(message.files)),
        message.subject,
        message.reply_to,
    )
    if layout.modern:
        row += (when(message.edited_at), when(message.retracted_at), message.reply_to)
    return row


def _files(db: sqlite3.Connection, message_id: int, message: Message) -> None:
    outgoing = int(message.sender is None)
    for number, file in enumerate(message.files):
        cursor = db.execute(
            "INSERT INTO attachment (guid, filename, mime_type, transfer_name, is_outgoing) "
            "VALUES (?, ?, ?, ?, ?)",
            (f"at_{number}_{message.guid}", file.filename, file.mime, file.transfer_name, outgoing),
        )
        db.execute("INSERT INTO message_attachment_join VALUES (?, ?)", (message_id, cursor.lastrowid))


# --- generated conversations ----------------------------------------------------------------------------

_PEOPLE = ("+447700900201", "+447700900202", "sam.rivera@example.com", "+447700900204")
_WORDS = (
    "ok",
    "where are you",
    "I saw you today",
    "answer me",
    "why won't you reply",
    "see you at 6",
    "thanks",
    "call me back",
    "I know where you live",
    "ça va",
    "Grüße",
    "🙂",
    "❤️",
    "👍🏽",
    "you can't ignore me forever",
)


def generated_chats() -> list[Chat]:
    chats = [Chat(person, (person,)) for person in _PEOPLE[:3]]
    chats.append(Chat("chat123456789012345678", _PEOPLE, name="Five-a-side"))
    chats.append(Chat(_PEOPLE[3], (_PEOPLE[3],), service="SMS"))
    return chats


def generated_messages(count: int, seed: int = 5, *, text_bytes: int = 0) -> Iterator[Message]:
    """`count` messages over the generated chats: mostly plain text, half of it only in attributedBody,
    with some emoji, long texts, tapbacks, group events and attachments. `text_bytes` pads every text to
    about that many bytes (for memory tests on large inputs)."""
    rng = random.Random(seed)  # noqa: S311 -- reproducible fake chat, not security
    chats = generated_chats()
    at = datetime(2023, 3, 1, 8, 0, tzinfo=UTC)
    for number in range(count):
        chat = chats[number % len(chats)]
        at += timedelta(seconds=rng.randint(1, 900), microseconds=rng.randint(0, 999_999))
        sender = None if rng.random() < 0.4 else rng.choice(chat.participants)
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 12)))
        if text_bytes:
            text = (text + " ") * max(1, text_bytes // (len(text.encode()) + 1))
        guid = f"{seed:02X}{number:08X}-5A1D-4E55-9C1A-00000000{number % 10_000:04d}"
        roll = rng.random()
        extra: dict[str, Any] = {}
        if roll < 0.03 and number:
            extra = {"reaction": 2000 + rng.randint(0, 5), "reaction_to": f"p:0/{seed:02X}{number - 1:08X}"}
        elif roll < 0.04 and chat.is_group:
            extra = {"item_type": 2, "group_title": "Five-a-side (new)", "text": None}
        elif roll < 0.06:
            name = f"IMG_{number:04d}.jpeg"
            filename = f"~/Library/Messages/Attachments/{number % 256:02x}/{number % 16:02d}/{guid}/{name}"
            extra = {"files": (File(filename, name),)}
        body = "attributed" if rng.random() < 0.5 else "both"
        message = Message(guid, chat.identifier, at, text, sender=sender, service=chat.service, body=body)
        yield replace(message, **extra)


def write_generated(path: Path, count: int, seed: int = 5, *, text_bytes: int = 0) -> None:
    """A generated chat.db of `count` messages, for benchmarks and memory tests."""
    write_chat_db(path, generated_chats(), generated_messages(count, seed, text_bytes=text_bytes))
