"""The reviewed wording and thresholds of the Android checks (`heuristics.yaml`), and its schema.

Every sentence a person reads about an Android finding, every level, and every list the checks consult
(installers that mean "installed from a file", known accessibility tools, root apps, Android versions)
lives in the YAML, so a reviewer can change them without touching code. Templates may only use the
placeholders in `PLACEHOLDERS`; a typo fails validation rather than a check at run time.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.digital.findings import Level

HEURISTICS_FILE = Path(__file__).with_name("heuristics.yaml")

PLACEHOLDERS = frozenset(
    {
        "app",
        "product",
        "label",
        "advice",
        "value",
        "source",
        "process",
        "path",
        "where",
        "key",
        "installer",
        "installer_value",
        "store",
        "service",
        "origin",
        "actions",
        "action_ids",
        "binaries",
        "count",
        "indicators",
        "what",
        "release",
        "sdk",
        "min",
        "max",
    }
)

IndicatorCategoryName = Literal[
    "stalkerware", "watchware", "other", "c2", "website", "distribution", "network"
]
IndicatorKindName = Literal[
    "app_id",
    "recorded_app",
    "certificate",
    "apk_hash",
    "running_app",
    "process",
    "file_hash",
    "file_path",
    "property",
    "host",
]
RuleName = Literal[
    "root_binaries",
    "root_package",
    "sideloaded",
    "alternative_store",
    "accessibility_service",
    "accessibility_known_tool",
    "notification_listener",
    "notification_known_tool",
    "device_admin",
    "device_admin_known",
    "device_owner",
    "profile_owner",
    "hidden_icon",
    "message_call_receiver",
    "proxy",
]
CoverageName = Literal[
    "package_list",
    "package_files",
    "launcher",
    "receivers",
    "accessibility",
    "notification_listeners",
    "device_policy",
    "settings",
    "root_binaries",
    "processes",
    "files",
    "properties",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryWording(_Strict):
    """How serious an indicator match is, by what the list says the product is."""

    level: Level
    removal_risk: bool
    label: str = Field(min_length=1)
    advice: str = ""
    meaning: str = Field(min_length=1)


class KindWording(_Strict):
    """What was matched (an app name, a certificate, a process …): the message and why it fired.

    `max_level` caps the category's level for weaker evidence: a process name or a file name from an
    indicator file is a reason to look closer, not proof on the level of an app's signing certificate.
    """

    message: str = Field(min_length=1)
    why: str = Field(min_length=1)
    max_level: Level | None = None


class Rule(_Strict):
    level: Level
    removal_risk: bool = False
    message: str = Field(min_length=1)
    why: str = Field(min_length=1)
    meaning: str = Field(min_length=1)


class SettingRule(Rule):
    """A setting whose value is a warning sign (Play Protect switched off, unknown sources allowed)."""

    key: str = Field(min_length=1)
    values: list[str] = Field(min_length=1)


class Lists(_Strict):
    """App names and intents the checks consult, each with the words shown for it."""

    sideload_installers: dict[str, str]
    no_installer: str = Field(min_length=1)
    alternative_stores: dict[str, str]
    root_packages: dict[str, str]
    known_accessibility_tools: dict[str, str]
    known_notification_tools: dict[str, str]
    known_device_admins: dict[str, str]
    receiver_actions: dict[str, str] = Field(min_length=1)
    host_settings: dict[str, str]
    proxy_settings: list[str]
    source_names: dict[str, str]
    origin_not_system: str = Field(min_length=1)
    origin_unknown: str = Field(min_length=1)


class AndroidVersions(_Strict):
    tested_sdk_min: int = Field(ge=1)
    tested_sdk_max: int = Field(ge=1)
    releases: dict[int, str] = Field(min_length=1)


class Coverage(_Strict):
    checked: str = Field(min_length=1)
    not_checked: str = Field(min_length=1)


class Notes(_Strict):
    """Sentences for the report's "not checked" list that are not about one section."""

    very_little: str = Field(min_length=1)
    no_version: str = Field(min_length=1)
    newer_version: str = Field(min_length=1)
    older_version: str = Field(min_length=1)
    system_unknown: str = Field(min_length=1)
    mentioned_apps: str = Field(min_length=1)
    crashed_processes: str = Field(min_length=1)


class Heuristics(_Strict):
    version: str
    reviewed: str
    source: list[Source] = Field(min_length=1)
    licence: str
    indicator_categories: dict[IndicatorCategoryName, CategoryWording]
    indicator_kinds: dict[IndicatorKindName, KindWording]
    rules: dict[RuleName, Rule]
    settings: list[SettingRule]
    lists: Lists
    android: AndroidVersions
    coverage: dict[CoverageName, Coverage]
    notes: Notes

    @model_validator(mode="after")
    def _complete_and_known_placeholders(self) -> Heuristics:
        for group, present, expected in (
            ("indicator_categories", self.indicator_categories, IndicatorCategoryName),
            ("indicator_kinds", self.indicator_kinds, IndicatorKindName),
            ("rules", self.rules, RuleName),
            ("coverage", self.coverage, CoverageName),
        ):
            missing = set(expected.__args__) - set(present)  # type: ignore[attr-defined]
            if missing:
                raise ValueError(f"{group} lacks {', '.join(sorted(missing))}")
        unknown = sorted(name for text in _texts(self) for name in _placeholders(text) - PLACEHOLDERS)
        if unknown:
            raise ValueError(f"unknown placeholder {{{unknown[0]}}} in a template")
        return self


def _texts(model: BaseModel) -> list[str]:
    found: list[str] = []
    for value in model.__dict__.values():
        found.extend(_texts_in(value))
    return found


def _texts_in(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, BaseModel):
        return _texts(value)
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts_in(item)]
    return []


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError as error:
        raise ValueError(f"a template has unbalanced braces: {text[:60]!r}") from error


def render(template: str, values: Mapping[str, object]) -> str:
    """Fill a template and tidy the spaces an empty placeholder leaves behind."""
    return " ".join(template.format_map(values).split())


@cache
def load_heuristics(path: Path = HEURISTICS_FILE) -> Heuristics:
    data, tree = read_yaml(path)
    return validate(Heuristics, data, path, tree)
