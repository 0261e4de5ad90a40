"""How a digital check's report reads on a terminal: the verdict first, the safety note before any finding
that could tempt someone to remove something, then each finding with why it fired and what it means."""

from __future__ import annotations

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from stalkproof.cli.common import out
from stalkproof.digital.findings import Alert, CheckReport, Verdict
from stalkproof.digital.report_view import report_view

_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "informational": "dim"}


def show_report(report: CheckReport, verdict: Verdict | None = None) -> None:
    """`verdict` replaces the report's own where a check words its verdict itself (accounts)."""
    view = report_view(report, verdict)
    out.print(Panel(f"[bold]{escape(view.headline)}[/bold]\n\n{escape(view.how_sure)}", expand=False))
    if view.safety:
        out.print(Panel(escape(view.safety), title="Before you change anything", border_style="red"))
    for alert in view.alerts:
        out.print(_alert_panel(alert))
    if view.checked:
        out.print("[bold]What was checked[/bold]")
        for item in view.checked:
            out.print(f"  • {escape(item)}")
    out.print("[bold]What was not checked[/bold]")
    for item in view.not_checked:
        out.print(f"  • {escape(item)}")
    out.print(f"[bold]Next step:[/bold] {escape(view.next_step)}")
    if view.indicator_sources:
        out.print(f"[dim]Indicator lists: {escape(', '.join(view.indicator_sources))}[/dim]")


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
