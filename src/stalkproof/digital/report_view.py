"""A digital check's report in the order a person should read it, for every way of showing it (the
terminal, the web page): the verdict first, the safety note before any finding that could tempt someone
to remove something, each finding most serious first, then what was and was not checked and the next step.

Only the order and the choice of parts live here; how each part looks is the caller's business.
"""

from __future__ import annotations

from dataclasses import dataclass

from stalkproof.digital.findings import Alert, CheckReport, Verdict


@dataclass(frozen=True)
class ReportView:
    """`safety` is None unless a finding could tempt someone to remove something; when it is set it must be
    shown before `alerts`."""

    headline: str
    how_sure: str
    safety: str | None
    alerts: tuple[Alert, ...]
    checked: tuple[str, ...]
    not_checked: tuple[str, ...]
    next_step: str
    indicator_sources: tuple[str, ...]


def report_view(report: CheckReport, verdict: Verdict | None = None) -> ReportView:
    """`verdict` replaces the report's own where a check words its verdict itself (accounts)."""
    verdict = verdict or report.verdict()
    return ReportView(
        headline=verdict.headline,
        how_sure=verdict.how_sure,
        safety=verdict.safety,
        alerts=tuple(report.sorted_alerts()),
        checked=tuple(report.checked),
        not_checked=verdict.not_checked,
        next_step=verdict.next_step,
        indicator_sources=tuple(report.indicator_sources),
    )
