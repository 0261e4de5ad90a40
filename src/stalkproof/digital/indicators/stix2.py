"""STIX2 indicator bundles, the format MVT and Amnesty publish, for comparing results with MVT.

Only the single-comparison patterns these files use are read (`[app:id='…']`); anything else is counted
and reported rather than silently matched wrongly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from stalkproof.digital.indicators.model import Category, Indicator, IndicatorSet, IndicatorType
from stalkproof.errors import InputError

_PATTERN = re.compile(r"^\[\s*([\w-]+):([\w.'-]+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*\]$")

_TYPES: dict[str, IndicatorType] = {
    "app:id": "app_id",
    "app:cert.sha1": "app_cert_sha1",
    "app:cert.sha256": "app_cert_sha256",
    "app:cert.md5": "app_cert_md5",
    "file:hashes.sha256": "file_sha256",
    "file:hashes.'sha-256'": "file_sha256",
    "file:hashes.sha1": "file_sha1",
    "file:hashes.'sha-1'": "file_sha1",
    "file:hashes.md5": "file_md5",
    "domain-name:value": "domain",
    "ipv4-addr:value": "ip",
    "ipv6-addr:value": "ip",
    "url:value": "url",
    "email-addr:value": "email",
    "process:name": "process",
    "file:name": "file_name",
    "file:path": "file_path",
    "configuration-profile:id": "config_profile",
    "android-property:name": "android_property",
}


@dataclass(frozen=True)
class Stix2File:
    indicators: IndicatorSet
    unread_patterns: int


def load_stix2(path: Path) -> Stix2File:
    """The indicators in one STIX2 bundle, each named after the malware it `indicates`."""
    try:
        bundle = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise InputError("this STIX2 indicator file is not valid JSON.", path) from error
    objects = bundle.get("objects") if isinstance(bundle, dict) else None
    if not isinstance(objects, list):
        raise InputError("this is not a STIX2 bundle (it has no list of objects).", path)
    names, categories = _malware_names(objects)
    indicators: list[Indicator] = []
    unread = 0
    for item in objects:
        if not isinstance(item, dict) or item.get("type") != "indicator":
            continue
        parsed = _parse_pattern(str(item.get("pattern", "")))
        if parsed is None:
            unread += 1
            continue
        kind, value = parsed
        family = names.get(str(item.get("id")), path.stem)
        category = categories.get(str(item.get("id")), "other")
        if kind in ("domain", "ip", "url"):
            category = "network"
        indicators.append(Indicator(value, kind, family, category, path.name))
    return Stix2File(IndicatorSet(indicators, [path.name]), unread)


def _parse_pattern(pattern: str) -> tuple[IndicatorType, str] | None:
    match = _PATTERN.match(pattern.strip())
    if not match:
        return None
    kind = _TYPES.get(f"{match.group(1)}:{match.group(2)}".lower())
    if kind is None:
        return None
    return kind, match.group(3).replace("\\'", "'").replace("\\\\", "\\")


def _malware_names(objects: list[Any]) -> tuple[dict[str, str], dict[str, Category]]:
    """Indicator id → the name (and kind) of the malware or actor a relationship says it indicates."""
    targets: dict[str, tuple[str, Category]] = {}
    for item in objects:
        if isinstance(item, dict) and item.get("type") in ("malware", "threat-actor", "tool"):
            description = str(item.get("description", "")).lower()
            category: Category = (
                "watchware"
                if "watchware" in description
                else "stalkerware"
                if "stalker" in description
                else "other"
            )
            targets[str(item.get("id"))] = (str(item.get("name", "")), category)
    names: dict[str, str] = {}
    categories: dict[str, Category] = {}
    for item in objects:
        if isinstance(item, dict) and item.get("type") == "relationship":
            target = targets.get(str(item.get("target_ref")))
            if target:
                names[str(item.get("source_ref"))] = target[0]
                categories[str(item.get("source_ref"))] = target[1]
    return names, categories
