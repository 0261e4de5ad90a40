"""Asking triage, screening and safety-plan questions one at a time in a terminal.

Prompts go to stderr, like every other message, so `--json` output on stdout stays clean. An empty answer
means "not known", never "no": skipping a question must not lower a level of concern.
"""

from __future__ import annotations

from rich.markup import escape

from stalkproof.cli.common import console
from stalkproof.cli.risk_views import show_emergency
from stalkproof.risk import emergency
from stalkproof.risk.answers import AnswerValue, Question, expected, normalise, question_for
from stalkproof.risk.instrument import Instrument, Item
from stalkproof.risk.safety_plan import Entries, PlanTemplate, Section
from stalkproof.risk.triage import Triage

EMPTY_MEANS = "Press Enter without typing if you do not know."
CLEAR = "-"


def ask(question: Question, text: str, choices: dict[str, str] | None = None) -> AnswerValue:
    """One answer, asked again until it is one the question accepts."""
    console.print(f"\n[bold]{escape(text)}[/]")
    for number, (value, label) in enumerate((choices or {}).items(), start=1):
        console.print(f"  {number}. {escape(label)} [dim]({value})[/]")
    while True:
        typed = console.input(f"[dim]({escape(expected(question))})[/] > ").strip()
        picked = _by_number(typed, choices)
        answer = normalise(question, picked)
        if answer is not None:
            return answer
        console.print(f"Please answer {escape(expected(question))}. {EMPTY_MEANS}")


def _by_number(typed: str, choices: dict[str, str] | None) -> str:
    values = list(choices or {})
    if typed.isdigit() and 1 <= int(typed) <= len(values):
        return values[int(typed) - 1]
    return typed


def ask_triage(definition: Triage, jurisdiction: str | None) -> dict[str, AnswerValue]:
    console.print(f"[bold]{escape(definition.title)}[/] {EMPTY_MEANS}")
    yes_no = Question("")
    danger = ask(yes_no, definition.danger.text)
    answers: dict[str, AnswerValue] = {definition.danger.id: danger}
    if danger != "no":
        template = definition.danger.if_yes if danger == "yes" else definition.danger.if_unknown
        show_emergency(emergency.fill(template, jurisdiction))
        if ask(yes_no, definition.danger.carry_on) != "yes":
            return answers
    for question in definition.questions:
        answers[question.id] = ask(yes_no, question.text)
    return answers


def ask_screening(instrument: Instrument) -> dict[str, AnswerValue]:
    console.print(f"[bold]{escape(instrument.title)}[/] {escape(instrument.purpose)} {EMPTY_MEANS}")
    return {item.id: _ask_item(item) for item in instrument.items}


def _ask_item(item: Item) -> AnswerValue:
    choices = {choice.value: choice.label for choice in item.choices} or None
    text = f"{item.text} ({item.unit})" if item.unit else item.text
    return ask(question_for(item), text, choices)


def ask_plan(plan: PlanTemplate, before: Entries, jurisdiction: str | None) -> Entries:
    console.print(f"[bold]{escape(plan.title)}[/]\n{escape(plan.intro)}")
    return {
        section.id: _ask_section(section, before.get(section.id, []), jurisdiction)
        for section in plan.sections
    }


def _ask_section(section: Section, before: list[str], jurisdiction: str | None) -> list[str]:
    console.print(f"\n[bold]{escape(section.title)}[/]: {escape(section.prompt)}")
    for hint in section.filled_hints(jurisdiction):
        console.print(f"  [dim]e.g. {escape(hint)}[/]")
    if before:
        console.print("  You had: " + "; ".join(escape(entry) for entry in before))
        console.print(
            f"  [dim]Press Enter to keep that, type new lines to replace it, or '{CLEAR}' to clear it.[/]"
        )
    else:
        console.print("  [dim]One item per line; an empty line moves on.[/]")
    lines: list[str] = []
    while line := console.input("  > ").strip():
        lines.append(line)
    if lines == [CLEAR]:
        return []
    return lines or before
