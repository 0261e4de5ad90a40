"""The course-of-conduct commands: `analyse` (the pattern) and `flags` (the events that matter, and why)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.table import Table

from stalkproof.analysis.course import Analysis, analyse_case
from stalkproof.analysis.event_flags import flag_json, flags_for_rows, searched_text
from stalkproof.analysis.figures import write_charts
from stalkproof.analysis.flags import Flagger
from stalkproof.analysis.load import WhoIsWho
from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, emit, opened_case, out
from stalkproof.errors import InputError
from stalkproof.evidence.events import TimelineFilter, timeline


def analyse(
    charts: Annotated[
        Path | None,
        typer.Option(
            "--charts", metavar="FOLDER", help="Also draw the charts (PNG and SVG) into this folder."
        ),
    ] = None,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """The pattern: how often, how it changed, when, which ways, and the warning signs, with reasons."""
    with opened_case(vault, case) as (opened_vault, chosen):
        analysis = analyse_case(opened_vault, chosen.id)
    data = analysis.to_json()
    if charts is not None:
        data["charts"] = [str(path) for path in write_charts(analysis, charts)]
    emit(as_json, data, lambda: _show(analysis, data.get("charts", [])))


def _show(analysis: Analysis, chart_paths: list[str]) -> None:
    out.print(Panel("\n\n".join(analysis.summary()), title="What the evidence shows", expand=False))
    four = Table("warning sign", "shown", "why", title="FOUR")
    for item in analysis.four:
        four.add_row(item.name, "yes" if item.shown else "not shown", " ".join(item.evidence))
    out.print(four)
    if analysis.behaviours:
        done = Table("behaviour", "events", title="What they did (shared behaviour codes)")
        for count in analysis.behaviours:
            done.add_row(count.label, f"{count.events:,}")
        out.print(done)
    for path in chart_paths:
        out.print(f"Chart: {path}")
    out.print(f"[dim]{analysis.to_json()['disclaimer']}[/dim]")


def flags(
    label: Annotated[str | None, typer.Option(help="Only this flag, e.g. threat.")] = None,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Events that matter and why: threats, 'I saw you at…', tracking, sexual content, abuse and more.

    Each flag shows the words that raised it and the rule. Flags can be wrong both ways: check them.
    """
    flagger = Flagger.load()
    if label and label not in flagger.labels():
        raise InputError(f"'{label}' is not a flag. Flags are: {', '.join(flagger.labels())}.")
    with opened_case(vault, case) as (opened_vault, chosen), opened_vault.read() as connection:
        rows = timeline(connection, chosen.id, TimelineFilter())
        who = WhoIsWho.of_case(connection, chosen.id)
    items: list[dict[str, Any]] = []
    for row, found in zip(rows, flags_for_rows(rows, who, flagger), strict=True):
        for flag in found:
            if label and flag.label != label:
                continue
            items.append(
                {
                    "event_id": row["entry_id"],
                    "event_label": f"D{row['number']}" if row["number"] else None,
                    "occurred_at": row["occurred_at"],
                    **flag_json(flag, *searched_text(row)),
                }
            )
    emit(as_json, items, lambda: _show_flags(items))


def _show_flags(items: list[dict[str, Any]]) -> None:
    if not items:
        out.print("No flags: nothing in the stored text matched a rule. Flags can miss things; read it too.")
        return
    table = Table("when (UTC)", "event", "flag", "why", "rule")
    for item in items:
        table.add_row(
            item["occurred_at"][:16].replace("T", " "),
            item["event_label"] or item["event_id"][:8],
            item["kind"].replace("_", " "),
            item["reason"],
            item["rule"],
        )
    out.print(table)
    out.print("[dim]Flags can be wrong both ways: they point you to words worth reading, nothing more.[/dim]")
