"""Sign-ins from countries or towns that are not among the person's usual places, with the date each was
first seen. A new country is a warning; a new town in a usual country is only a note, because towns
worked out from IP addresses are often wrong.
"""

from __future__ import annotations

from collections import defaultdict

from stalkproof.digital.accounts.history import (
    History,
    devices_of,
    iso,
    listing,
    origins,
    platforms,
    span,
    when,
)
from stalkproof.digital.accounts.model import Session
from stalkproof.digital.accounts.wording import AccountsWording, Finding, make_finding


def new_places(history: History, wording: AccountsWording) -> list[Finding]:
    """Nothing can be new without a baseline: with no usual or named country (a short history and no
    home given) the check is skipped, and `checks.py` says so."""
    if not has_baseline(history):
        return []
    new_countries: dict[str, list[Session]] = defaultdict(list)
    new_cities: dict[str, list[Session]] = defaultdict(list)
    for session in history.sessions:
        keys = history.keys(session.place)
        if keys.country and not history.is_known_country(keys.country):
            new_countries[keys.country].append(session)
        elif (
            keys.city
            and (history.cities.values or history.known_cities)
            and not history.is_known_city(keys.city)
        ):
            new_cities[keys.city].append(session)
    usual = _usual_places(history)
    findings = [_finding("new_country", sessions, usual, wording) for sessions in new_countries.values()]
    findings += [_finding("new_city", sessions, usual, wording) for sessions in new_cities.values()]
    return findings[: history.thresholds.max_listed]


def has_baseline(history: History) -> bool:
    return bool(history.countries.values or history.known_countries)


def _usual_places(history: History) -> str:
    towns = [value.split("|", 1)[0].title() for value in history.cities.values]
    countries = [*history.countries.values, *sorted(history.known_countries)]
    return listing([*towns, *countries], "none yet")


def _finding(kind: str, sessions: list[Session], usual: str, wording: AccountsWording) -> Finding:
    first, last = span(sessions)
    place = sessions[0].place
    fields = {
        "place": place.display or "an unnamed place",
        "platforms": platforms(sessions),
        "count": len(sessions),
        "first": when(first),
        "devices": devices_of(sessions),
        "usual": usual,
    }
    event = {
        "place": place.to_json(),
        "sessions": len(sessions),
        "first": iso(first),
        "last": iso(last),
        "ips": sorted({session.ip for session in sessions if session.ip})[:10],
        "source": origins(sessions),
    }
    return make_finding(kind, fields, event, iso(first), wording)
