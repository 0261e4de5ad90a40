"""One sign-in or session from a login history export, and the small interface every export reader has.

A reader (`facebook.py`, `instagram.py`, `google.py`, `telegram.py`, `generic_csv.py`) answers two
questions about an opened export (a file, a folder or a zip, see `export.py`): how sure am I that this is
mine (`detect`, 0 to 1), and which sessions does it hold (`read`). Everything else — opening, choosing the
readers, the checks — lives once elsewhere.

Text is kept exactly as the export gives it (it is evidence); the `display` strings are for people, with
Meta's mojibake repaired.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from stalkproof.ingest.inputs import Input

# `login`: a sign-in from a history list; the export does not say whether that session is still open.
Status = Literal["active", "ended", "login", "login_failed"]


@dataclass(frozen=True)
class Place:
    """Where the export says a session was, usually worked out from the IP address (so approximate)."""

    city: str | None = None
    region: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    display: str = ""

    @property
    def known(self) -> bool:
        return bool(self.display) or self.has_coordinates

    @property
    def has_coordinates(self) -> bool:
        return self.lat is not None and self.lon is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "region": self.region,
            "country": self.country,
            "lat": self.lat,
            "lon": self.lon,
            "display": self.display or None,
        }


@dataclass(frozen=True)
class Origin:
    """Where in the input a session came from: the file (inside the folder or zip), its line, and the
    JSON path or CSV row, so a person can find it again."""

    file: str
    line: int | None = None
    path: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "path": self.path}


@dataclass(frozen=True)
class Session:
    """One sign-in or session. `started` is the sign-in (or session start), `last_active` the last use
    the export knows of; either may be missing. `device` is a plain label such as "Chrome on Windows",
    from the export's device name or its user agent. Times are timezone-aware (UTC when the export gave
    none; `zone_known` then is False). `listed_device` marks a row of a list of devices (Google's) rather
    than a sign-in: its label names the hardware ("Apple iPhone 13"), so it cannot be compared with the
    browser labels of sign-ins, only with the devices the person names. `extra` keeps the other fields
    the export gave (cookie ids, port, language), as found."""

    platform: str
    origin: Origin
    started: datetime | None = None
    last_active: datetime | None = None
    device: str = ""
    user_agent: str | None = None
    ip: str | None = None
    place: Place = field(default_factory=Place)
    app: str | None = None
    status: Status = "login"
    account: str | None = None
    zone_known: bool = True
    listed_device: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def first_seen(self) -> datetime | None:
        return self.started or self.last_active

    @property
    def last_seen(self) -> datetime | None:
        """The time the IP address and place belong to, as near as the exports say."""
        return self.last_active or self.started

    @property
    def succeeded(self) -> bool:
        return self.status != "login_failed"

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "account": self.account,
            "started": _iso(self.started),
            "last_active": _iso(self.last_active),
            "zone_known": self.zone_known,
            "device": self.device or None,
            "user_agent": self.user_agent,
            "ip": self.ip,
            "location": self.place.to_json(),
            "app": self.app,
            "status": self.status,
            "listed_device": self.listed_device,
            "source": self.origin.to_json(),
            "extra": dict(self.extra),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class SessionReader(Protocol):
    """One export format. `label` names it to people ("Facebook's Download your information (JSON)").
    A reader is made for one check, so `notes` belong to that check alone."""

    name: str
    label: str
    notes: list[str]  # what the reader left out, in plain words, for the report

    def detect(self, export: Input) -> float:
        """0 when the export is not this format, up to 1 when its file names and fields say it is."""
        ...

    def read(self, export: Input) -> Iterator[Session]:
        """The sessions, in the export's order. Raises InputError (one sentence) for damaged files."""
        ...
