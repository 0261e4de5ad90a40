"""Writes Snapchat `chat_history.json` in the newer shape: conversations keyed by name, each a list of
{From, Media Type, Created, Content, Conversation Title, IsSender, Created(microseconds), IsSaved, Media IDs}.

Used by the demo, the round-trip tests and the benchmark. The people and messages are fictional.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import orjson

OWNER = "alex_example"


@dataclass(frozen=True)
class Message:
    sender: str
    at: datetime  # aware, whole milliseconds
    content: str | None
    media_ids: tuple[str, ...] = ()


def message_object(message: Message) -> dict[str, Any]:
    ms = (message.at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    return {
        "From": message.sender,
        "Media Type": "MEDIA" if message.media_ids else "TEXT",
        "Created": message.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "Content": message.content,
        "Conversation Title": None,
        "IsSender": message.sender == OWNER,
        "Created(microseconds)": ms,
        "IsSaved": True,
        "Media IDs": " | ".join(message.media_ids),
    }


def write_chats(out: IO[bytes], conversations: Iterable[tuple[str, Iterable[Message]]]) -> None:
    out.write(b"{")
    first_chat = True
    for name, messages in conversations:
        out.write((b"" if first_chat else b",") + b"\n  " + orjson.dumps(name) + b": [")
        first = True
        for message in messages:
            data = orjson.dumps(message_object(message), option=orjson.OPT_INDENT_2)
            out.write((b"" if first else b",") + b"\n    " + data.replace(b"\n", b"\n    "))
            first = False
        out.write(b"]" if first else b"\n  ]")
        first_chat = False
    out.write(b"}\n" if first_chat else b"\n}\n")


def chats_bytes(conversations: Iterable[tuple[str, Iterable[Message]]]) -> bytes:
    out = io.BytesIO()
    write_chats(out, conversations)
    return out.getvalue()
