"""The schema of a jurisdiction's law file: offences, their elements, and the typed test behind each element.

Strict on purpose: an unknown field is a typo that would otherwise be silently ignored, and a behaviour code
outside the shared vocabulary could never match an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Literal, Protocol

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from stalkproof.datafile import Source
from stalkproof.evidence.vocabulary import behaviours as vocabulary

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"


def _known_behaviour(code: str) -> str:
    if code not in vocabulary():
        raise ValueError(f"'{code}' is not a behaviour code; the codes are in evidence/behaviours.yaml")
    return code


Behaviour = Annotated[str, AfterValidator(_known_behaviour)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


class CourseOfConduct(Strict):
    """Conduct on at least `min_occasions` separate occasions by one person, optionally only events with
    one of `behaviours`, optionally all within `max_days`."""

    kind: Literal["course_of_conduct"]
    min_occasions: int = Field(ge=1)
    behaviours: list[Behaviour] | None = Field(default=None, min_length=1)
    max_days: int | None = Field(default=None, ge=1)


class BehavioursTest(Strict):
    """At least `min_events` events with any of the listed behaviours."""

    kind: Literal["behaviours"]
    any_of: list[Behaviour] = Field(min_length=1)
    min_events: int = Field(ge=1)


class Electronic(Strict):
    """At least `min_events` events sent or made by electronic means."""

    kind: Literal["electronic"]
    min_events: int = Field(ge=1)


class Judgement(Strict):
    """Only a person can decide: the question is what an adviser should ask."""

    kind: Literal["judgement"]
    question: str = Field(min_length=1)


MachineTest = CourseOfConduct | BehavioursTest | Electronic
Test = Annotated[MachineTest | Judgement, Field(discriminator="kind")]


class Element(Strict):
    id: str = Field(pattern=SLUG)
    text: str = Field(min_length=1)
    test: Test


class Penalty(Strict):
    text: str = Field(min_length=1)
    starts: date | None = Field(alias="from")
    ends: date | None = Field(alias="until")

    @model_validator(mode="after")
    def _in_order(self) -> Penalty:
        if self.starts and self.ends and self.ends < self.starts:
            raise ValueError(f"the penalty ends ({self.ends}) before it starts ({self.starts})")
        return self


class TimeLimit(Strict):
    months: int = Field(ge=1)
    counted_from: Literal["offence", "sufficient_evidence"]
    long_stop_years: int | None = Field(ge=1)
    note: str = Field(min_length=1)


class HasId(Protocol):
    @property
    def id(self) -> str: ...


def _unique(items: Sequence[HasId], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"two {what} have the id '{item.id}'")
        seen.add(item.id)


class Offence(Strict):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    link: str = Field(pattern=r"^https://\S+$")
    summary: str = Field(min_length=1)
    mode_of_trial: Literal[
        "summary_only", "either_way", "indictable_only", "felony", "misdemeanor", "wobbler", "infraction"
    ]
    max_penalty: list[Penalty] = Field(min_length=1)
    time_limit: TimeLimit | None
    related_orders: list[str]
    confidence: Literal["verified", "secondary", "unconfirmed"]
    elements: list[Element] = Field(min_length=1)

    @field_validator("elements")
    @classmethod
    def _unique_elements(cls, elements: list[Element]) -> list[Element]:
        _unique(elements, "elements")
        return elements


class Emergency(Strict):
    number: str = Field(min_length=1)
    silent: str = Field(min_length=1)
    non_emergency: str = Field(min_length=1)


class Jurisdiction(Strict):
    jurisdiction: str = Field(pattern=r"^[a-z]{2}-[a-z]{2,4}(-[a-z]{2,4})?$")
    name: str = Field(min_length=1)
    version: int = Field(ge=1)
    as_at: date
    reviewed: date
    reviewer: str = Field(min_length=1)
    source: list[Source] = Field(min_length=1)
    emergency: Emergency
    behaviour_terms: dict[Behaviour, str]
    offences: list[Offence] = Field(min_length=1)

    @field_validator("offences")
    @classmethod
    def _unique_offences(cls, offences: list[Offence]) -> list[Offence]:
        _unique(offences, "offences")
        return offences
