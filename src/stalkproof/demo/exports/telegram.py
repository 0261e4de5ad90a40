"""Writes Telegram Desktop JSON exports (`result.json`) the way the desktop app lays them out: UTF-8,
one-space indentation, one key per line, `date` as the exporting computer's wall clock beside the
`date_unixtime` instant, `text` as a string or (with formatting) a list of parts, and `text_entities`.

Used by the demo, the round-trip tests and the benchmark. The people and messages are fictional.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import orjson

TextPart = str | Mapping[str, str]
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
_INDENT = re.compile(rb"\n( *)")


@dataclass(frozen=True)
class Chat:
    name: str | None
    type: str = "personal_chat"
    id: int | None = 4242


@dataclass(frozen=True)
class Message:
    """One entry of `messages`. `action` set makes it a service message by `sender` (its actor)."""

    id: int
    at: datetime  # aware
    sender: str | None
    sender_id: str | None
    text: str | tuple[TextPart, ...] = ""
    action: str | None = None
    edited: datetime | None = None
    forwarded_from: str | None = None
    reply_to: int | None = None
    photo: str | None = None
    file: str | None = None
    file_name: str | None = None
    media_type: str | None = None
    mime_type: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # written as given, after the known fields


def message_object(message: Message, offset: timedelta = timedelta(0)) -> dict[str, Any]:
    """The message as Telegram writes it, keys in the app's order; `offset` is the exporting computer's."""
    item: dict[str, Any] = {"id": message.id, "type": "service" if message.action else "message"}
    item.update(_dates("date", message.at, offset))
    if message.edited is not None:
        item.update(_dates("edited", message.edited, offset))
    who = ("actor", "actor_id") if message.action else ("from", "from_id")
    item[who[0]] = message.sender
    if message.sender_id is not None:
        item[who[1]] = message.sender_id
    if message.action:
        item["action"] = message.action
    if message.forwarded_from is not None:
        item["forwarded_from"] = message.forwarded_from
    if message.reply_to is not None:
        item["reply_to_message_id"] = message.reply_to
    if message.photo is not None:
        item.update({"photo": message.photo, "width": 1280, "height": 960})
    if message.file is not None:
        item["file"] = message.file
        if message.file_name is not None:
            item["file_name"] = message.file_name
        item.update(
            {k: v for k, v in (("media_type", message.media_type), ("mime_type", message.mime_type)) if v}
        )
    item.update(message.extra)
    item["text"] = list(message.text) if isinstance(message.text, tuple) else message.text
    item["text_entities"] = _entities(message.text)
    return item


def _dates(key: str, at: datetime, offset: timedelta) -> dict[str, str]:
    local = (at.astimezone(UTC) + offset).replace(tzinfo=None)
    unix = int((at - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())
    return {key: local.isoformat(timespec="seconds"), f"{key}_unixtime": str(unix)}


def _entities(text: str | tuple[TextPart, ...]) -> list[Mapping[str, str]]:
    parts = (text,) if isinstance(text, str) else text
    return [
        {"type": "plain", "text": part} if isinstance(part, str) else part for part in parts if part != ""
    ]


def pretty(value: Any, depth: int) -> bytes:
    """JSON with one-space indentation, as if nested `depth` levels deep (its first line not indented)."""
    data = orjson.dumps(value, option=orjson.OPT_INDENT_2)
    return _INDENT.sub(lambda match: b"\n" + b" " * (len(match.group(1)) // 2 + depth), data)


def _header(value: Mapping[str, Any], depth: int) -> bytes:
    """The object's lines up to (not including) its closing brace, for an object whose last key follows."""
    inner = pretty(dict(value), depth)
    return inner[: inner.rindex(b"\n")] + (b"," if value else b"")


def _write_messages(out: IO[bytes], messages: Iterable[Message], offset: timedelta, depth: int) -> None:
    pad = b" " * depth
    first = True
    for message in messages:
        out.write((b"" if first else b",") + b"\n" + pad + pretty(message_object(message, offset), depth))
        first = False
    out.write(b"\n" + b" " * (depth - 1) + b"]" if not first else b"]")


def _chat_header(chat: Chat) -> dict[str, Any]:
    header: dict[str, Any] = {"name": chat.name, "type": chat.type}
    if chat.id is not None:
        header["id"] = chat.id
    return header


def write_chat(
    out: IO[bytes], chat: Chat, messages: Iterable[Message], offset: timedelta = timedelta(0)
) -> None:
    """A single-chat export: `{"name", "type", "id", "messages": [...]}`."""
    out.write(_header(_chat_header(chat), 0) + b'\n "messages": [')
    _write_messages(out, messages, offset, 2)
    out.write(b"\n}\n")


def write_account(
    out: IO[bytes],
    chats: Iterable[tuple[Chat, Iterable[Message]]],
    owner_id: int = 111,
    offset: timedelta = timedelta(0),
) -> None:
    """A whole-account export: personal information, contacts, then `chats.list[]` and `left_chats`."""
    top = {
        "about": "Here is the data you requested. Synthetic example made by stalkproof.",
        "personal_information": {
            "user_id": owner_id,
            "first_name": "Alex",
            "last_name": "Morgan",
            "phone_number": "+44 7700 900123",
            "username": "@alex_example",
            "bio": "",
        },
        "contacts": {
            "about": "Contacts.",
            "list": [{"first_name": "Sam", "phone_number": "+44 7700 900456"}],
        },
    }
    out.write(_header(top, 0))
    out.write(b'\n "chats": {\n  "about": "This page lists all chats from this export.",\n  "list": [')
    first = True
    for chat, messages in chats:
        out.write(
            (b"" if first else b",") + b"\n   " + _header(_chat_header(chat), 3) + b'\n    "messages": ['
        )
        _write_messages(out, messages, offset, 5)
        out.write(b"\n   }")
        first = False
    out.write(b"\n  ]" if not first else b"]")
    out.write(b'\n },\n "left_chats": {\n  "about": "Chats you left.",\n  "list": []\n }\n}\n')


def chat_bytes(chat: Chat, messages: Iterable[Message], offset: timedelta = timedelta(0)) -> bytes:
    out = io.BytesIO()
    write_chat(out, chat, messages, offset)
    return out.getvalue()


def account_bytes(chats: Iterable[tuple[Chat, Iterable[Message]]], owner_id: int = 111) -> bytes:
    out = io.BytesIO()
    write_account(out, chats, owner_id)
    return out.getvalue()


_WORDS = (
    *("where", "are", "you", "I", "saw", "you", "at", "the", "station", "today", "why", "won't", "answer"),
    *("me", "please", "stop", "this", "is", "the", "last", "time", "I", "know", "where", "you", "live"),
    *("😀", "café", "naïve", "ok", "fine", "see", "you", "later", "👋🏽", "🏳️‍🌈"),
)


def synthetic_messages(count: int, seed: int = 5, start: datetime | None = None) -> Iterator[Message]:
    """A long fictional chat between Sam (user222) and Alex (user111): mostly text, some formatting,
    edits, replies, photos (not included) and calls. Deterministic for a seed."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible fictional chat, not security
    at = start or datetime(2023, 1, 2, 8, 14, tzinfo=UTC)
    people = (("Sam Taylor", "user222"), ("Alex Morgan", "user111"))
    for number in range(1, count + 1):
        at += timedelta(seconds=rng.randint(1, 600))
        name, ident = people[rng.random() < 0.4]
        roll = rng.random()
        text = " ".join(rng.choices(_WORDS, k=rng.randint(1, 14)))
        if roll < 0.02:
            extra = {"duration_seconds": rng.randint(0, 900), "discard_reason": "hangup"}
            yield Message(number, at, name, ident, "", action="phone_call", extra=extra)
        elif roll < 0.07:
            yield Message(number, at, name, ident, (text, {"type": "bold", "text": "now"}))
        elif roll < 0.10:
            yield Message(number, at, name, ident, "", photo=NOT_INCLUDED)
        elif roll < 0.15:
            yield Message(
                number, at, name, ident, text, edited=at + timedelta(minutes=2), reply_to=number - 1
            )
        else:
            yield Message(number, at, name, ident, text)


def write_synthetic(out: IO[bytes], count: int, seed: int = 5) -> None:
    """A single-chat result.json with `count` messages, written as it is generated (constant memory)."""
    write_chat(
        out, Chat("Sam Taylor", "personal_chat", 4242), synthetic_messages(count, seed), timedelta(hours=1)
    )
