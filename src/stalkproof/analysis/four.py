"""FOUR (Fixated, Obsessive, Unwanted, Repeated): what the stored evidence shows for each warning sign.

Each indicator is shown with the measures behind it, so a person can see why it is or is not marked,
and an adviser can check it. Thresholds and wording are reviewed data (four.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from stalkproof.datafile import Source, read_yaml, validate

DATA = Path(__file__).with_name("four.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fixated(_Strict):
    name: str
    meaning: str
    duration_days: float
    active_weeks: int


class Obsessive(_Strict):
    name: str
    meaning: str
    busiest_day: int
    bursts: int
    night_share: float


class Unwanted(_Strict):
    name: str
    meaning: str
    contacts_after_stop: int
    unanswered_ratio: float
    unanswered_minimum: int


class Repeated(_Strict):
    name: str
    meaning: str
    occasions: int


class Indicators(_Strict):
    fixated: Fixated
    obsessive: Obsessive
    unwanted: Unwanted
    repeated: Repeated


class FourRules(_Strict):
    version: int
    reviewed: date
    licence: str
    source: list[Source]
    indicators: Indicators


@cache
def rules() -> FourRules:
    data, tree = read_yaml(DATA)
    return validate(FourRules, data, DATA, tree)


@dataclass(frozen=True)
class Measures:
    """What the other measures found, in plain numbers."""

    events: int
    occasions: int  # distinct days with contact or an incident
    duration_days: float
    active_weeks: int
    busiest_day: int
    bursts: int
    night_share: float | None
    contacts_after_stop: int
    stop_found: bool
    unanswered: int
    contacts: int


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    meaning: str
    shown: bool
    evidence: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "meaning": self.meaning,
            "shown": self.shown,
            "evidence": list(self.evidence),
        }


def four(measures: Measures) -> list[Indicator]:
    found = rules().indicators
    return [
        _fixated(found.fixated, measures),
        _obsessive(found.obsessive, measures),
        _unwanted(found.unwanted, measures),
        _repeated(found.repeated, measures),
    ]


def _fixated(rule: Fixated, m: Measures) -> Indicator:
    evidence = [f"Contact spread over {m.duration_days:.0f} days, in {m.active_weeks} different weeks."]
    shown = m.duration_days >= rule.duration_days and m.active_weeks >= rule.active_weeks
    return Indicator("fixated", rule.name, rule.meaning, shown, tuple(evidence))


def _obsessive(rule: Obsessive, m: Measures) -> Indicator:
    evidence = [f"The busiest day had {m.busiest_day} contacts.", f"{m.bursts} bursts of rapid contact."]
    if m.night_share is not None:
        evidence.append(f"{round(100 * m.night_share)}% of timed contact came at night.")
    shown = (
        m.busiest_day >= rule.busiest_day
        or m.bursts >= rule.bursts
        or (m.night_share is not None and m.night_share >= rule.night_share)
    )
    return Indicator("obsessive", rule.name, rule.meaning, shown, tuple(evidence))


def _unwanted(rule: Unwanted, m: Measures) -> Indicator:
    evidence = []
    if m.stop_found:
        evidence.append(f"{m.contacts_after_stop} contacts after you asked them to stop or blocked them.")
    else:
        evidence.append("No stop request or block was found in the evidence yet.")
    if m.contacts:
        evidence.append(f"{m.unanswered} of {m.contacts} messages and calls had no reply from you.")
    one_sided = m.contacts >= rule.unanswered_minimum and m.unanswered / m.contacts >= rule.unanswered_ratio
    shown = (m.stop_found and m.contacts_after_stop >= rule.contacts_after_stop) or one_sided
    return Indicator("unwanted", rule.name, rule.meaning, shown, tuple(evidence))


def _repeated(rule: Repeated, m: Measures) -> Indicator:
    evidence = (f"{m.events} events on {m.occasions} different days.",)
    return Indicator("repeated", rule.name, rule.meaning, m.occasions >= rule.occasions, evidence)
