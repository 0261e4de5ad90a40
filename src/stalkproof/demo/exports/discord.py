"""Writes the message files of a Discord data package: `messages.json` (an array of {ID, Timestamp,
Contents, Attachments}, newest first) and the older `messages.csv`, with ids that hold their own time as
Discord's do.

Used by the demo, the round-trip tests and the benchmark. The people and messages are fictional.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import orjson

DISCORD_EPOCH_MS = 1420070400000
CDN = "https://cdn.discordapp.com/attachments/1113800000000000001"


def snowflake(at: datetime, low: int = 0) -> int:
    """An id made at `at`: its top bits are the milliseconds since Discord's epoch."""
    ms = (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    return ((ms - DISCORD_EPOCH_MS) << 22) | (low & 0x3FFFFF)


@dataclass(frozen=True)
class Message:
    at: datetime  # aware, whole seconds
    contents: str
    attachments: tuple[str, ...] = ()
    low: int = 0  # the id's low bits (worker, process, sequence)

    @property
    def id(self) -> int:
        return snowflake(self.at, self.low)


def message_object(message: Message) -> dict[str, Any]:
    return {
        "ID": message.id,
        "Timestamp": message.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "Contents": message.contents,
        "Attachments": " ".join(message.attachments),
    }


def write_json(out: IO[bytes], messages: Iterable[Message]) -> None:
    """A pretty-printed messages.json, in the order given."""
    out.write(b"[")
    first = True
    for message in messages:
        data = orjson.dumps(message_object(message), option=orjson.OPT_INDENT_2)
        out.write((b"" if first else b",") + b"\n  " + data.replace(b"\n", b"\n  "))
        first = False
    out.write(b"]" if first else b"\n]\n")


def write_csv(out: IO[bytes], messages: Iterable[Message]) -> None:
    """An old-layout messages.csv, with Python's csv quoting and CRLF line ends."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(("ID", "Timestamp", "Contents", "Attachments"))
    for message in messages:
        stamp = message.at.astimezone(UTC).isoformat(sep=" ", timespec="microseconds")
        writer.writerow((message.id, stamp, message.contents, " ".join(message.attachments)))
    text.detach()


def json_bytes(messages: Iterable[Message]) -> bytes:
    out = io.BytesIO()
    write_json(out, messages)
    return out.getvalue()


def csv_bytes(messages: Iterable[Message]) -> bytes:
    out = io.BytesIO()
    write_csv(out, messages)
    return out.getvalue()


_WORDS = (
    *("please", "stop", "I", "have", "blocked", "you", "this", "is", "the", "last", "time", "do", "not"),
    *("contact", "me", "again", "😀", "café", "ok", "👋🏽", "🏳️‍🌈", '"quoted"', "a,b", "line\nbreak"),
)


def synthetic_messages(count: int, seed: int = 5, start: datetime | None = None) -> Iterator[Message]:
    """The holder's side of a long fictional DM, oldest first. Deterministic for a seed."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible fictional chat, not security
    at = start or datetime(2023, 1, 2, 8, 14, tzinfo=UTC)
    for number in range(count):
        at += timedelta(seconds=rng.randint(1, 600))
        text = " ".join(rng.choices(_WORDS, k=rng.randint(1, 14)))
        files = (f"{CDN}/{number}/photo.jpg",) if rng.random() < 0.05 else ()
        yield Message(at, text, files, number)


def write_synthetic(out: IO[bytes], count: int, seed: int = 5) -> None:
    """A messages.json of `count` messages, newest first as Discord writes them."""
    write_json(out, reversed(list(synthetic_messages(count, seed))))
