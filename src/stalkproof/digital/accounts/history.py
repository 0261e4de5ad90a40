"""What is usual in a person's sign-in history: their most frequent devices and places, and what they
named as their own. Every check compares against this.

"Usual" means the most frequent: devices (or countries, or towns) are taken most frequent first until
together they make `usual_share` of the sign-ins, up to `usual_max_devices` of them, each seen at least
`usual_min_sessions` times. A device or place the person names as theirs is never unusual.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from stalkproof.digital.accounts.geo import Locator, fold
from stalkproof.digital.accounts.model import Place, Session
from stalkproof.digital.accounts.wording import Thresholds

UNNAMED_DEVICE = "a device the export does not name"
PLATFORM_NAMES = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "google": "your Google account",
    "telegram": "Telegram",
    "csv": "the account",
}
_LISTED = 3


@dataclass(frozen=True)
class Usual:
    """The usual values, most frequent first, and the counts they were chosen from."""

    values: tuple[str, ...]
    counts: Counter[str]

    @property
    def least(self) -> int:
        return min((self.counts[value] for value in self.values), default=0)

    def __contains__(self, value: object) -> bool:
        return value in self.values


def usual(counts: Counter[str], thresholds: Thresholds) -> Usual:
    total = sum(counts.values())
    chosen: list[str] = []
    covered = 0
    for value, count in counts.most_common():
        if len(chosen) >= thresholds.usual_max_devices or count < thresholds.usual_min_sessions:
            break
        chosen.append(value)
        covered += count
        if covered >= thresholds.usual_share * total:
            break
    return Usual(tuple(chosen), counts)


@dataclass(frozen=True)
class PlaceKeys:
    """A place reduced for comparing: the country (ISO code where known) and the town within it."""

    country: str | None
    city: str | None


class History:
    """The successful sign-ins in time order, with what is usual and what the person named as theirs."""

    def __init__(
        self,
        sessions: Sequence[Session],
        thresholds: Thresholds,
        locator: Locator,
        known_devices: Iterable[str] = (),
        known_places: Iterable[str] = (),
    ) -> None:
        self.thresholds = thresholds
        self.locator = locator
        self.sessions = sorted(
            (session for session in sessions if session.succeeded and session.first_seen is not None),
            key=lambda session: session.first_seen or datetime.min,
        )
        self.known_devices = tuple(fold(name) for name in known_devices if fold(name))
        self.known_countries, self.known_cities = self._known_places(known_places)
        named = [
            device_of(session) for session in self.sessions if session.device and not session.listed_device
        ]
        self.devices = usual(Counter(named), thresholds)
        keys = [self.keys(session.place) for session in self.sessions]
        self.countries = usual(Counter(key.country for key in keys if key.country), thresholds)
        self.cities = usual(Counter(key.city for key in keys if key.city), thresholds)

    @property
    def enough(self) -> bool:
        return sum(self.devices.counts.values()) >= self.thresholds.min_history

    def is_known_device(self, device: str) -> bool:
        """True when the person named it: "iPhone" names "Safari on iPhone" and "iPhone 13"."""
        folded = fold(device)
        return any(name in folded or folded in name for name in self.known_devices)

    def is_usual_device(self, device: str) -> bool:
        return device in self.devices or self.is_known_device(device)

    def can_judge(self, session: Session) -> bool:
        """Whether the session's device can be called unusual: there is enough history to know what is
        usual (or the person named their devices), and a device list's hardware names are compared only
        with the devices the person named."""
        if self.known_devices:
            return True
        return self.enough and not session.listed_device

    def keys(self, place: Place) -> PlaceKeys:
        code = self.locator.country(place)
        country = code or (fold(place.country) if place.country else None)
        city = f"{fold(place.city)}|{country or ''}" if place.city else None
        return PlaceKeys(country, city)

    def is_known_country(self, key: str) -> bool:
        return key in self.countries or key in self.known_countries

    def is_known_city(self, key: str) -> bool:
        return key in self.cities or key.split("|", 1)[0] in self.known_cities

    def _known_places(self, names: Iterable[str]) -> tuple[set[str], set[str]]:
        countries: set[str] = set()
        cities: set[str] = set()
        for name in names:
            parts = [part.strip() for part in name.split(",") if part.strip()]
            for part in parts:
                code = self.locator.country(Place(country=part))
                if code:
                    countries.add(code)
            if parts and (len(parts) > 1 or not self.locator.country(Place(country=parts[0]))):
                cities.add(fold(parts[0]))
        return countries, cities


def device_of(session: Session) -> str:
    return session.device or UNNAMED_DEVICE


def when(moment: datetime | None) -> str:
    """A time as people write it: "2 March 2024 at 08:15 UTC", or "1 March 2024" at midnight."""
    if moment is None:
        return "an unknown time"
    day = f"{moment.day} {moment:%B %Y}"
    # A date given without a time (the day a password was changed) is shown as a date.
    return day if (moment.hour, moment.minute, moment.second) == (0, 0, 0) else f"{day} at {moment:%H:%M} UTC"


def platforms(sessions: Iterable[Session]) -> str:
    names = list(
        dict.fromkeys(PLATFORM_NAMES.get(session.platform, session.platform) for session in sessions)
    )
    if not names:
        return "the account"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def listing(values: Iterable[str], empty: str) -> str:
    """Up to three distinct values, then how many more."""
    distinct = list(dict.fromkeys(value for value in values if value))
    if not distinct:
        return empty
    # Places hold commas themselves ("Leeds, England, GB"), so items are kept apart with semicolons.
    shown = "; ".join(distinct[:_LISTED])
    return shown + (f" and {len(distinct) - _LISTED} more" if len(distinct) > _LISTED else "")


def places_of(sessions: Iterable[Session]) -> str:
    return listing((session.place.display for session in sessions), "no place given")


def devices_of(sessions: Iterable[Session]) -> str:
    return listing((device_of(session) for session in sessions), UNNAMED_DEVICE)


def span(sessions: Iterable[Session]) -> tuple[datetime | None, datetime | None]:
    """The first and the last time any of these sessions was seen."""
    firsts = [session.first_seen for session in sessions if session.first_seen is not None]
    lasts = [session.last_seen for session in sessions if session.last_seen is not None]
    return min(firsts, default=None), max(lasts, default=None)


def seen_at(session: Session) -> datetime:
    """When the session's IP address and place applied. History keeps only sessions with a time."""
    moment = session.last_seen
    if moment is None:
        raise ValueError("a session without any time has no place in the history")
    return moment


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def origins(sessions: Sequence[Session]) -> list[dict[str, object]]:
    """Where to find the first few of these sessions in the export."""
    return [session.origin.to_json() for session in sessions[:5]]
