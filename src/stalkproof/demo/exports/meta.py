"""Writes Facebook Messenger and Instagram "Download your information" message files the way Meta does:
`messages/inbox/<name_id>/message_N.json`, two-space indentation, newest message first, message_1 the
newest file, and every non-ASCII character as Meta's mojibake, each UTF-8 byte escaped as `\\u00XX`
("é" is written `\\u00c3\\u00a9`). Also Messenger's separate E2EE chat download (camelCase, real UTF-8).

Used by the demo, the round-trip tests and the benchmark. The people and messages are fictional.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOTS = {
    "facebook": "your_activity_across_facebook/",
    "facebook_2023": "your_facebook_activity/",
    "facebook_old": "",
    "instagram": "your_instagram_activity/",
    "instagram_old": "",
}


@dataclass(frozen=True)
class Message:
    """One message as the app showed it (real text; the writer applies the mojibake)."""

    sender: str
    at: datetime  # aware
    text: str | None = None
    photos: tuple[str, ...] = ()  # file names inside the conversation's photos/ folder
    videos: tuple[str, ...] = ()
    audio_files: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    unsent: bool = False
    call_duration: int | None = None
    reactions: tuple[tuple[str, str], ...] = ()  # (reaction, actor)
    share_link: str | None = None
    type: str | None = None  # "Subscribe", "Unsubscribe", "Call"... (older exports: "Generic")
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Thread:
    folder: str  # "samtaylor_10158123456789"
    title: str
    participants: tuple[str, ...]
    messages: tuple[Message, ...]  # in any order; written newest first
    box: str = "inbox"


def mojibake(text: str) -> str:
    """What Meta's JSON gives back for `text`: its UTF-8 bytes read as Latin-1."""
    return text.encode("utf-8").decode("latin-1")


def _ms(at: datetime) -> int:
    return (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _media(uris: Sequence[str], at: datetime) -> list[dict[str, Any]]:
    return [{"uri": uri, "creation_timestamp": _ms(at) // 1000} for uri in uris]


def message_object(message: Message, media_folder: str) -> dict[str, Any]:
    """The message as Meta writes it (before escaping), keys in Meta's order."""
    item: dict[str, Any] = {"sender_name": mojibake(message.sender), "timestamp_ms": _ms(message.at)}
    if message.text is not None:
        item["content"] = mojibake(message.text)
    for key in ("photos", "videos", "audio_files", "files"):
        names: tuple[str, ...] = getattr(message, key)
        if names:
            item[key] = _media([f"{media_folder}{key}/{name}" for name in names], message.at)
    if message.call_duration is not None:
        item["call_duration"] = message.call_duration
    if message.reactions:
        item["reactions"] = [{"reaction": mojibake(r), "actor": mojibake(a)} for r, a in message.reactions]
    if message.share_link is not None:
        item["share"] = {"link": message.share_link}
    if message.type is not None:
        item["type"] = message.type
    if message.unsent:
        item["is_unsent"] = True
    item["is_geoblocked_for_viewer"] = False
    item.update(message.extra)
    return item


def _newest_first(messages: Iterable[Message]) -> list[Message]:
    return sorted(messages, key=lambda message: message.at, reverse=True)


def thread_file(thread: Thread, messages: Sequence[Message], root: str = "") -> bytes:
    """One message_N.json holding `messages` (already in the order to write)."""
    thread_path = f"{thread.box}/{thread.folder}"
    media_folder = f"{root}messages/{thread_path}/"
    document = {
        "participants": [{"name": mojibake(name)} for name in thread.participants],
        "messages": [message_object(message, media_folder) for message in messages],
        "title": mojibake(thread.title),
        "is_still_participant": True,
        "thread_path": thread_path,
        "magic_words": [],
        "joinable_mode": {"mode": 1, "link": ""},
    }
    return json.dumps(document, indent=2, ensure_ascii=True).encode("ascii")


def write_export(
    folder: Path,
    threads: Iterable[Thread],
    layout: str = "facebook",
    per_file: int = 10_000,
    media: bool = True,
) -> list[Path]:
    """A download unpacked into `folder`: each thread split into message_1.json (newest) onwards, plus a
    small placeholder file for every photo, video and file named (unless `media` is False)."""
    root = ROOTS[layout]
    written: list[Path] = []
    for thread in threads:
        place = folder / root / "messages" / thread.box / thread.folder
        place.mkdir(parents=True, exist_ok=True)
        ordered = _newest_first(thread.messages)
        for number, start in enumerate(range(0, max(len(ordered), 1), per_file), 1):
            path = place / f"message_{number}.json"
            path.write_bytes(thread_file(thread, ordered[start : start + per_file], root))
            written.append(path)
        if media:
            _write_media(place, ordered)
    return written


def _write_media(place: Path, messages: Iterable[Message]) -> None:
    for message in messages:
        for key in ("photos", "videos", "audio_files", "files"):
            for name in getattr(message, key):
                (place / key).mkdir(exist_ok=True)
                (place / key / name).write_bytes(f"synthetic {key[:-1]} {name}\n".encode())


def e2ee_file(thread_name: str, participants: Sequence[str], messages: Iterable[Message]) -> bytes:
    """Messenger's E2EE chat download: camelCase keys, real UTF-8, media as one list."""
    items = []
    for message in _newest_first(messages):
        media = [f"media/{name}" for name in (*message.photos, *message.videos, *message.audio_files)]
        items.append(
            {
                "isUnsent": message.unsent,
                "media": [{"uri": uri} for uri in media],
                "reactions": [
                    {"actor": actor, "reaction": reaction} for reaction, actor in message.reactions
                ],
                "senderName": message.sender,
                "text": message.text or "",
                "timestamp": _ms(message.at),
                "type": "media" if media else "text",
            }
        )
    document = {"participants": list(participants), "threadName": thread_name, "messages": items}
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


_WORDS = (
    *("where", "are", "you", "I", "saw", "you", "at", "the", "café", "today", "why", "won't", "answer"),
    *("me", "please", "stop", "this", "is", "the", "last", "time", "I", "know", "naïve", "you", "live"),
    *("😀", "❤️", "ok", "fine", "see", "you", "later", "Zoë", "👋🏽"),
)


def synthetic_thread(folder: str, count: int, seed: int = 7, start: datetime | None = None) -> Thread:
    """A long fictional conversation between Sam Taylor and Zoë Brown, with photos, reactions, unsent
    messages and calls sprinkled in. Deterministic for a seed."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible fictional chat, not security
    at = start or datetime(2023, 1, 2, 8, 14, tzinfo=UTC)
    people = ("Sam Taylor", "Zoë Brown")
    messages: list[Message] = []
    for number in range(count):
        at += timedelta(seconds=rng.randint(1, 600), milliseconds=rng.randint(0, 999))
        sender = people[rng.random() < 0.5]
        roll = rng.random()
        text = " ".join(rng.choices(_WORDS, k=rng.randint(1, 14)))
        if roll < 0.02:
            messages.append(Message(sender, at, f"{sender} called you.", call_duration=rng.randint(0, 900)))
        elif roll < 0.05:
            messages.append(Message(sender, at, photos=(f"{number}_photo.jpg",)))
        elif roll < 0.08:
            messages.append(Message(sender, at, text, reactions=(("❤", people[0]),)))
        elif roll < 0.09:
            messages.append(Message(sender, at, unsent=True))
        else:
            messages.append(Message(sender, at, text))
    return Thread(folder, people[0], people, tuple(messages))


def synthetic_threads(threads: int, per_thread: int, seed: int = 7) -> Iterator[Thread]:
    for number in range(threads):
        yield synthetic_thread(f"samtaylor_{10158000000 + number}", per_thread, seed + number)
