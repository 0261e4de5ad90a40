"""The thresholds the time-pattern measures use, read from settings.yaml and checked against a schema.

They are reviewed data, not code: a reviewer changes the night hours or the burst rule in the YAML file,
and every measure picks the new value up from `default_settings()`.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from stalkproof.datafile import Source, read_yaml, validate

SETTINGS_FILE = Path(__file__).with_name("settings.yaml")
CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NightWindow(Strict):
    """Local clock times; the window may run over midnight (22:00 to 06:00)."""

    why: str = Field(min_length=1)
    start: str = Field(pattern=CLOCK_TIME)
    end: str = Field(pattern=CLOCK_TIME)

    @model_validator(mode="after")
    def _not_empty(self) -> NightWindow:
        if self.start == self.end:
            raise ValueError("the night needs different start and end times")
        return self

    @property
    def start_minute(self) -> int:
        return _minutes(self.start)

    @property
    def end_minute(self) -> int:
        return _minutes(self.end)


class BurstRule(Strict):
    why: str = Field(min_length=1)
    min_events: int = Field(ge=2)
    max_gap_minutes: float = Field(gt=0)


class TrendRule(Strict):
    why: str = Field(min_length=1)
    min_periods: int = Field(ge=3)
    alpha: float = Field(gt=0, le=0.5)


class ChangePointRule(Strict):
    why: str = Field(min_length=1)
    min_segment_days: float = Field(gt=0)
    simulations: int = Field(ge=19, le=9999)
    max_simulated_events: int = Field(ge=100)
    seed: int = Field(ge=0)


class EscalationRule(Strict):
    why: str = Field(min_length=1)
    recent_days: int = Field(ge=1)
    min_baseline_days: int = Field(ge=1)
    alpha: float = Field(gt=0, le=0.5)
    min_rate_ratio: float = Field(ge=1)
    change_point: ChangePointRule


class ConductRule(Strict):
    why: str = Field(min_length=1)
    new_account_after_block_days: float = Field(gt=0)
    reply_window_hours: float = Field(gt=0)
    look_alike_similarity: float = Field(gt=0, le=1)
    night_share_min_events: int = Field(ge=1)


class PatternSettings(Strict):
    version: str = Field(min_length=1)
    reviewed: date
    reviewer: str = Field(min_length=1)
    licence: str = Field(min_length=1)
    source: list[Source] = Field(min_length=1)
    night: NightWindow
    bursts: BurstRule
    trend: TrendRule
    escalation: EscalationRule
    conduct: ConductRule


@cache
def default_settings() -> PatternSettings:
    return load_settings(SETTINGS_FILE)


def load_settings(path: Path) -> PatternSettings:
    data, tree = read_yaml(path)
    return validate(PatternSettings, data, path, tree)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)
