"""How a digital check's report reads on a terminal: the verdict first, the safety note before any finding
that could tempt someone to remove something, then each finding with why it fired and what it means."""

from __future__ import annotations

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from stalkproof.cli.common import out
from stalkproof.digital.findings import Alert, CheckReport, Verdict

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "informational": "dim"}


def show_report(report: CheckReport, verdict: Verdict | None = None) -> None:
    """`verdict` replaces the report's own where a check words its verdict itself (accounts)."""
    verdict = verdict or report.verdict()
    out.print(Panel(f"[bold]{escape(verdict.headline)}[/bold]\n\n{escape(verdict.how_sure)}", expand=False))
    if verdict.safety:
        out.print(Panel(escape(verdict.safety), title="Before you change anything", border_style="red"))
    for alert in report.sorted_alerts():
        out.print(_alert_panel(alert))
    if report.checked:
        out.print("[bold]What was checked[/bold]")
        for item in report.checked:
            out.print(f"  • {escape(item)}")
    out.print("[bold]What was not checked[/bold]")
    for item in verdict.not_checked:
        out.print(f"  • {escape(item)}")
    out.print(f"[bold]Next step:[/bold] {escape(verdict.next_step)}")
    if report.indicator_sources:
        out.print(f"[dim]Indicator lists: {escape(', '.join(report.indicator_sources))}[/dim]")


def _alert_panel(alert: Alert) -> Panel:
    lines = [f"[bold]{escape(alert.message)}[/bold]", "", f"Why: {escape(alert.why)}"]
    lines.append(f"What it may mean: {escape(alert.meaning)}")
    if alert.matched_indicator:
        matched = alert.matched_indicator
        lines.append(f"[dim]Matched {matched.type} {escape(matched.value)} ({escape(matched.source)})[/dim]")
    style = _STYLE.get(alert.level, "")
    return Panel("\n".join(lines), title=f"[{style}]{alert.level}[/{style}] · {alert.module}", expand=False)


def alerts_table(report: CheckReport) -> Table:
    table = Table("level", "module", "finding")
    for alert in report.sorted_alerts():
        table.add_row(alert.level, alert.module, alert.message)
    return table
