"""One indicator, and a set of them that answers "is this app / certificate / domain / address known?".

Matching is deliberately narrow, because a false alarm frightens people and a missed one endangers them:
app ids and hashes match exactly (ignoring case), certificate fingerprints after removing colons, domains
on a dot boundary (`copy9.com` matches `www.copy9.com` but never `notcopy9.com`), IP addresses exactly.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

# `network` is a domain or address from a STIX2 file that does not say whether it is the vendor's website
# or where collected data is sent: Echap's own lists keep `website`, `distribution` and `c2` apart.
Category = Literal["stalkerware", "watchware", "website", "distribution", "c2", "network", "other"]

IndicatorType = Literal[
    "app_id",
    "ios_bundle",
    "app_cert_sha1",
    "app_cert_sha256",
    "app_cert_md5",
    "file_sha256",
    "file_sha1",
    "file_md5",
    "domain",
    "ip",
    "url",
    "email",
    "process",
    "file_name",
    "file_path",
    "config_profile",
    "android_property",
]

APP_TYPES: tuple[IndicatorType, ...] = ("app_id", "ios_bundle")
CERT_TYPES: tuple[IndicatorType, ...] = ("app_cert_sha1", "app_cert_sha256", "app_cert_md5")
HASH_TYPES: tuple[IndicatorType, ...] = ("file_sha256", "file_sha1", "file_md5")
_CERT_BY_LENGTH: dict[int, IndicatorType] = {40: "app_cert_sha1", 64: "app_cert_sha256", 32: "app_cert_md5"}
_HASH_BY_LENGTH: dict[int, IndicatorType] = {64: "file_sha256", 40: "file_sha1", 32: "file_md5"}


@dataclass(frozen=True)
class Indicator:
    """`name` is the product the indicator belongs to (for example "TheTruthSpy"); `source` the file."""

    value: str
    type: IndicatorType
    name: str
    category: Category
    source: str


def normalise(value: str, kind: IndicatorType) -> str:
    """The form two values of `kind` are compared in."""
    text = value.strip()
    if kind in CERT_TYPES or kind in HASH_TYPES:
        return text.replace(":", "").replace(" ", "").lower()
    if kind == "domain":
        return text.rstrip(".").lower()
    if kind == "ip":
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            return text.lower()
    if kind in ("process", "file_path", "url", "android_property", "config_profile"):
        return text
    return text.lower()


class IndicatorSet:
    """Indicators indexed by type and normalised value; `sources` names every file they came from."""

    def __init__(self, indicators: Iterable[Indicator] = (), sources: Iterable[str] = ()) -> None:
        self.sources: list[str] = list(dict.fromkeys(sources))
        self._by_type: dict[str, dict[str, list[Indicator]]] = defaultdict(lambda: defaultdict(list))
        self._count = 0
        for indicator in indicators:
            self._add(indicator)

    def _add(self, indicator: Indicator) -> None:
        bucket = self._by_type[indicator.type][normalise(indicator.value, indicator.type)]
        if indicator not in bucket:
            bucket.append(indicator)
            self._count += 1
        if indicator.source not in self.sources:
            self.sources.append(indicator.source)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Indicator]:
        for values in self._by_type.values():
            for bucket in values.values():
                yield from bucket

    def merged(self, other: IndicatorSet) -> IndicatorSet:
        return IndicatorSet([*self, *other], [*self.sources, *other.sources])

    def count(self, kind: IndicatorType) -> int:
        return sum(len(bucket) for bucket in self._by_type.get(kind, {}).values())

    def values(self, kind: IndicatorType) -> list[Indicator]:
        """Every indicator of `kind` (process names, profile ids, file paths: matched by their callers)."""
        return [indicator for bucket in self._by_type.get(kind, {}).values() for indicator in bucket]

    def exact(self, kind: IndicatorType, value: str) -> list[Indicator]:
        return list(self._by_type.get(kind, {}).get(normalise(value, kind), ()))

    def app(self, app_id: str) -> list[Indicator]:
        """Android package names and iOS bundle ids, exactly."""
        return [match for kind in APP_TYPES for match in self.exact(kind, app_id)]

    def certificate(self, fingerprint: str) -> list[Indicator]:
        """A signing certificate's SHA-1, SHA-256 or MD5, told apart by length."""
        kind = _CERT_BY_LENGTH.get(len(normalise(fingerprint, "app_cert_sha1")))
        return self.exact(kind, fingerprint) if kind else []

    def file_hash(self, digest: str) -> list[Indicator]:
        kind = _HASH_BY_LENGTH.get(len(normalise(digest, "file_sha256")))
        return self.exact(kind, digest) if kind else []

    def domain(self, name: str) -> list[Indicator]:
        """Indicators for `name` or any parent domain of it, most specific first (a dot-boundary suffix)."""
        labels = normalise(name, "domain").split(".")
        found: list[Indicator] = []
        for start in range(len(labels) - 1):
            found.extend(self.exact("domain", ".".join(labels[start:])))
        return found

    def ip(self, address: str) -> list[Indicator]:
        return self.exact("ip", address)

    def url(self, address: str) -> list[Indicator]:
        """The URL itself, or failing that its host as a domain or address."""
        direct = self.exact("url", address)
        if direct:
            return direct
        host = urlsplit(address if "//" in address else f"//{address}").hostname or ""
        return (self.ip(host) or self.domain(host)) if host else []
