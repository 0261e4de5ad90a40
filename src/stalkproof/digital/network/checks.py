"""Contacts matched against indicators, and one alert per (indicator, kind of match) rather than per packet.

Names match on a dot boundary through `IndicatorSet.domain` (`copy9.com` covers `www.copy9.com`, never
`notcopy9.com`); addresses, and the names Echap lists that are really addresses, match exactly. When
several listed values cover a name, the most specific one decides (`sync-a.copy9.com`, a server, rather
than `copy9.com`, which Echap lists as both website and server). What a match means depends on its
category, each with its own level and sentences in `wording.yaml`:

- `c2` (a server the product sends what it collects to): high;
- `c2` and `website` for the same listed name: medium, said to be less certain;
- `distribution` (where it is downloaded): medium; `website` (the vendor's site): informational;
- `network` (a STIX2 list that does not say which): high, as MVT does.

Besides indicators, one explained heuristic: many contacts with a free dynamic-DNS name (low).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial
from typing import Any

from stalkproof.digital.findings import Alert, MatchedIndicator
from stalkproof.digital.indicators.model import Indicator, IndicatorSet, normalise
from stalkproof.digital.network.contact import Contact
from stalkproof.digital.network.wording import Kind, NetworkWording, load_network_wording

# Addresses are matched for contacts that are about the address itself. A TLS or HTTP contact carries
# the address too, but that connection's address was already counted once, by its "ip" contact.
_ADDRESS_CONTACTS = ("ip", "dns", "pcapdroid")
_EXAMPLES = 10


@dataclass(frozen=True)
class Match:
    """What a contact matched: the indicator that decides its `kind`, and any others for the same value."""

    kind: Kind
    indicator: Indicator
    also: tuple[Indicator, ...] = ()


def classify(found: Sequence[Indicator]) -> Match | None:
    """The kind of match for indicators listed for one and the same value."""
    if not found:
        return None
    first: dict[str, Indicator] = {}
    for indicator in found:
        first.setdefault(indicator.category, indicator)
    kind: Kind
    if "c2" in first:
        chosen, kind = first["c2"], "c2_and_website" if "website" in first else "c2"
    elif "distribution" in first:
        chosen, kind = first["distribution"], "distribution"
    elif "website" in first:
        chosen, kind = first["website"], "website"
    else:
        chosen, kind = found[0], "network"
    return Match(kind, chosen, tuple(indicator for indicator in found if indicator != chosen))


def domain_match(indicators: IndicatorSet, domain: str) -> Match | None:
    """The match for `domain` at the most specific listed level (itself, else its nearest parent)."""
    found = indicators.domain(domain)
    if not found:
        return None
    level = normalise(found[0].value, "domain")
    return classify([indicator for indicator in found if normalise(indicator.value, "domain") == level])


def address_match(indicators: IndicatorSet, ip: str) -> Match | None:
    # Echap files some download sites under `distribution` as bare addresses: they are read as domains.
    return classify([*indicators.ip(ip), *indicators.exact("domain", ip)])


def contact_matches(
    contact: Contact,
    by_domain: Callable[[str], Match | None],
    by_address: Callable[[str], Match | None],
    by_url: Callable[[str], Match | None],
) -> list[tuple[str, Match]]:
    """Each (value seen, match) for one contact: its name, its address, and the URL it asked for."""
    found: list[tuple[str, Match | None]] = []
    if contact.domain:
        found.append((contact.domain, by_domain(contact.domain)))
    if contact.ip and contact.how in _ADDRESS_CONTACTS:
        found.append((contact.ip, by_address(contact.ip)))
    if contact.url:
        found.append((contact.url, by_url(contact.url)))
    return [(value, match) for value, match in found if match is not None]


@dataclass
class Tally:
    """Every contact behind one alert: when, how often, as which names, by which apps and devices."""

    seen_as: dict[str, None] = field(default_factory=dict)
    count: int = 0
    examples: list[str] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None
    how: Counter[str] = field(default_factory=Counter)
    apps: dict[str, None] = field(default_factory=dict)
    clients: dict[str, None] = field(default_factory=dict)
    _last_place: str = ""

    def add(self, contact: Contact, value: str, origin: str) -> None:
        """`count` is of packets, log lines or listed connections: one packet's several contacts (a DNS
        answer's name and address) arrive one after another and count once."""
        place = f"{origin}: {contact.source}" if origin else contact.source
        self.seen_as.setdefault(value)
        if place != self._last_place:
            self._last_place = place
            self.count += 1
            self.how[contact.how] += 1
            if len(self.examples) < _EXAMPLES:
                self.examples.append(place)
        if contact.app:
            self.apps.setdefault(contact.app)
        if contact.client:
            self.clients.setdefault(contact.client)
        if contact.time is not None:
            self.first = contact.time if self.first is None else min(self.first, contact.time)
            self.last = contact.time if self.last is None else max(self.last, contact.time)

    def event(self) -> dict[str, Any]:
        return {
            "value": next(iter(self.seen_as)),
            "seen_as": list(self.seen_as),
            "count": self.count,
            "first_seen": self.first.isoformat() if self.first else None,
            "last_seen": self.last.isoformat() if self.last else None,
            "how": dict(self.how),
            "apps": list(self.apps),
            "clients": list(self.clients),
            "examples": list(self.examples),
        }


class ContactMatcher:
    """Takes contacts one by one (a recording may hold millions) and keeps only what matched."""

    def __init__(self, indicators: IndicatorSet, wording: NetworkWording | None = None) -> None:
        self.indicators = indicators
        self.wording = wording or load_network_wording()
        self.contacts = 0
        self._matches: dict[tuple[Indicator, Kind], tuple[Match, Tally]] = {}
        self._dynamic: dict[tuple[str, str], Tally] = {}
        self._providers = tuple(self.wording.dynamic_dns.providers)
        self._dynamic_provider = cache(self._provider_of)
        # Names and addresses repeat many times in a recording: each is looked up once.
        self._by_domain = cache(partial(domain_match, indicators))
        self._by_address = cache(partial(address_match, indicators))

    def add(self, contact: Contact, origin: str = "") -> None:
        self.contacts += 1
        matched_name = False
        for value, match in self._matches_of(contact):
            key = (match.indicator, match.kind)
            if key not in self._matches:
                self._matches[key] = (match, Tally())
            self._matches[key][1].add(contact, value, origin)
            matched_name = matched_name or value == contact.domain
        if contact.domain and not matched_name:
            provider = self._dynamic_provider(contact.domain)
            if provider:
                tally = self._dynamic.setdefault((contact.domain, provider), Tally())
                tally.add(contact, contact.domain, origin)

    def _matches_of(self, contact: Contact) -> list[tuple[str, Match]]:
        return contact_matches(contact, self._by_domain, self._by_address, self._by_url)

    def _by_url(self, url: str) -> Match | None:
        return classify(self.indicators.exact("url", url))

    def _provider_of(self, domain: str) -> str | None:
        for provider in self._providers:
            if domain.endswith("." + provider):
                return provider
        return None

    def alerts(self) -> list[Alert]:
        found = [self._indicator_alert(match, tally) for match, tally in self._matches.values()]
        threshold = self.wording.dynamic_dns.min_contacts
        found.extend(
            self._dynamic_alert(domain, provider, tally)
            for (domain, provider), tally in self._dynamic.items()
            if tally.count >= threshold
        )
        return found

    def _indicator_alert(self, match: Match, tally: Tally) -> Alert:
        words = self.wording.categories[match.kind]
        indicator = match.indicator
        value = next(iter(tally.seen_as))
        listed = self.wording.listed
        under = normalise(value, indicator.type) != normalise(indicator.value, indicator.type)
        fields = {
            "value": value,
            "product": indicator.name or self.source_name(indicator.source),
            "indicator": indicator.value,
            "source": self.source_name(indicator.source),
            "seen": self._seen(tally),
            "apps": self._apps(tally.apps),
        }
        fields["listed"] = (listed.under if under else listed.same).format(**fields)
        event = {
            **tally.event(),
            "category": match.kind,
            "indicator": indicator.value,
            "also_listed": [
                {"value": other.value, "category": other.category, "name": other.name, "source": other.source}
                for other in match.also
            ],
        }
        return Alert(
            level=words.level,
            module=self.wording.module,
            message=(words.message_app if tally.apps else words.message).format(**fields),
            why=words.why.format(**fields),
            meaning=words.meaning.format(**fields),
            matched_indicator=MatchedIndicator.of(indicator),
            event=event,
            event_time=event["first_seen"],
            removal_risk=words.removal_risk,
        )

    def _dynamic_alert(self, domain: str, provider: str, tally: Tally) -> Alert:
        words = self.wording.dynamic_dns
        fields = {
            "value": domain,
            "count": tally.count,
            "provider": provider,
            "threshold": words.min_contacts,
            "seen": self._seen(tally),
            "apps": self._apps(tally.apps),
        }
        event = {**tally.event(), "category": "dynamic_dns", "provider": provider}
        return Alert(
            level=words.level,
            module=self.wording.module,
            message=(words.message_app if tally.apps else words.message).format(**fields),
            why=words.why.format(**fields),
            meaning=words.meaning.format(**fields),
            event=event,
            event_time=event["first_seen"],
        )

    def source_name(self, source: str) -> str:
        return self.wording.echap_source if source.startswith("echap/") else source

    def _seen(self, tally: Tally) -> str:
        seen = self.wording.seen
        first = tally.first.strftime(self.wording.time_format) if tally.first else ""
        last = tally.last.strftime(self.wording.time_format) if tally.last else ""
        if tally.first is None:
            return seen.once_untimed if tally.count == 1 else seen.many_untimed.format(count=tally.count)
        if tally.count == 1:
            return seen.once.format(first=first)
        return seen.many.format(count=tally.count, first=first, last=last)

    def _apps(self, apps: Iterable[str]) -> str:
        listed = list(apps)
        words = self.wording.apps
        if len(listed) <= 1:
            return "".join(listed)
        if len(listed) == 2:
            return words.two.format(first=listed[0], second=listed[1])
        return words.more.format(first=listed[0], second=listed[1], others=len(listed) - 2)
