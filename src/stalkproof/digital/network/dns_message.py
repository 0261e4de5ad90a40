"""The names in a DNS message: the questions asked and the A, AAAA and CNAME answers given.

dpkt's DNS decoder gives up on the whole message when an answer has a record type it does not know, and
today's phones ask for HTTPS and SVCB records in almost every lookup; so this reads only what the check
needs, skips every other record by its stated length, and never raises on a damaged message.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

TYPE_A, TYPE_CNAME, TYPE_AAAA = 1, 5, 28
_HEADER = 12
_MOST_POINTERS = 32  # compression pointers followed for one name before it counts as a loop


@dataclass(frozen=True, slots=True)
class Answer:
    """`name` answered with an address (`address`) or with another name (`alias`, for CNAME)."""

    name: str
    address: str | None = None
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class DnsMessage:
    is_response: bool
    questions: tuple[str, ...]
    answers: tuple[Answer, ...]


def parse_dns(data: bytes) -> DnsMessage | None:
    """The message in `data`, or None when it is not a readable DNS message. Damaged answers are dropped."""
    if len(data) < _HEADER:
        return None
    flags, question_count, answer_count = struct.unpack(">HHH", data[2:8])
    position = _HEADER
    questions: list[str] = []
    for _ in range(question_count):
        name, position = _name(data, position)
        if name is None or position + 4 > len(data):
            return None
        questions.append(name)
        position += 4  # type and class
    answers: list[Answer] = []
    for _ in range(answer_count):
        answer, position = _answer(data, position)
        if position < 0:
            break
        if answer is not None:
            answers.append(answer)
    return DnsMessage(bool(flags & 0x8000), tuple(questions), tuple(answers))


def _answer(data: bytes, position: int) -> tuple[Answer | None, int]:
    """One resource record: the answer it gives (if of a type we read) and where the next one starts."""
    name, position = _name(data, position)
    if name is None or position + 10 > len(data):
        return None, -1
    kind, _class, _ttl, length = struct.unpack(">HHIH", data[position : position + 10])
    start, end = position + 10, position + 10 + length
    if end > len(data):
        return None, -1
    if kind == TYPE_A and length == 4:
        return Answer(name, address=str(ipaddress.IPv4Address(data[start:end]))), end
    if kind == TYPE_AAAA and length == 16:
        return Answer(name, address=str(ipaddress.IPv6Address(data[start:end]))), end
    if kind == TYPE_CNAME:
        alias, _ = _name(data, start)
        return (Answer(name, alias=alias) if alias else None), end
    return None, end


def _name(data: bytes, position: int) -> tuple[str | None, int]:
    """A possibly compressed name at `position` and the position just after it in the message."""
    labels: list[str] = []
    after = -1
    pointers = 0
    while position < len(data):
        length = data[position]
        if length == 0:
            text = ".".join(labels).lower()
            return (text or None), (after if after >= 0 else position + 1)
        if length & 0xC0 == 0xC0:
            if position + 1 >= len(data) or pointers >= _MOST_POINTERS:
                return None, -1
            if after < 0:
                after = position + 2
            position = ((length & 0x3F) << 8) | data[position + 1]
            pointers += 1
            continue
        if length & 0xC0 or position + 1 + length > len(data):
            return None, -1
        try:
            labels.append(data[position + 1 : position + 1 + length].decode("ascii"))
        except UnicodeDecodeError:
            return None, -1
        position += 1 + length
    return None, -1
