"""Writes X (Twitter) archive direct-message files (`data/direct-messages.js`) the way the archive lays them
out: a `window.YTD.direct_messages.part0 = ` assignment, two-space indentation, `"key" : value`, and
conversations of `messageCreate` events, newest first.

Used by the demo, the round-trip tests and the benchmark. The people and messages are fictional.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

OWNER_ID = "1111111111"
OTHER_ID = "2222222222"


@dataclass(frozen=True)
class Message:
    id: str
    at: datetime  # aware
    sender_id: str
    recipient_id: str | None
    text: str
    media_urls: tuple[str, ...] = ()
    edited: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)


def event_object(message: Message) -> dict[str, Any]:
    """One entry of `messages`, keys in the archive's order."""
    body: dict[str, Any] = {}
    if message.recipient_id is not None:
        body["recipientId"] = message.recipient_id
    body.update({"reactions": [], "urls": [], "text": message.text, "mediaUrls": list(message.media_urls)})
    body.update({"senderId": message.sender_id, "id": message.id, "createdAt": _iso(message.at)})
    body["editHistory"] = [{"editedAt": _iso(message.at + timedelta(minutes=1))}] if message.edited else []
    body.update(message.extra)
    return {"messageCreate": body}


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _pretty(value: Any, depth: int) -> str:
    text = json.dumps(value, indent=2, separators=(",", " : "), ensure_ascii=False)
    return text.replace("\n", "\n" + "  " * depth)


def write_conversations(
    out: IO[bytes],
    conversations: Iterable[tuple[str, Iterable[Mapping[str, Any]]]],
    group: bool = False,
    part: int = 0,
) -> None:
    """A direct-messages file: `conversations` are (conversation id, event objects)."""
    name = "direct_messages_group" if group else "direct_messages"
    out.write(f"window.YTD.{name}.part{part} = [".encode())
    first_conversation = True
    for conversation_id, events in conversations:
        head = "" if first_conversation else ","
        out.write(f'{head}\n  {{\n    "dmConversation" : {{\n      "conversationId" : '.encode())
        out.write(f'{json.dumps(conversation_id)},\n      "messages" : ['.encode())
        first = True
        for event in events:
            out.write((("" if first else ",") + "\n        " + _pretty(event, 4)).encode())
            first = False
        out.write(b"\n      ]\n    }\n  }" if not first else b" ]\n    }\n  }")
        first_conversation = False
    out.write(b"\n]" if not first_conversation else b" ]")


def file_bytes(
    conversations: Iterable[tuple[str, Iterable[Mapping[str, Any]]]], group: bool = False
) -> bytes:
    out = io.BytesIO()
    write_conversations(out, conversations, group)
    return out.getvalue()


def account_js(account_id: str = OWNER_ID) -> bytes:
    account = {
        "account": {
            "email": "alex@example.com",
            "createdVia": "web",
            "username": "alex_example",
            "accountId": account_id,
            "createdAt": "2015-04-01T10:00:00.000Z",
            "accountDisplayName": "Alex Morgan",
        }
    }
    return ("window.YTD.account.part0 = " + json.dumps([account], indent=2, separators=(",", " : "))).encode()


_WORDS = (
    *("where", "are", "you", "I", "saw", "you", "at", "the", "station", "today", "why", "won't", "answer"),
    *("me", "please", "stop", "this", "is", "the", "last", "time", "&amp;", "😀", "café", "👋🏽", "🏳️‍🌈"),
)


def synthetic_messages(count: int, seed: int = 5, start: datetime | None = None) -> Iterator[Message]:
    """A long fictional one-to-one conversation between Alex (the owner) and Sam. Deterministic."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible fictional chat, not security
    at = start or datetime(2023, 1, 2, 8, 14, tzinfo=UTC)
    for number in range(count):
        at += timedelta(milliseconds=rng.randint(1000, 600_000))
        mine = rng.random() < 0.4
        sender, recipient = (OWNER_ID, OTHER_ID) if mine else (OTHER_ID, OWNER_ID)
        text = " ".join(rng.choices(_WORDS, k=rng.randint(1, 14)))
        yield Message(
            str(1600000000000000000 + number), at, sender, recipient, text, edited=rng.random() < 0.02
        )


def write_synthetic(out: IO[bytes], count: int, seed: int = 5) -> None:
    """One conversation of `count` messages, newest first as the archive writes them."""
    messages = list(synthetic_messages(count, seed))
    write_conversations(out, [(f"{OTHER_ID}-{OWNER_ID}", (event_object(m) for m in reversed(messages)))])
