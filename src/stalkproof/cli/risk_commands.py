"""Commands for triage, the risk screen and the safety plan.

Answers files are read, and checked, before the vault is unlocked, so a mistake in one is reported
without asking for the passphrase first.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from stalkproof.cli import risk_prompts, risk_views
from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, console, emit, opened_case
from stalkproof.errors import InputError
from stalkproof.risk import store
from stalkproof.risk.answers import AnswerValue, question_for, read_answers
from stalkproof.risk.case_screening import history_rows, screen_case
from stalkproof.risk.emergency import check_jurisdiction, table
from stalkproof.risk.instrument import Instrument, default_instrument
from stalkproof.risk.safety_plan import entries_of, plan_json, read_plan_file, save_plan, template
from stalkproof.risk.triage import default_triage, run_triage

risk_app = typer.Typer(
    help="Risk screening: a concern level with its reasons, for you or an adviser.", no_args_is_help=True
)

JurisdictionOption = Annotated[
    str | None,
    typer.Option(
        "--jurisdiction",
        metavar="CODE",
        help="Where you are, e.g. gb-eng-wls, gb-sct, gb-nir, us-ca: sets emergency numbers and services.",
    ),
]
AnswersOption = Annotated[
    Path | None,
    typer.Option(
        "--answers",
        metavar="FILE.yaml",
        help="Answers as YAML, one 'id: answer' per line (yes, no or unknown). Without it you are asked "
        "each question in turn.",
    ),
]


def _must_ask() -> None:
    if not sys.stdin.isatty():
        raise InputError(
            "No answers were given: use --answers FILE.yaml, or run this in a terminal to be asked."
        )


def _default_note(jurisdiction: str | None, as_json: bool) -> None:
    if jurisdiction is None and not as_json:
        console.print(f"[dim]{table().default_note}[/]")


def triage(
    jurisdiction: JurisdictionOption = None, answers: AnswersOption = None, as_json: JsonOption = False
) -> None:
    """Should I get help, and where? Checks for immediate danger first."""
    code = check_jurisdiction(jurisdiction)
    definition = default_triage()
    shapes = definition.question_shapes()
    if answers is not None:
        given = read_answers(answers, shapes, f"the ids are: {', '.join(shapes)}")
    else:
        _must_ask()
        given = risk_prompts.ask_triage(definition, code)
    result = run_triage(definition, given, code)
    emit(as_json, result.model_dump(mode="json"), lambda: risk_views.show_triage(result))


@risk_app.command("questions")
def risk_questions(as_json: JsonOption = False) -> None:
    """List the screening questions, so an answers file can be written for them."""
    instrument = default_instrument()
    emit(as_json, _questions_json(instrument), lambda: risk_views.show_questions(instrument))


def _questions_json(instrument: Instrument) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for item in instrument.items:
        row: dict[str, Any] = {"id": item.id, "text": item.text, "topic": item.topic, "type": item.type}
        if item.choices:
            row["choices"] = [{"value": c.value, "label": c.label} for c in item.choices]
        if item.unit:
            row["unit"] = item.unit
        row |= {"adviser_note": item.adviser_note, "evidence": item.evidence, "licence": item.licence}
        rows.append(row)
    return rows


@risk_app.command("screen")
def risk_screen(
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            metavar="FILE.yaml",
            help="Answers as YAML, one 'id: answer' per line; 'stalkproof risk questions' lists the ids and "
            "answers. Without it you are asked each question in turn.",
        ),
    ] = None,
    jurisdiction: JurisdictionOption = None,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Screen for risk: a concern level (standard, elevated or high) with every reason behind it.

    Each screening is saved to the case, and the result shows what changed since the last one.
    """
    code = check_jurisdiction(jurisdiction)
    instrument = default_instrument()
    given = _screen_answers(instrument, answers)
    with opened_case(vault, case) as (opened_vault, chosen):
        screened = screen_case(opened_vault, chosen.id, instrument, given, code)
    _default_note(code, as_json)
    emit(as_json, screened.to_json(), lambda: risk_views.show_screening(screened.result, screened.changed))


def _screen_answers(instrument: Instrument, path: Path | None) -> dict[str, AnswerValue]:
    if path is not None:
        shapes = {item.id: question_for(item) for item in instrument.items}
        return read_answers(path, shapes, "'stalkproof risk questions' lists their ids")
    _must_ask()
    return risk_prompts.ask_screening(instrument)


@risk_app.command("history")
def risk_history(vault: VaultOption = None, case: CaseOption = None, as_json: JsonOption = False) -> None:
    """List this case's saved screenings, oldest first."""
    with opened_case(vault, case) as (opened_vault, chosen):
        rows = history_rows(opened_vault, chosen.id)
    emit(as_json, rows, lambda: risk_views.show_history(rows))


def safety_plan(
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            metavar="FILE.yaml",
            help="The whole plan as YAML: each section id, then a line of text or a list of lines. "
            "Sections left out are saved empty.",
        ),
    ] = None,
    show: Annotated[bool, typer.Option("--show", help="Show the latest saved plan; change nothing.")] = False,
    jurisdiction: JurisdictionOption = None,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make or update your safety plan, kept in the vault; earlier versions stay readable."""
    if show and answers is not None:
        raise typer.BadParameter("use --show on its own, or --answers to save a new version.")
    code = check_jurisdiction(jurisdiction)
    plan = template()
    entries = read_plan_file(answers, plan) if answers is not None else None
    if entries is None and not show:
        _must_ask()
    with opened_case(vault, case) as (opened_vault, chosen):
        before = store.latest(opened_vault, chosen.id, store.SAFETY_PLAN)
        if show:
            shown = plan_json(before, plan) if before else None
        else:
            if entries is None:
                entries = risk_prompts.ask_plan(plan, entries_of(before) if before else {}, code)
            shown = plan_json(save_plan(opened_vault, chosen.id, entries, plan), plan)
    emit(as_json, shown, lambda: risk_views.show_plan(shown, plan.title))
