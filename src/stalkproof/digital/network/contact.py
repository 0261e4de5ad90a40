"""One contact seen in a network recording, and the small interface every format reader implements.

A reader (`pcap.py`, `zeek_dns.py`, `pcapdroid.py`) answers two questions about one file: is this my
format (`detect`), and which contacts does it show (`read`). A contact is one moment where a name or an
address was looked up or connected to: a DNS question or answer, the server name of a secure (TLS)
connection, the Host of a plain web request, the first packet of a connection, or one row of a
connection list. Matching them against indicators happens once, in `checks.py`.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

How = Literal["dns", "sni", "http_host", "ip", "pcapdroid"]

# Letters, digits, hyphen and underscore in dot-separated labels: anything else in a "name" taken from
# a damaged or hostile packet is not a name and is dropped rather than matched.
_HOST = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$")


@dataclass(frozen=True, slots=True)
class Contact:
    """`domain` and `ip` are already normalised (lower case, no trailing dot; canonical address text).

    `source` says where in the file it was seen, in words a person can look up ("packet 12",
    "line 7"). `client` is the address of the device that made the contact, when the file says.
    """

    time: datetime | None
    domain: str | None
    ip: str | None
    port: int | None
    protocol: str
    app: str | None
    how: How
    source: str
    client: str | None = None
    url: str | None = None


@dataclass
class ReadNotes:
    """What a reader could not read, counted by reason, and the span of time the file covers."""

    format: str = ""
    records: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    unsupported_link_types: set[int] = field(default_factory=set)
    damaged_end: bool = False
    first_time: datetime | None = None
    last_time: datetime | None = None

    def saw(self, time: datetime | None) -> None:
        if time is None:
            return
        if self.first_time is None or time < self.first_time:
            self.first_time = time
        if self.last_time is None or time > self.last_time:
            self.last_time = time


class Reader(Protocol):
    """A format module. `expects` names the format in words, for error messages."""

    name: str
    expects: str

    def detect(self, path: Path) -> bool: ...

    def read(self, path: Path, notes: ReadNotes | None = None) -> Iterator[Contact]: ...


@lru_cache(maxsize=65536)
def host_or_address(text: str) -> tuple[str | None, str | None]:
    """(`domain`, `ip`) for a host as written in a packet or log: exactly one is set, or neither."""
    value = text.strip().strip("[]").rstrip(".").lower()
    if not value:
        return None, None
    try:
        return None, str(ipaddress.ip_address(value))
    except ValueError:
        pass
    if len(value) > 253 or not _HOST.match(value):
        return None, None
    return value, None


def address(text: str) -> str | None:
    """The canonical form of an IPv4 or IPv6 address, or None when `text` is not one."""
    try:
        return str(ipaddress.ip_address(text.strip().strip("[]")))
    except ValueError:
        return None


def from_epoch(seconds: float) -> datetime | None:
    """A UTC time from seconds since 1970; None for values no real recording has."""
    if not 0 < seconds < 32503680000:  # before the year 3000
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)
