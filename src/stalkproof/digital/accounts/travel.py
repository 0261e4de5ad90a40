"""Two sign-ins, one after the other, too far apart for one person to have travelled between them.

Only sign-ins with coordinates are compared: coordinates in the export, or a town stalkproof can place
without guessing (see geo.py). Countries alone are too large to measure. Hops shorter than
`min_travel_km` are not judged, because IP addresses are placed only roughly. Each pair of places is
reported once, at its fastest.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

from stalkproof.digital.accounts.geo import Position, distance_km
from stalkproof.digital.accounts.history import History, device_of, iso, seen_at, when
from stalkproof.digital.accounts.model import Session
from stalkproof.digital.accounts.wording import AccountsWording, Finding, make_finding

# Two sign-ins in the same minute are timed as a minute apart, so the speed stays a number.
_SHORTEST = timedelta(minutes=1)
_FOUND_BY = {
    "export": "coordinates in the export",
    "town": "the towns the export names, placed with the GeoNames list",
}


@dataclass(frozen=True)
class Hop:
    start: Session
    end: Session
    start_at: Position
    end_at: Position
    km: float
    gap: timedelta

    @property
    def speed(self) -> float:
        return self.km / (max(self.gap, _SHORTEST).total_seconds() / 3600)


def located(history: History) -> list[tuple[Session, Position]]:
    """The sign-ins that have coordinates, in time order."""
    found = []
    for session in sorted(history.sessions, key=seen_at):
        position = history.locator.position(session.place)
        if position is not None:
            found.append((session, position))
    return found


def impossible_travel(history: History, wording: AccountsWording) -> list[Finding]:
    limits = history.thresholds
    fastest: dict[frozenset[str], Hop] = {}
    points = located(history)
    for (start, start_at), (end, end_at) in itertools.pairwise(points):
        if (start_at.lat, start_at.lon) == (end_at.lat, end_at.lon):
            continue
        km = distance_km(start_at, end_at)
        gap = seen_at(end) - seen_at(start)
        hop = Hop(start, end, start_at, end_at, km, gap)
        if km < limits.min_travel_km or hop.speed <= limits.impossible_speed_kmh:
            continue
        pair = frozenset({start.place.display, end.place.display})
        if pair not in fastest or hop.speed > fastest[pair].speed:
            fastest[pair] = hop
    hops = sorted(fastest.values(), key=lambda hop: seen_at(hop.start))
    return [_finding(hop, history, wording) for hop in hops[: limits.max_listed]]


def _finding(hop: Hop, history: History, wording: AccountsWording) -> Finding:
    start_time = hop.start.last_seen
    end_time = hop.end.last_seen
    how = {_FOUND_BY[hop.start_at.found_by], _FOUND_BY[hop.end_at.found_by]}
    fields = {
        "from_place": hop.start.place.display or f"{hop.start_at.lat:.2f}, {hop.start_at.lon:.2f}",
        "to_place": hop.end.place.display or f"{hop.end_at.lat:.2f}, {hop.end_at.lon:.2f}",
        "from_time": when(start_time),
        "to_time": when(end_time),
        "from_device": device_of(hop.start),
        "to_device": device_of(hop.end),
        "gap": _gap(hop.gap),
        "km": f"{round(hop.km, -1):,.0f}",
        "speed": f"{round(hop.speed, -1):,.0f}",
        "limit": f"{history.thresholds.impossible_speed_kmh:,.0f}",
        "located": " and ".join(sorted(how)),
    }
    event = {
        "from": _end(hop.start, hop.start_at),
        "to": _end(hop.end, hop.end_at),
        "km": round(hop.km, 1),
        "hours": round(hop.gap.total_seconds() / 3600, 3),
        "speed_kmh": round(hop.speed, 1),
    }
    return make_finding("impossible_travel", fields, event, iso(end_time), wording)


def _end(session: Session, position: Position) -> dict[str, object]:
    return {
        "time": iso(session.last_seen),
        "place": session.place.display,
        "lat": position.lat,
        "lon": position.lon,
        "located_from": position.found_by,
        "ip": session.ip,
        "device": session.device,
        "source": session.origin.to_json(),
    }


def _gap(gap: timedelta) -> str:
    minutes = round(gap.total_seconds() / 60)
    if minutes < 60:
        return f"{max(minutes, 0)} minute(s)"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} hour(s) {minutes} minute(s)" if minutes else f"{hours} hour(s)"
