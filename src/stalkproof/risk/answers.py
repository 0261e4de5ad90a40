"""Answers: what counts as an answer to a question, and reading an answers file.

An answers file is YAML with one `question_id: answer` per line, e.g. `threats_kill: yes`. People write
answers in many ways ("Yes", "y", "don't know", "?"), so those are accepted; anything else is refused with
the file and line, because guessing what someone meant about their safety is not acceptable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from stalkproof.errors import InputError
from stalkproof.risk import yamlfile
from stalkproof.risk.instrument import Item, ItemType

AnswerValue = str | int
UNKNOWN = "unknown"
YES_WORDS = frozenset({"yes", "y", "true", "on"})
NO_WORDS = frozenset({"no", "n", "false", "off"})
UNKNOWN_WORDS = frozenset({"", UNKNOWN, "don't know", "dont know", "not sure", "?"})


@dataclass(frozen=True)
class Question:
    """The shape of answer one question accepts."""

    id: str
    type: ItemType = "yes_no_unknown"
    choices: tuple[str, ...] = ()


def question_for(item: Item) -> Question:
    return Question(item.id, item.type, tuple(choice.value for choice in item.choices))


def normalise(question: Question, text: str | None) -> AnswerValue | None:
    """The answer in its stored form ('yes', 'no', 'unknown', a choice value or a number), or None when
    `text` is not an answer to this question. An empty answer means not known."""
    word = (text or "").strip().lower()
    if word in UNKNOWN_WORDS:
        return UNKNOWN
    if question.type == "number":
        return int(word) if word.isdigit() else None
    if question.type == "choice":
        value = word.replace(" ", "_").replace("-", "_")
        return value if value in question.choices else None
    if word in YES_WORDS:
        return "yes"
    return "no" if word in NO_WORDS else None


def expected(question: Question) -> str:
    """What an answer may be, for messages and prompts."""
    if question.type == "number":
        return "a whole number, or unknown"
    if question.type == "choice":
        return f"one of {', '.join(question.choices)}, or unknown"
    return "yes, no or unknown"


def read_answers(path: Path, questions: Mapping[str, Question], where_listed: str) -> dict[str, AnswerValue]:
    """Answers from a YAML file, checked against `questions`. `where_listed` ends the message for an
    unknown id by saying where the right ids are, so the mistake can be put right."""
    fields = yamlfile.mapping_fields(yamlfile.compose(path), path, "answers")
    answers: dict[str, AnswerValue] = {}
    for field in fields:
        question = questions.get(field.key)
        if question is None:
            raise InputError(f"'{field.key}' is not one of the questions; {where_listed}.", path, field.line)
        text = yamlfile.scalar_text(field.node)
        value = normalise(question, text) if isinstance(field.node, yaml.ScalarNode) else None
        if value is None:
            shown = f"'{text}'" if text is not None else "this"
            raise InputError(
                f"{shown} is not an answer to '{field.key}': use {expected(question)}.",
                path,
                yamlfile.line(field.node),
            )
        answers[field.key] = value
    return answers
