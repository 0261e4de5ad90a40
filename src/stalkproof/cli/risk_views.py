"""How triage, screenings and safety plans look in the terminal (the JSON forms need no view)."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from stalkproof.cli.common import out
from stalkproof.risk.instrument import Instrument
from stalkproof.risk.screening import Screening
from stalkproof.risk.triage import TriageResult

LEVEL_STYLE = {"standard": "bold", "elevated": "bold yellow", "high": "bold red"}


def show_emergency(text: str) -> None:
    out.print(Panel(escape(text), title="If you are in danger", border_style="red"))


def show_triage(result: TriageResult) -> None:
    steps = list(result.steps)
    if result.danger_now != "no":
        show_emergency(steps.pop(0).text)
    out.print("\n[bold]What you could do next[/]")
    for step in steps:
        _step(step.text, step.command)
    show_referrals(result.referrals)
    if result.note:
        out.print(f"\n[dim]{escape(result.note)}[/]")


def _step(text: str, command: str | None) -> None:
    out.print(f"• {escape(text)}")
    if command:
        out.print(f"    [cyan]{escape(command)}[/]")


def show_referrals(services: list[dict[str, Any]]) -> None:
    if not services:
        return
    out.print("\n[bold]Services that can help[/]")
    for service in services:
        contacts = ", ".join(str(c["value"]) for c in service["contact"])
        out.print(f"• [bold]{escape(str(service['name']))}[/]: {escape(contacts)}")
        out.print(f"    {escape(str(service['hours']))}")


def show_questions(instrument: Instrument) -> None:
    table = Table("id", "question", "answer", title=f"{instrument.title} {instrument.version}")
    for item in instrument.items:
        table.add_row(item.id, escape(item.text), _answer_kind(item.type, [c.value for c in item.choices]))
    out.print(table)
    out.print(f"[dim]{escape(instrument.licence)}[/]")


def _answer_kind(kind: str, choices: list[str]) -> str:
    if kind == "choice":
        return " / ".join(choices) + " / unknown"
    return "a number / unknown" if kind == "number" else "yes / no / unknown"


def show_screening(result: Screening, changed: dict[str, Any] | None) -> None:
    style = LEVEL_STYLE[result.level]
    out.print(f"Concern level: [{style}]{result.level}[/]  ({escape(result.title)} {result.version})")
    out.print("\n[bold]Why[/]")
    for reason in result.reasons or []:
        events = f" [dim](events {', '.join(reason.events)})[/]" if reason.events else ""
        out.print(f"• {escape(reason.text)}{events}")
    if not result.reasons:
        out.print("• No answer so far raises the level. That does not mean there is no risk.")
    out.print("\n[bold]Suggested next steps[/]")
    for action in result.actions:
        out.print(f"• {escape(action)}")
    show_referrals(result.referrals)
    if changed:
        show_changes(changed)
    out.print(f"\n[dim]{escape(result.disclaimer)}[/]")


def show_changes(changed: dict[str, Any]) -> None:
    level = changed["level"]
    out.print(f"\n[bold]Since the screening of {changed['since'][:16].replace('T', ' ')}[/]")
    if level["changed"]:
        out.print(f"• The level went from {level['before']} to {level['after']}.")
    else:
        out.print(f"• The level is the same ({level['after']}).")
    for answer in changed["answers"]:
        out.print(f"• {answer['id']}: {answer['before']} → {answer['after']}")


def show_history(rows: list[dict[str, Any]]) -> None:
    if not rows:
        out.print("No screenings saved for this case yet: stalkproof risk screen")
        return
    table = Table("version", "id", "when (UTC)", "level", "instrument")
    for row in rows:
        when = str(row["created_at"])[:16].replace("T", " ")
        table.add_row(
            str(row["version"]),
            row["id"],
            when,
            row["level"],
            f"{row['instrument']} {row['instrument_version']}",
        )
    out.print(table)


def show_plan(plan: dict[str, Any] | None, title: str) -> None:
    if plan is None:
        out.print("No safety plan saved for this case yet. Start one with: stalkproof safety-plan")
        return
    out.print(f"[bold]{escape(title)}[/] (version {plan['version']}, saved {plan['created_at'][:10]})")
    for section in plan["sections"]:
        body = "\n".join(f"• {escape(entry)}" for entry in section["entries"]) or "[dim](nothing yet)[/]"
        out.print(Panel(body, title=escape(section["title"]), title_align="left"))
