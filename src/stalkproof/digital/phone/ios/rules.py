"""`heuristics.yaml`: what the iPhone backup check looks for, how serious each finding is, and its words.

The file is reviewed data, like the guide: a reviewer can change a level, a list or a sentence without
touching code. Every sentence is checked when it is loaded, so a placeholder with a typo is an error naming
the file and line rather than a crash in front of a frightened reader.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.digital.findings import Level

RULES_FILE = Path(__file__).with_name("heuristics.yaml")

PLACEHOLDERS = frozenset(
    {
        "name",
        "bundle",
        "source",
        "value",
        "profile",
        "identifier",
        "organisation",
        "what",
        "types",
        "date",
        "installer",
        "team",
        "count",
        "signs",
        "domain",
        "path",
        "examples",
    }
)


def _known_placeholders(text: str) -> str:
    try:
        fields = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as error:
        raise ValueError(f"its braces do not pair up ({error})") from error
    unknown = fields - PLACEHOLDERS
    if unknown:
        raise ValueError(f"{{{sorted(unknown)[0]}}} is not a placeholder stalkproof fills in")
    return text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sentences(_Strict):
    """What an alert says: what was found, what made it fire, what it may mean."""

    message: str = Field(min_length=1)
    why: str = Field(min_length=1)
    meaning: str = Field(min_length=1)

    @field_validator("message", "why", "meaning")
    @classmethod
    def _placeholders(cls, text: str) -> str:
        return _known_placeholders(text)


class AlertText(Sentences):
    level: Level
    removal_risk: bool


class IndicatorAlerts(_Strict):
    """Alerts for indicator matches, by what matched and the indicator's category (`other` for the rest)."""

    app: dict[str, AlertText]
    profile: dict[str, AlertText]
    file: dict[str, AlertText]
    visit: dict[str, AlertText]

    @model_validator(mode="after")
    def _every_group_has_other(self) -> IndicatorAlerts:
        for group in ("app", "profile", "file", "visit"):
            if "other" not in getattr(self, group):
                raise ValueError(
                    f"indicator_alerts.{group} needs an 'other' entry for the remaining categories"
                )
        return self

    def text(self, group: str, category: str) -> AlertText:
        choices: dict[str, AlertText] = getattr(self, group)
        return choices.get(category, choices["other"])


class BackupPath(_Strict):
    domain: str = Field(min_length=1)
    path: str = Field(min_length=1)


class Jailbreak(_Strict):
    alert: AlertText
    bundle_ids: list[str] = Field(min_length=1)
    paths: list[BackupPath]


class AppOrigin(_Strict):
    store_installers: list[str] = Field(min_length=1)
    management_installers: list[str]
    sideloaded: AlertText
    managed: AlertText


class Payload(_Strict):
    """A kind of profile setting that raises a profile's level, and what it does in plain words."""

    level: Level
    removal_risk: bool
    what: str = Field(min_length=1)
    meaning: str = Field(min_length=1)


class RiskyProfileText(_Strict):
    message: str = Field(min_length=1)
    why: str = Field(min_length=1)

    @field_validator("message", "why")
    @classmethod
    def _placeholders(cls, text: str) -> str:
        return _known_placeholders(text)


class Profiles(_Strict):
    any: AlertText
    risky: RiskyProfileText
    payloads: dict[str, Payload]


class Gaps(_Strict):
    """Sentences added to `not_checked` when they apply."""

    no_indicators: str = Field(min_length=1)
    unfinished: str = Field(min_length=1)
    no_origin: str = Field(min_length=1)
    no_history: str = Field(min_length=1)
    missing: str = Field(min_length=1)
    unreadable: str = Field(min_length=1)

    @field_validator("*")
    @classmethod
    def _placeholders(cls, text: str) -> str:
        return _known_placeholders(text)


class Rules(_Strict):
    version: str
    reviewed: str
    licence: str
    source: list[Source] = Field(min_length=1)
    source_names: dict[str, str]
    indicator_alerts: IndicatorAlerts
    jailbreak: Jailbreak
    app_origin: AppOrigin
    provisioning: AlertText
    profiles: Profiles
    supervised: AlertText
    checked: list[str] = Field(min_length=1)
    not_checked: list[str] = Field(min_length=1)
    gaps: Gaps

    def source_name(self, source: str) -> str:
        """How an indicator file is named to the reader ("Echap" rather than "echap/ioc.yaml")."""
        return self.source_names.get(source, source)


@cache
def load_rules(path: Path = RULES_FILE) -> Rules:
    data, tree = read_yaml(path)
    return validate(Rules, data, path, tree)


def fill(text: str, values: dict[str, Any]) -> str:
    """`text` with its placeholders filled; one that has no value is left readable rather than failing."""
    return string.Formatter().vformat(text, (), _Defaulting(values))


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "unknown"
