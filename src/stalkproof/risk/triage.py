"""Triage: immediate danger first, then "should I contact the helpline?", then where to go next.

The answers are yes / no / unknown. "Unknown" about danger is treated like "yes": when someone cannot
say whether they are safe, the emergency number comes first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.errors import InputError
from stalkproof.law.loader import jurisdiction_codes
from stalkproof.risk import emergency, referrals
from stalkproof.risk.answers import UNKNOWN, AnswerValue, Question, normalise
from stalkproof.risk.emergency import check_placeholders

TRIAGE_FILE = Path(__file__).with_name("triage.yaml")


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Step(Strict):
    text: str
    command: str | None = None
    # Left out where stalkproof has no law file for the jurisdiction, rather than show another country's.
    needs_law_file: bool = Field(default=False, exclude=True)

    @field_validator("text", "command")
    @classmethod
    def _known_placeholders(cls, value: str | None) -> str | None:
        return check_placeholders(value) if value else value


class Outcome(Strict):
    steps: list[Step] = Field(default_factory=list)
    referrals: list[str] = Field(default_factory=list)


class Danger(Strict):
    id: str
    text: str
    if_yes: str
    if_unknown: str
    if_no: str
    carry_on: str


class Helpline(Strict):
    group: str
    if_yes: Outcome
    if_no: Outcome
    if_unknown: Outcome


class TriageQuestion(Strict):
    id: str
    group: Literal["helpline", "more"]
    text: str
    if_yes: Outcome = Outcome()
    if_no: Outcome = Outcome()
    if_unknown: Outcome = Outcome()

    def outcome(self, answer: AnswerValue) -> Outcome:
        return {"yes": self.if_yes, "no": self.if_no}.get(str(answer), self.if_unknown)


class Triage(Strict):
    id: str
    version: str
    title: str
    reviewed: date
    reviewer: str
    licence: str
    source: list[Source] = Field(min_length=1)
    danger: Danger
    helpline: Helpline
    questions: list[TriageQuestion]
    always: list[Step]

    def question_shapes(self) -> dict[str, Question]:
        ids = [self.danger.id, *(q.id for q in self.questions)]
        return {i: Question(i) for i in ids}


class TriageResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    triage: str
    version: str
    jurisdiction: str | None
    danger_now: AnswerValue
    emergency: dict[str, str]
    contact_helpline: bool
    steps: list[Step]
    referrals: list[dict[str, object]]
    answers: dict[str, AnswerValue]
    note: str | None


@cache
def default_triage() -> Triage:
    return load_triage(TRIAGE_FILE)


def load_triage(path: Path) -> Triage:
    data, tree = read_yaml(path)
    return validate(Triage, data, path, tree)


def run_triage(
    definition: Triage, answers: Mapping[str, AnswerValue], jurisdiction: str | None = None
) -> TriageResult:
    given = _checked(definition, answers)
    danger = given[definition.danger.id]
    outcomes = [_danger_outcome(definition, danger, jurisdiction)] if danger != "no" else []
    helpline = _helpline_answer(definition, given)
    outcomes.append(_helpline_outcome(definition.helpline, helpline))
    outcomes += [q.outcome(given[q.id]) for q in definition.questions if q.group != definition.helpline.group]
    steps = _specific_steps(outcomes) + _general_steps(outcomes, definition.always)
    if danger == "no":
        # Still there, but last: the number matters most when it is the first thing seen.
        outcomes.append(_danger_outcome(definition, danger, jurisdiction))
        steps += outcomes[-1].steps
    if jurisdiction is not None and jurisdiction not in jurisdiction_codes():
        steps = [step for step in steps if not step.needs_law_file]
    region = emergency.region_for(jurisdiction)
    return TriageResult(
        triage=definition.id,
        version=definition.version,
        jurisdiction=jurisdiction,
        danger_now=danger,
        emergency={"number": region.emergency, "silent": region.silent},
        contact_helpline=helpline == "yes",
        steps=[_filled(step, jurisdiction) for step in steps],
        referrals=_referrals(outcomes, jurisdiction),
        answers=given,
        note=None if jurisdiction else emergency.table().default_note,
    )


def _checked(definition: Triage, answers: Mapping[str, AnswerValue]) -> dict[str, AnswerValue]:
    """Answers from code meet the same rules as an answers file; a missing one is "unknown"."""
    shapes = definition.question_shapes()
    strays = sorted(set(answers) - set(shapes))
    if strays:
        raise InputError(f"'{strays[0]}' is not one of the triage questions.")
    given: dict[str, AnswerValue] = {}
    for question_id, shape in shapes.items():
        value = normalise(shape, str(answers.get(question_id, UNKNOWN)))
        if value is None:
            raise InputError(
                f"'{answers[question_id]}' is not an answer to '{question_id}': use yes, no or unknown."
            )
        given[question_id] = value
    return given


def _danger_outcome(definition: Triage, danger: AnswerValue, jurisdiction: str | None) -> Outcome:
    region = emergency.region_for(jurisdiction)
    texts = {"yes": definition.danger.if_yes, "no": definition.danger.if_no}
    text = texts.get(str(danger), definition.danger.if_unknown)
    return Outcome(steps=[Step(text=text)], referrals=[r for r in [region.emergency_referral] if r])


def _helpline_answer(definition: Triage, given: Mapping[str, AnswerValue]) -> str:
    """'yes' if any of the helpline's questions is answered yes, 'no' only if all are answered no."""
    group = [given[q.id] for q in definition.questions if q.group == definition.helpline.group]
    if "yes" in group:
        return "yes"
    return "no" if all(answer == "no" for answer in group) else UNKNOWN


def _helpline_outcome(helpline: Helpline, answer: str) -> Outcome:
    return {"yes": helpline.if_yes, "no": helpline.if_no}.get(answer, helpline.if_unknown)


def _specific_steps(outcomes: list[Outcome]) -> list[Step]:
    """Each step once, the first time it comes up: the order is the order of urgency."""
    steps = [step for outcome in outcomes for step in outcome.steps]
    return list(dict.fromkeys(steps))


def _general_steps(outcomes: list[Outcome], always: list[Step]) -> list[Step]:
    """The steps every triage ends with, less those an answer already pointed to."""
    named = {step.command for outcome in outcomes for step in outcome.steps}
    return [step for step in always if step.command not in named]


def _filled(step: Step, jurisdiction: str | None) -> Step:
    command = emergency.fill(step.command, jurisdiction) if step.command else None
    return Step(text=emergency.fill(step.text, jurisdiction), command=command)


def _referrals(outcomes: list[Outcome], jurisdiction: str | None) -> list[dict[str, object]]:
    wanted = [r for outcome in outcomes for r in outcome.referrals]
    chosen = referrals.choose(wanted, emergency.referral_jurisdiction(jurisdiction))
    return [referrals.service_json(service) for service in chosen]
