"""Screening instruments: the YAML schema, loading, and the checks that keep a broken file out of use.

An instrument must say where its content comes from (`source`), who looked at it and when (`reviewed`,
`reviewer`) and under what licence, and each item must carry the evidence behind it: advisers need to be
able to see why a question is asked and why it weighs what it does.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from stalkproof.datafile import read_yaml, validate
from stalkproof.risk.emergency import check_placeholders

INSTRUMENTS = Path(__file__).with_name("instruments")
DEFAULT_INSTRUMENT = INSTRUMENTS / "stalking-screen.yaml"

Level = Literal["standard", "elevated", "high"]
LEVELS: tuple[Level, ...] = ("standard", "elevated", "high")
Verdict = Literal["yes", "no", "unknown"]
ItemType = Literal["yes_no_unknown", "choice", "number"]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Citation(Strict):
    """A source. Unlike other data files, a citation may have no link: a paper is cited in full rather than
    linked to an address nobody has checked."""

    title: Text
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None


class Choice(Strict):
    value: Name
    label: Text
    counts_as: Verdict


class Item(Strict):
    id: Name
    topic: Name
    label: Text
    text: Text
    adviser_note: Text
    type: ItemType
    weight: int = Field(ge=0)
    evidence: Text
    licence: Text
    choices: list[Choice] = Field(default_factory=list)
    yes_from: int | None = Field(default=None, ge=0)
    unit: str | None = None
    action: str | None = None
    referrals: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fits_type(self) -> Self:
        if (self.type == "choice") != bool(self.choices):
            raise ValueError("'choices' is needed for a choice item, and only for one")
        if (self.type == "number") != (self.yes_from is not None):
            raise ValueError("'yes_from' is needed for a number item, and only for one")
        return self

    def verdict(self, answer: str | int) -> Verdict:
        """What an answer means for scoring: yes, no, or not known."""
        if answer == "unknown":
            return "unknown"
        if self.type == "number":
            return "yes" if isinstance(answer, int) and answer >= (self.yes_from or 0) else "no"
        if self.type == "choice":
            return next(c.counts_as for c in self.choices if c.value == answer)
        return "yes" if answer == "yes" else "no"

    def worst_answer(self) -> str | int:
        """The answer that would raise concern most, for saying what an unknown could mean."""
        if self.type == "choice":
            return self.choices[-1].value
        if self.type == "number":
            return self.yes_from or 0
        return "yes"


class EscalationRule(Strict):
    id: Name
    item: Name
    values: list[str] = Field(default_factory=lambda: ["yes"])
    reason: Text


class Thresholds(Strict):
    elevated: int = Field(ge=1)
    high: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.high <= self.elevated:
            raise ValueError("the 'high' threshold must be above the 'elevated' one")
        return self


class LevelAdvice(Strict):
    actions: list[Text] = Field(min_length=1)
    referrals: list[str] = Field(min_length=1)


class Messages(Strict):
    """Sentences the screening builds from; {names} in braces are filled in when it runs."""

    answered_yes: Text
    signal_answered: Text
    signal_supports: Text
    signal_conflicts: Text
    signal_other: Text
    threshold: Text
    unknowns: Text
    could_be: Text


MESSAGE_FIELDS: dict[str, tuple[str, ...]] = {
    "answered_yes": ("label",),
    "signal_answered": ("label", "summary"),
    "signal_supports": ("label", "summary"),
    "signal_conflicts": ("label", "summary"),
    "signal_other": ("summary",),
    "threshold": ("score", "level", "threshold"),
    "unknowns": ("count", "items"),
    "could_be": ("level",),
}


class Instrument(Strict):
    id: Name
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    title: Text
    purpose: Text
    disclaimer: Text
    reviewed: date
    reviewer: Text
    licence: Text
    source: list[Citation] = Field(min_length=1)
    thresholds: Thresholds
    always_escalate: list[EscalationRule]
    messages: Messages
    levels: dict[Level, LevelAdvice]
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [item.id for item in self.items]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"item ids must be unique; repeated: {', '.join(repeated)}")
        if set(self.levels) != set(LEVELS):
            raise ValueError(f"'levels' needs advice for each of: {', '.join(LEVELS)}")
        for rule in self.always_escalate:
            _check_rule(rule, self.item(rule.item))
        self._check_wording()
        return self

    def _check_wording(self) -> None:
        for action in [a for advice in self.levels.values() for a in advice.actions]:
            check_placeholders(action)
        for item in self.items:
            check_placeholders(item.action or "")
        for name, allowed in MESSAGE_FIELDS.items():
            check_placeholders(getattr(self.messages, name), allowed)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise ValueError(f"there is no item '{item_id}'")

    def rules_for(self, item_id: str) -> list[EscalationRule]:
        return [rule for rule in self.always_escalate if rule.item == item_id]


def _check_rule(rule: EscalationRule, item: Item) -> None:
    allowed = {c.value for c in item.choices} if item.type == "choice" else {"yes"}
    wrong = sorted(set(rule.values) - allowed)
    if wrong:
        raise ValueError(f"rule '{rule.id}' names value(s) {wrong} that item '{item.id}' cannot take")


def load_instrument(path: Path = DEFAULT_INSTRUMENT) -> Instrument:
    """Read and check an instrument file; any problem is reported with the file and line."""
    data, tree = read_yaml(path)
    return validate(Instrument, data, path, tree)


@cache
def default_instrument() -> Instrument:
    return load_instrument()
