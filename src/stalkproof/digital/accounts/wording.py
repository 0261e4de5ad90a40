"""`wording.yaml`: what `accounts check` says and the thresholds it uses, checked when it is loaded.

A reviewer may change any sentence or threshold there. Each finding's sentences may use only the
placeholders its check fills in (`PLACEHOLDERS`), so a typo in a brace is caught by the test that loads
the file, not by a person reading a broken report.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.digital.accounts.geo import fold
from stalkproof.digital.findings import LEVELS, Alert, Level, VerdictWording

WORDING_FILE = Path(__file__).with_name("wording.yaml")
MODULE = "accounts"

_DEVICE = frozenset({"device", "platforms", "count", "first", "last", "places", "usual", "usual_min"})
_SINCE = frozenset({"device", "platforms", "count", "first", "last", "places", "usual", "since"})
_PLACE = frozenset({"place", "platforms", "count", "first", "devices", "usual"})
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "unknown_device": _DEVICE,
    "unknown_device_active": _DEVICE,
    "few_sessions": frozenset({"count", "min_history"}),
    "new_country": _PLACE,
    "new_city": _PLACE,
    "impossible_travel": frozenset(
        {
            "from_place",
            "to_place",
            "from_time",
            "to_time",
            "from_device",
            "to_device",
            "gap",
            "km",
            "speed",
            "limit",
            "located",
        }
    ),
    "after_since_unknown": _SINCE,
    "after_since_usual": _SINCE,
    "after_since_unnamed": _SINCE,
    "after_since_unjudged": _SINCE,
    "after_since_known": _SINCE,
    "failed_logins": frozenset({"platforms", "count", "first", "last", "devices", "places"}),
}
VERDICT_PLACEHOLDERS = frozenset({"count", "found"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Strict):
    impossible_speed_kmh: float = Field(gt=0)
    min_travel_km: float = Field(ge=0)
    same_town_km: float = Field(gt=0)
    usual_share: float = Field(gt=0, le=1)
    usual_max_devices: int = Field(ge=1)
    usual_min_sessions: int = Field(ge=1)
    min_history: int = Field(ge=1)
    max_listed: int = Field(ge=1)


class FindingWording(_Strict):
    level: Level
    removal_risk: bool
    advice: str = Field(min_length=1)
    message: str = Field(min_length=1)
    why: str = Field(min_length=1)
    meaning: str = Field(min_length=1)


class AccountsVerdict(VerdictWording):
    always_not_checked: list[str]

    @model_validator(mode="after")
    def _every_outcome(self) -> AccountsVerdict:
        missing = {"nothing", *LEVELS} - set(self.outcomes)
        if missing:
            raise ValueError(f"the outcomes for {', '.join(sorted(missing))} are missing")
        for outcome in self.outcomes.values():
            _only(outcome.headline, VERDICT_PLACEHOLDERS, "a verdict headline")
        return self


class AccountsWording(_Strict):
    version: str
    reviewed: str
    source: list[Source] = Field(min_length=1)
    licence: str
    thresholds: Thresholds
    advice: dict[str, str]
    findings: dict[str, FindingWording]
    verdict: AccountsVerdict
    country_aliases: dict[str, str]

    @field_validator("country_aliases")
    @classmethod
    def _folded(cls, aliases: dict[str, str]) -> dict[str, str]:
        for code in aliases.values():
            if len(code) != 2 or not code.isupper():
                raise ValueError(f"'{code}' is not a two-letter ISO 3166 country code")
        return {fold(name): code for name, code in aliases.items()}

    @model_validator(mode="after")
    def _findings_fit_checks(self) -> AccountsWording:
        missing = set(PLACEHOLDERS) - set(self.findings)
        if missing:
            raise ValueError(f"the wording for {', '.join(sorted(missing))} is missing")
        for kind, wording in self.findings.items():
            if kind not in PLACEHOLDERS:
                raise ValueError(f"'{kind}' is not a finding accounts check makes")
            if wording.advice not in self.advice:
                raise ValueError(f"the advice '{wording.advice}' for {kind} is not in 'advice'")
            for sentence in (wording.message, wording.why, wording.meaning):
                _only(sentence, PLACEHOLDERS[kind], kind)
        return self


def _only(sentence: str, allowed: frozenset[str], what: str) -> None:
    used = {name for _, name, _, _ in string.Formatter().parse(sentence) if name is not None}
    unknown = used - allowed
    if unknown:
        raise ValueError(f"{what} uses {{{', '.join(sorted(unknown))}}}, which the check does not fill in")


@cache
def load_wording(path: Path = WORDING_FILE) -> AccountsWording:
    data, tree = read_yaml(path)
    return validate(AccountsWording, data, path, tree)


@dataclass(frozen=True)
class Finding:
    """An alert with its kind (`unknown_device`, ...) and the advice shown with it."""

    kind: str
    alert: Alert
    advice: str

    def to_json(self) -> dict[str, Any]:
        return {**self.alert.to_json(), "kind": self.kind, "advice": self.advice}


def make_finding(
    kind: str,
    fields: Mapping[str, object],
    event: Mapping[str, Any],
    event_time: str | None,
    wording: AccountsWording | None = None,
) -> Finding:
    """The finding `kind` with its sentences filled in from `fields`."""
    wording = wording or load_wording()
    said = wording.findings[kind]
    alert = Alert(
        level=said.level,
        module=MODULE,
        message=_squash(said.message.format_map(fields)),
        why=_squash(said.why.format_map(fields)),
        meaning=_squash(said.meaning.format_map(fields)),
        event=dict(event),
        event_time=event_time,
        removal_risk=said.removal_risk,
    )
    return Finding(kind, alert, wording.advice[said.advice])


def _squash(sentence: str) -> str:
    """One line, starting with a capital even when it starts with a label such as "an Android app"."""
    squashed = " ".join(sentence.split())
    return squashed[:1].upper() + squashed[1:]
