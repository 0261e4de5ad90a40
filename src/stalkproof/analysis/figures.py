"""The four charts of an analysis (activity, time of day, channels, accounts), drawn from `Analysis`.

charts.py draws from plain data; this module is the one place that turns an analysis into that data, so
the report, the web app and `analyse --charts` show the same pictures.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from stalkproof.analysis import charts
from stalkproof.analysis.course import Analysis
from stalkproof.analysis.rates import local_days, to_date, week_start

CHART_NAMES = ("activity", "time-of-day", "channels", "accounts")


def activity(analysis: Analysis) -> Figure:
    daily = analysis.daily
    days = [to_date(int(day)) for day in daily.starts]
    escalation = analysis.escalation
    point = escalation.change_point
    return charts.activity_chart(
        days,
        [int(count) for count in daily.counts],
        change_point=_date(point.at) if point else None,
        change_note=point.describe() if point else None,
        recent_from=_date(escalation.recent.start) if escalation.recent and escalation.baseline else None,
        recent_label=f"Last {escalation.recent_days} days (tested for escalation)",
        title="Contact over time",
    )


def time_of_day(analysis: Analysis) -> Figure:
    night = analysis.rhythm.night
    grid = [[int(count) for count in row] for row in analysis.rhythm.grid]
    return charts.time_of_day_heatmap(
        grid, night=(night.start_minute // 60, night.end_minute // 60), title="When contact came (local time)"
    )


def channels(analysis: Analysis) -> Figure:
    case = analysis.case
    # As in channels.py: a diary entry naming no app is not a way they made contact.
    chosen = analysis.conduct & ~case.on_channel("diary")
    indexes = np.flatnonzero(chosen)
    series = case.series(chosen)
    weeks = week_start(local_days(series)) if len(series) else np.empty(0, np.int64)
    if not len(weeks):
        return charts.channels_over_time([], {}, title="Ways they made contact, by week")
    first = int(weeks.min())
    slots = (weeks - first) // 7
    periods = [to_date(first + 7 * slot) for slot in range(int(slots.max()) + 1)]
    per_channel: dict[str, list[int]] = {}
    codes = case.channel[indexes]
    for code in np.unique(codes):
        counted = np.bincount(slots[codes == code], minlength=len(periods))
        per_channel[case.channels[int(code)]] = [int(count) for count in counted]
    return charts.channels_over_time(periods, per_channel, title="Ways they made contact, by week")


def accounts(analysis: Analysis) -> Figure:
    case = analysis.case
    spans = [
        charts.AccountSpan(
            label=case.accounts[span.account].label,
            channel=case.accounts[span.account].platform,
            first=_datetime(span.first),
            last=_datetime(span.last),
            count=span.count,
            blocked_at=_datetime(span.blocked_at) if span.blocked_at is not None else None,
            is_new_after_block=span.after_block is not None,
        )
        for span in analysis.accounts.spans
    ]
    return charts.accounts_over_time(spans, title="Their accounts over time")


def write_charts(analysis: Analysis, folder: Path, formats: Sequence[str] = charts.FORMATS) -> list[Path]:
    """All four charts as files in `folder` (created if needed); returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, draw in zip(CHART_NAMES, (activity, time_of_day, channels, accounts), strict=True):
        written += charts.save(draw(analysis), folder / name, formats)
    return written


def _datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), UTC)


def _date(seconds: float) -> date:
    return (datetime(1970, 1, 1) + timedelta(seconds=float(seconds))).date()
