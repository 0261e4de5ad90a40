"""What changed between two screenings: the level, each answer, and the reasons given."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from stalkproof.risk.answers import AnswerValue
from stalkproof.risk.instrument import Level
from stalkproof.risk.screening import Screening


class LevelChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    before: Level
    after: Level
    changed: bool


class AnswerChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    before: AnswerValue | None
    after: AnswerValue | None


class Changes(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: LevelChange
    answers: list[AnswerChange]
    reasons_added: list[str]
    reasons_removed: list[str]


def changes(previous: Screening, current: Screening) -> Changes:
    """Answers are compared item by item; an item only one version of the instrument has shows as None on
    the other side."""
    ids = list(dict.fromkeys([*previous.answers, *current.answers]))
    moved = [
        AnswerChange(id=i, before=previous.answers.get(i), after=current.answers.get(i))
        for i in ids
        if previous.answers.get(i) != current.answers.get(i)
    ]
    before_reasons = [r.text for r in previous.reasons]
    after_reasons = [r.text for r in current.reasons]
    return Changes(
        level=LevelChange(
            before=previous.level, after=current.level, changed=previous.level != current.level
        ),
        answers=moved,
        reasons_added=[text for text in after_reasons if text not in before_reasons],
        reasons_removed=[text for text in before_reasons if text not in after_reasons],
    )
