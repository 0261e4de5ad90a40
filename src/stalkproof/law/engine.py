"""Applying a jurisdiction's offences to the events of a case: which elements the events may support, which
need a person's judgement, and which time limits may be close.

A pure function of its inputs, so the same events and date always give the same view. It never says an
offence was committed: elements are indications for an adviser, and the output says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from stalkproof.law import limits
from stalkproof.law.model import Element, Judgement, Jurisdiction, Offence
from stalkproof.law.occasions import Attribution, Occasion, Occasions, by_person, occasions
from stalkproof.law.predicates import check

Status = Literal["apparently_present", "not_shown", "needs_judgement"]
APPARENTLY_PRESENT: Status = "apparently_present"
NOT_SHOWN: Status = "not_shown"
NEEDS_JUDGEMENT: Status = "needs_judgement"
DISCLAIMER = (
    "This is information, not legal advice. It shows which parts of each offence the recorded events may "
    "support and which need a person's judgement; it cannot say whether an offence was committed. "
    "'Not shown' means only that the recorded events do not show it. Laws and time limits change, so check "
    "with the police, a lawyer or a specialist service."
)


@dataclass(frozen=True)
class ElementView:
    element: Element
    status: Status
    events: list[str]
    note: str | None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.element.id,
            "text": self.element.text,
            "status": self.status,
            "events": self.events,
            "test": self.element.test.model_dump(mode="json", exclude_none=True),
        }
        if isinstance(self.element.test, Judgement):
            data["question"] = self.element.test.question
        if self.note:
            data["note"] = self.note
        return data


@dataclass(frozen=True)
class OffenceView:
    jurisdiction: str
    offence: Offence
    elements: list[ElementView]
    warnings: list[str]

    @property
    def id(self) -> str:
        return f"{self.jurisdiction}/{self.offence.id}"

    def count(self, status: Status) -> int:
        return sum(1 for element in self.elements if element.status == status)

    def to_json(self) -> dict[str, Any]:
        offence = self.offence
        return {
            "id": self.id,
            "citation": offence.citation,
            "title": offence.title,
            "summary": offence.summary,
            "link": offence.link,
            "mode_of_trial": offence.mode_of_trial,
            "max_penalty": [
                penalty.model_dump(mode="json", by_alias=True) for penalty in offence.max_penalty
            ],
            "time_limit": offence.time_limit.model_dump(mode="json") if offence.time_limit else None,
            "related_orders": offence.related_orders,
            "confidence": offence.confidence,
            "counts": {
                status: self.count(status) for status in (APPARENTLY_PRESENT, NEEDS_JUDGEMENT, NOT_SHOWN)
            },
            "elements": [element.to_json() for element in self.elements],
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class LawView:
    law: Jurisdiction
    today: date
    considered: int
    notes: list[str]
    offences: list[OffenceView]

    def to_json(self) -> dict[str, Any]:
        law = self.law
        return {
            "jurisdiction": law.jurisdiction,
            "name": law.name,
            "disclaimer": DISCLAIMER,
            "as_at": law.as_at.isoformat(),
            "reviewed": law.reviewed.isoformat(),
            "reviewer": law.reviewer,
            "sources": [source.model_dump() for source in law.source],
            "today": self.today.isoformat(),
            "events_considered": self.considered,
            "notes": self.notes,
            "offences": [offence.to_json() for offence in self.offences],
        }


def assess(
    jurisdiction: Jurisdiction,
    events: Iterable[Mapping[str, Any]],
    today: date,
    attribution: Attribution | None = None,
) -> LawView:
    """The law view of timeline rows (as `evidence.events.timeline` returns them) on the date `today`."""
    found = occasions(events, attribution or Attribution())
    groups = by_person(found.counted)
    offences = [
        _offence(jurisdiction.jurisdiction, offence, groups, today) for offence in jurisdiction.offences
    ]
    return LawView(jurisdiction, today, len(found.counted), _notes(found, len(groups)), offences)


def _offence(code: str, offence: Offence, groups: Mapping[str, list[Occasion]], today: date) -> OffenceView:
    views, support = [], []
    for element in offence.elements:
        view, supporting = _element(element, groups)
        views.append(view)
        support.extend(supporting)
    oldest = min((item.at for item in support), default=None)
    newest = max((item.at for item in support), default=None)
    found = limits.warnings(
        offence, oldest.date() if oldest else None, newest.date() if newest else None, today
    )
    return OffenceView(code, offence, views, found)


def _element(element: Element, groups: Mapping[str, list[Occasion]]) -> tuple[ElementView, list[Occasion]]:
    test = element.test
    if isinstance(test, Judgement):
        return ElementView(element, NEEDS_JUDGEMENT, [], None), []
    finding = check(test, groups)
    status = APPARENTLY_PRESENT if finding.met else NOT_SHOWN
    return ElementView(element, status, finding.events, finding.note), finding.support


def _notes(found: Occasions, people: int) -> list[str]:
    notes = []
    if not found.counted:
        notes.append("No recorded events could be assessed yet: add diary entries with behaviour codes.")
    if people > 1:
        notes.append(
            f"The events name {people} different suspects, so each test is applied to each one separately. "
            "If they acted together, an adviser may treat their conduct as one course of conduct."
        )
    if found.uncoded:
        notes.append(
            f"{found.uncoded} event(s) name no suspect and have no behaviour code, so they were not counted; "
            "amend them with --party or --behaviour to include them."
        )
    if found.from_others:
        notes.append(f"{found.from_others} event(s) sent by people who are not suspects were left out.")
    return notes
