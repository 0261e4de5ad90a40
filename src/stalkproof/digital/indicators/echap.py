"""Echap's stalkerware-indicators (`ioc.yaml`, `watchware.yaml`, `samples.csv`), read with their types apart.

Echap's own STIX2 export folds vendor websites, download sites and command-and-control servers into one
`domain-name` type, so visiting a vendor's site looks like spyware talking home. Reading the YAML keeps the
three apart and lets each carry its own level.
"""

from __future__ import annotations

import csv
import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from stalkproof.digital.indicators.model import Category, Indicator, IndicatorSet, IndicatorType
from stalkproof.errors import InputError

FILES = ("ioc.yaml", "watchware.yaml", "samples.csv")


def load_echap(folder: Path) -> IndicatorSet:
    """The indicators in an Echap snapshot folder; a missing or malformed file is an InputError."""
    indicators: list[Indicator] = []
    for name in ("ioc.yaml", "watchware.yaml"):
        indicators.extend(_from_yaml(folder / name))
    samples = folder / "samples.csv"
    if samples.exists():
        indicators.extend(_from_samples(samples))
    return IndicatorSet(indicators, [f"echap/{name}" for name in FILES if (folder / name).exists()])


def _from_yaml(path: Path) -> Iterator[Indicator]:
    try:
        apps = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InputError("this indicator list could not be read.", path) from error
    if not isinstance(apps, list):
        raise InputError("this is not an Echap indicator list (expected a list of apps).", path)
    source = f"echap/{path.name}"
    for app in apps:
        if not isinstance(app, dict) or not isinstance(app.get("name"), str):
            raise InputError("an entry in this indicator list has no name.", path)
        yield from _app_indicators(app, source)


def _app_indicators(app: dict[str, Any], source: str) -> Iterator[Indicator]:
    name = app["name"]
    category: Category = "watchware" if app.get("type") == "watchware" else "stalkerware"

    def each(kind: IndicatorType, values: Any, as_category: Category = category) -> Iterator[Indicator]:
        for value in values or ():
            if isinstance(value, str) and value.strip():
                # Some websites and download sites are listed as bare addresses: match them as addresses.
                typed: IndicatorType = "ip" if kind == "domain" and _is_address(value) else kind
                yield Indicator(value.strip(), typed, name, as_category, source)

    yield from each("app_id", app.get("packages"))
    yield from each("ios_bundle", app.get("ios_bundles"))
    yield from each("app_cert_sha1", app.get("certificates"))
    yield from each("domain", app.get("websites"), "website")
    yield from each("domain", app.get("distribution"), "distribution")
    c2 = app.get("c2") or {}
    yield from each("domain", c2.get("domains"), "c2")
    yield from each("ip", c2.get("ips"), "c2")


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return True


def _from_samples(path: Path) -> Iterator[Indicator]:
    source = f"echap/{path.name}"
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            digest = (row.get("SHA256") or "").strip()
            if len(digest) == 64:
                yield Indicator(digest, "file_sha256", (row.get("App") or "").strip(), "stalkerware", source)
