"""The law command: what the law of a jurisdiction says about the events of the current case."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, emit, opened_case, out
from stalkproof.law.case_view import case_law_view
from stalkproof.law.engine import DISCLAIMER, LawView, OffenceView
from stalkproof.law.loader import DEFAULT_JURISDICTION, load_jurisdiction

STATUS_WORDS = {
    "apparently_present": "[green]apparently present[/green]",
    "needs_judgement": "[yellow]needs judgement[/yellow]",
    "not_shown": "[dim]not shown[/dim]",
}


def law(
    jurisdiction: Annotated[
        str,
        typer.Option(
            "--jurisdiction",
            metavar="CODE",
            help="Whose law: gb-eng-wls, gb-sct, gb-nir, us-fed, us-ca, us-ny.",
        ),
    ] = DEFAULT_JURISDICTION,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """What the law may say about the events in this case. Information, not legal advice."""
    # Checked before unlocking, so a mistyped code costs nobody a passphrase prompt.
    chosen_law = load_jurisdiction(jurisdiction)
    with opened_case(vault, case) as (opened_vault, chosen):
        result = case_law_view(opened_vault, chosen.id, chosen_law)
    # People know diary entries by their numbers (D3); other events by their id.
    emit(as_json, result.view.to_json(), lambda: _show(result.view, result.labels))


def _show(view: LawView, labels: dict[str, str]) -> None:
    out.print(f"[bold]{escape(view.law.name)}[/bold]: the law as at {view.law.as_at.isoformat()}")
    out.print(f"[italic]{escape(DISCLAIMER)}[/italic]\n")
    for note in view.notes:
        out.print(f"Note: {escape(note)}")
    for offence in view.offences:
        _show_offence(offence, labels)


def _show_offence(offence: OffenceView, labels: dict[str, str]) -> None:
    table = Table("element", "status", "what to look at", title_justify="left", show_lines=True)
    table.title = f"{offence.offence.title} ({offence.offence.citation})"
    for element in offence.elements:
        detail = element.note or ""
        if element.events:
            detail += f"\nEvents: {', '.join(labels.get(event, event) for event in element.events)}"
        if element.status == "needs_judgement":
            detail = getattr(element.element.test, "question", "")
        table.add_row(escape(element.element.text), STATUS_WORDS[element.status], escape(detail))
    out.print(table)
    for warning in offence.warnings:
        out.print(f"[bold yellow]Time limit:[/bold yellow] {escape(warning)}")
    out.print(f"Read the law: {offence.offence.link}\n", markup=False)
