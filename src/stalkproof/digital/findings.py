"""What every digital check reports: alerts with their reasons, the inputs it read, and a verdict in words.

Phone, network and computer checks all return a `CheckReport`. Its alerts keep MVT's field names
(`level`, `module`, `message`, `event_time`, `event`, `matched_indicator`) so an adviser can set our results
beside MVT's; each alert adds `why` (what made it fire) and `meaning` (what it may mean for the person). The
verdict comes first and never calls a device clean: it says what was found, how sure that is, what was not
looked at, and the next safe step (wording in `wording.yaml`, reviewed like the other guidance data).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.digital.indicators.model import Indicator
from stalkproof.errors import InputError

Level = Literal["informational", "low", "medium", "high", "critical"]
LEVELS: tuple[Level, ...] = ("informational", "low", "medium", "high", "critical")

WORDING_FILE = Path(__file__).with_name("wording.yaml")
_CHUNK = 1 << 20


def level_rank(level: Level) -> int:
    """0 for informational up to 4 for critical, for sorting and comparing."""
    return LEVELS.index(level)


@dataclass(frozen=True)
class MatchedIndicator:
    """The indicator an alert matched: its value and type, the product it belongs to, and where it came from.

    `category` keeps apart what Echap keeps apart: `stalkerware`, `watchware`, `website` (the vendor's own
    site: someone looked at the product), `distribution` (where it is downloaded), `c2` (where it sends what
    it collects) and `other` (a STIX2 file that does not say).
    """

    value: str
    type: str
    name: str
    category: str
    source: str

    @classmethod
    def of(cls, indicator: Indicator) -> MatchedIndicator:
        return cls(indicator.value, indicator.type, indicator.name, indicator.category, indicator.source)

    def to_json(self) -> dict[str, str]:
        return {
            "value": self.value,
            "type": self.type,
            "name": self.name,
            "category": self.category,
            "stix2_file_name": self.source,
        }


@dataclass(frozen=True)
class Alert:
    """One finding. `message` says what was found; `why` says what made it fire; `meaning` what it may mean.

    `removal_risk` marks findings where the obvious reaction (uninstalling, signing out, resetting) could
    alert the person responsible and destroy evidence: the report then puts the safety note before any
    advice about removing it.
    """

    level: Level
    module: str
    message: str
    why: str
    meaning: str
    matched_indicator: MatchedIndicator | None = None
    event: Mapping[str, Any] = field(default_factory=dict)
    event_time: str | None = None
    removal_risk: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "module": self.module,
            "message": self.message,
            "why": self.why,
            "meaning": self.meaning,
            "event_time": self.event_time,
            "event": dict(self.event),
            "matched_indicator": self.matched_indicator.to_json() if self.matched_indicator else None,
            "removal_risk": self.removal_risk,
        }

    def to_mvt(self) -> dict[str, Any]:
        """The alert as MVT writes it in `alerts.json`, for diffing the two tools' results."""
        matched = self.matched_indicator
        return {
            "level": self.level,
            "module": self.module,
            "message": self.message,
            "event_time": self.event_time,
            "event": dict(self.event),
            "matched_indicator": (
                {
                    "value": matched.value,
                    "type": matched.type,
                    "name": matched.name,
                    "stix2_file_name": matched.source,
                }
                if matched
                else None
            ),
        }


@dataclass(frozen=True)
class InputFile:
    """A file a check read, with its SHA-256 taken before anything else touched it."""

    path: str
    sha256: str
    size: int

    @classmethod
    def of(cls, path: Path) -> InputFile:
        digest = hashlib.sha256()
        size = 0
        with path.open("rb") as stream:
            while block := stream.read(_CHUNK):
                digest.update(block)
                size += len(block)
        return cls(str(path), digest.hexdigest(), size)

    @classmethod
    def of_tree(cls, path: Path) -> list[InputFile]:
        """Every regular file under `path` (or `path` itself), in a stable order."""
        if path.is_file():
            return [cls.of(path)]
        return [cls.of(child) for child in sorted(path.rglob("*")) if child.is_file()]

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True)
class Verdict:
    """The first thing a person reads: what was found, how sure, what was not checked, what to do next."""

    headline: str
    how_sure: str
    not_checked: tuple[str, ...]
    next_step: str
    safety: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "headline": self.headline,
            "how_sure": self.how_sure,
            "not_checked": list(self.not_checked),
            "next_step": self.next_step,
            "safety": self.safety,
        }


@dataclass
class CheckReport:
    """Everything one check found. `check` is `device`, `network`, `accounts` or `computer`."""

    check: str
    alerts: list[Alert] = field(default_factory=list)
    inputs: list[InputFile] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)
    indicator_sources: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, alerts: Iterable[Alert]) -> None:
        self.alerts.extend(alerts)

    def sorted_alerts(self) -> list[Alert]:
        """Most serious first; ties keep the order the checks found them in."""
        return sorted(self.alerts, key=lambda alert: -level_rank(alert.level))

    def top_level(self) -> Level | None:
        return max((alert.level for alert in self.alerts), key=level_rank, default=None)

    def verdict(self) -> Verdict:
        wording = load_wording()
        check = wording.checks.get(self.check, self.check)
        verdict = compose_verdict(self.alerts, self.not_checked, wording, check=check)
        if not self.alerts and self.details.get("coverage") == "very_little":
            return replace(verdict, headline=wording.little_checked)
        return verdict

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "verdict": self.verdict().to_json(),
            "alerts": [alert.to_json() for alert in self.sorted_alerts()],
            "inputs": [item.to_json() for item in self.inputs],
            "checked": list(self.checked),
            "not_checked": list(self.not_checked),
            "indicator_sources": list(self.indicator_sources),
            "details": dict(self.details),
        }

    def mvt_alerts(self) -> list[dict[str, Any]]:
        return [alert.to_mvt() for alert in self.sorted_alerts()]


def compose_verdict(
    alerts: Sequence[Alert], not_checked: Sequence[str], wording: VerdictWording, **headline_fields: object
) -> Verdict:
    """The verdict for `alerts` in `wording`: the outcome of the most serious level found (or "nothing"),
    its headline filled with `found` (counts per level) and `headline_fields`, and the safety note whenever
    a finding could tempt someone to remove something."""
    top = max((alert.level for alert in alerts), key=level_rank, default=None)
    outcome = wording.outcomes[top or "nothing"]
    counts = Counter(alert.level for alert in alerts)
    found = ", ".join(f"{counts[level]} {level}" for level in reversed(LEVELS) if counts[level])
    return Verdict(
        headline=outcome.headline.format(found=found, **headline_fields),
        how_sure=outcome.how_sure,
        not_checked=(*not_checked, wording.never_clean),
        next_step=outcome.next_step,
        safety=wording.safety if any(alert.removal_risk for alert in alerts) else None,
    )


class Outcome(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    headline: str = Field(min_length=1)
    how_sure: str = Field(min_length=1)
    next_step: str = Field(min_length=1)


class VerdictWording(BaseModel):
    """The verdict sentences, by the most serious level found (or `nothing`); shared by every check's
    wording file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    never_clean: str = Field(min_length=1)
    safety: str = Field(min_length=1)
    outcomes: dict[Literal["nothing", "informational", "low", "medium", "high", "critical"], Outcome]


class Wording(VerdictWording):
    """`wording.yaml`: the verdict of the device, network and computer checks."""

    version: str
    reviewed: str
    source: list[Source] = Field(min_length=1)
    licence: str
    checks: dict[str, str]
    little_checked: str = Field(min_length=1)


@cache
def load_wording(path: Path = WORDING_FILE) -> Wording:
    data, tree = read_yaml(path)
    wording = validate(Wording, data, path, tree)
    missing = {"nothing", *LEVELS} - set(wording.outcomes)
    if missing:
        raise InputError(f"the verdict wording for {', '.join(sorted(missing))} is missing.", path)
    return wording
