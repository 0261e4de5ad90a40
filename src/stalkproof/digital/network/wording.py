"""`wording.yaml`: what the network check says about each kind of match, its level, and the sentences on
what was and was not checked; validated so a reviewer's edit cannot silently break a message."""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.digital.findings import Level

WORDING_FILE = Path(__file__).with_name("wording.yaml")

Kind = Literal["c2", "c2_and_website", "distribution", "website", "network"]
KINDS: tuple[Kind, ...] = ("c2", "c2_and_website", "distribution", "website", "network")
SkipReason = Literal["fragmented", "cut_short", "undecodable", "link_type", "bad_lines"]
SKIP_REASONS: tuple[SkipReason, ...] = ("fragmented", "cut_short", "undecodable", "link_type", "bad_lines")

_MATCH_FIELDS = {"value", "product", "indicator", "source", "seen", "apps", "listed"}
_DYNAMIC_DNS_FIELDS = {"value", "count", "provider", "threshold", "seen", "apps"}


def _fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Explained(_Frozen):
    """A finding's sentences: `message` for recordings, `message_app` when the file names the app."""

    message: str = Field(min_length=1)
    message_app: str = Field(min_length=1)
    why: str = Field(min_length=1)
    meaning: str = Field(min_length=1)

    def _check_fields(self, allowed: set[str]) -> None:
        for name in ("message", "message_app", "why", "meaning"):
            unknown = _fields(getattr(self, name)) - allowed
            if unknown:
                raise ValueError(f"{name} uses unknown placeholders: {', '.join(sorted(unknown))}")


class CategoryWording(_Explained):
    level: Level
    removal_risk: bool

    @model_validator(mode="after")
    def _placeholders(self) -> CategoryWording:
        self._check_fields(_MATCH_FIELDS)
        return self


class DynamicDns(_Explained):
    level: Level
    min_contacts: int = Field(ge=2)
    providers: list[str] = Field(min_length=1)

    @field_validator("providers")
    @classmethod
    def _providers_are_domains(cls, providers: list[str]) -> list[str]:
        for provider in providers:
            if provider != provider.lower().strip(".") or "." not in provider:
                raise ValueError(f"'{provider}' is not a lower-case domain name")
        return providers

    @model_validator(mode="after")
    def _placeholders(self) -> DynamicDns:
        self._check_fields(_DYNAMIC_DNS_FIELDS)
        return self


class Seen(_Frozen):
    once: str
    many: str
    once_untimed: str
    many_untimed: str


class Listed(_Frozen):
    same: str
    under: str


class Apps(_Frozen):
    two: str
    more: str


class Checked(_Frozen):
    pcap: str
    zeek_dns: str
    pcapdroid: str
    compared: str
    dynamic_dns: str


class NotChecked(_Frozen):
    always: list[str]
    pcap: list[str]
    zeek_dns: list[str]
    pcapdroid: list[str]
    covers: str
    no_times: str
    damaged_end: str
    skipped: dict[SkipReason, str]

    @field_validator("skipped")
    @classmethod
    def _every_reason(cls, skipped: dict[SkipReason, str]) -> dict[SkipReason, str]:
        missing = set(SKIP_REASONS) - set(skipped)
        if missing:
            raise ValueError(f"the sentence for {', '.join(sorted(missing))} is missing")
        return skipped


class NetworkWording(_Frozen):
    version: str
    reviewed: str
    source: list[Source] = Field(min_length=1)
    licence: str
    module: str = Field(min_length=1)
    time_format: str
    echap_source: str = Field(min_length=1)
    categories: dict[Kind, CategoryWording]
    listed: Listed
    seen: Seen
    apps: Apps
    dynamic_dns: DynamicDns
    checked: Checked
    not_checked: NotChecked

    @field_validator("categories")
    @classmethod
    def _every_kind(cls, categories: dict[Kind, CategoryWording]) -> dict[Kind, CategoryWording]:
        missing = set(KINDS) - set(categories)
        if missing:
            raise ValueError(f"the wording for {', '.join(sorted(missing))} is missing")
        return categories


@cache
def load_network_wording(path: Path = WORDING_FILE) -> NetworkWording:
    data, tree = read_yaml(path)
    return validate(NetworkWording, data, path, tree)
