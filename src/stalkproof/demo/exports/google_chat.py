"""Writes Google Chat's part of a Google Takeout: `Google Chat/Groups/{DM,Space} <id>/messages.json` (an
object whose `messages` array is pretty-printed with two-space indentation, oldest first), `group_info.json`
and `Users/User <id>/user_info.json`, with times as English-locale text in the forms Takeout has used.

Used by the demo, the round-trip tests and the benchmark. The people and messages are fictional.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson

DATE_FORMS = ("en_us", "en_us_narrow_space", "en_us_no_break_space", "en_gb", "en_gb_12h", "en_us_comma")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


@dataclass(frozen=True)
class Person:
    name: str
    email: str | None
    user_type: str = "Human"

    def as_json(self) -> dict[str, Any]:
        person: dict[str, Any] = {"name": self.name}
        if self.email is not None:
            person["email"] = self.email
        person["user_type"] = self.user_type
        return person


ALEX = Person("Alex Morgan", "alex.morgan@example.com")
SAM = Person("Sam Example", "sam.example@example.org")


@dataclass(frozen=True)
class Message:
    message_id: str
    at: datetime  # aware, whole seconds
    creator: Person
    text: str
    attachments: tuple[str, ...] = ()  # export names, as saved in the group folder
    topic_id: str | None = None
    deleted: bool = False
    updated: datetime | None = None
    form: str = "en_us"


def date_text(at: datetime, form: str = "en_us") -> str:
    """`at` as Takeout writes it in one of DATE_FORMS (always in UTC)."""
    at = at.astimezone(UTC)
    weekday, month = WEEKDAYS[at.weekday()], MONTHS[at.month - 1]
    twelve = f"{(at.hour + 11) % 12 + 1}:{at.minute:02d}:{at.second:02d}"
    meridiem = "AM" if at.hour < 12 else "PM"
    if form == "en_us":
        return f"{weekday}, {month} {at.day}, {at.year} at {twelve} {meridiem} UTC"
    if form == "en_us_narrow_space":
        return f"{weekday}, {month} {at.day}, {at.year} at {twelve}\u202f{meridiem} UTC"
    if form == "en_us_no_break_space":
        return f"{weekday}, {month} {at.day}, {at.year} at {twelve}\u00a0{meridiem} UTC"
    if form == "en_us_comma":
        return f"{weekday}, {month} {at.day}, {at.year}, {twelve}\u202f{meridiem} UTC"
    if form == "en_gb":
        return f"{weekday}, {at.day} {month} {at.year} at {at:%H:%M:%S} UTC"
    if form == "en_gb_12h":
        return f"{weekday}, {at.day} {month} {at.year} at {twelve}\u202f{meridiem.lower()} UTC"
    raise ValueError(f"unknown date form {form!r}")


def message_object(message: Message) -> dict[str, Any]:
    """One element of `messages`, keys in Takeout's order."""
    item: dict[str, Any] = {"creator": message.creator.as_json()}
    item["created_date"] = date_text(message.at, message.form)
    if message.updated is not None:
        item["updated_date"] = date_text(message.updated, message.form)
    if message.deleted:
        item["message_state"] = "DELETED"
        item["deletion_metadata"] = {"deletion_type": "CREATOR"}
    else:
        item["text"] = message.text
    if message.attachments:
        item["attached_files"] = [
            {"original_name": name.removeprefix("File-"), "export_name": name} for name in message.attachments
        ]
    if message.topic_id is not None:
        item["topic_id"] = message.topic_id
    item["message_id"] = message.message_id
    return item


def write_messages(out: IO[bytes], messages: Iterable[Message], ascii_only: bool = False) -> None:
    """A messages.json. `ascii_only` escapes every non-ASCII character as \\uXXXX, as some exports do."""
    out.write(b'{\n  "messages": [')
    first = True
    for message in messages:
        item = message_object(message)
        if ascii_only:
            data = json.dumps(item, indent=2, ensure_ascii=True).encode()
        else:
            data = orjson.dumps(item, option=orjson.OPT_INDENT_2)
        out.write((b"" if first else b",") + b"\n    " + data.replace(b"\n", b"\n    "))
        first = False
    out.write(b"]\n}\n" if first else b"\n  ]\n}\n")


def messages_bytes(messages: Iterable[Message], ascii_only: bool = False) -> bytes:
    out = io.BytesIO()
    write_messages(out, messages, ascii_only)
    return out.getvalue()


def group_info(members: Sequence[Person], name: str | None = None) -> bytes:
    info: dict[str, Any] = {}
    if name is not None:
        info["name"] = name
    info["members"] = [person.as_json() for person in members]
    return orjson.dumps(info, option=orjson.OPT_INDENT_2) + b"\n"


def user_info(owner: Person, groups: Iterable[str] = ()) -> bytes:
    memberships = [
        {"group_id": group.split(" ", 1)[-1], "membership_state": "MEMBER_JOINED"} for group in groups
    ]
    info = {"user": owner.as_json(), "membership_info": memberships}
    return orjson.dumps(info, option=orjson.OPT_INDENT_2) + b"\n"


def write_takeout(
    root: Path,
    groups: Iterable[tuple[str, Sequence[Person], str | None, Iterable[Message]]],
    owner: Person = ALEX,
    user_id: str = "104000000000000000001",
    files: Iterable[tuple[str, str, bytes]] = (),
) -> Path:
    """A `Takeout/Google Chat` tree under `root`: groups are (folder name, members, space name, messages);
    files are (group folder, export name, bytes) saved beside a group's messages. Returns the chat folder."""
    chat = root / "Takeout" / "Google Chat"
    names = []
    for folder, members, name, messages in groups:
        group = chat / "Groups" / folder
        group.mkdir(parents=True, exist_ok=True)
        with (group / "messages.json").open("wb") as out:
            write_messages(out, messages)
        (group / "group_info.json").write_bytes(group_info(members, name))
        names.append(folder)
    for folder, export_name, data in files:
        (chat / "Groups" / folder / export_name).write_bytes(data)
    user = chat / "Users" / f"User {user_id}"
    user.mkdir(parents=True, exist_ok=True)
    (user / "user_info.json").write_bytes(user_info(owner, names))
    return chat


_WORDS = (
    *("where", "are", "you", "I", "saw", "you", "at", "the", "station", "today", "why", "won't", "answer"),
    *("me", "please", "stop", "this", "is", "the", "last", "time", '"quoted"', "back\\slash", "😀", "café"),
    *("👋🏽", "🏳️‍🌈", "line\nbreak", "tab\there"),
)


def synthetic_messages(
    count: int, seed: int = 5, start: datetime | None = None, group_id: str = "2bXc8AAAAAE"
) -> Iterator[Message]:
    """A long fictional DM between Alex (the owner) and Sam, oldest first. Deterministic for a seed."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible fictional chat, not security
    at = start or datetime(2023, 1, 2, 8, 14, tzinfo=UTC)
    for number in range(count):
        at += timedelta(seconds=rng.randint(1, 600))
        creator = ALEX if rng.random() < 0.4 else SAM
        text = " ".join(rng.choices(_WORDS, k=rng.randint(1, 14)))
        topic = f"t{number:09d}"
        files = (f"File-photo_{number}.jpg",) if rng.random() < 0.02 else ()
        form = DATE_FORMS[number % 2]  # Takeout switched to U+202F before AM/PM in 2023; both occur
        yield Message(f"{group_id}/{topic}/{topic}", at, creator, text, files, topic, form=form)


def write_synthetic(out: IO[bytes], count: int, seed: int = 5) -> None:
    """A messages.json of `count` messages."""
    write_messages(out, synthetic_messages(count, seed))
