"""The charts page's content: the analysis's summary figures, and each chart with a text version (a short
description and the numbers it is drawn from), so nobody needs to see a picture to read it.

The pictures are the same ones `stalkproof analyse --charts` and the evidence pack draw (analysis/figures.py).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stalkproof.analysis import charts, figures
from stalkproof.analysis.course import Analysis, analyse_case
from stalkproof.vault.vault import Vault

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DataTable:
    caption: str
    headers: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    description: str
    image: str  # a data: URL of the SVG, so the page needs no second request and keeps nothing on disk
    tables: tuple[DataTable, ...]


@dataclass(frozen=True)
class Drawn:
    events: int
    summary: list[str]
    disclaimer: str
    period: str | None
    escalation: str
    behaviours: list[tuple[str, int]]
    channels: list[tuple[str, int]]
    four: list[dict[str, Any]]
    charts: list[Chart]


def draw(vault: Vault, case_id: str) -> Drawn:
    analysis = analyse_case(vault, case_id)
    data = analysis.to_json()
    persistence = data["persistence"]
    period = (
        f"{persistence['first_local_date']} to {persistence['last_local_date']}" if data["events"] else None
    )
    return Drawn(
        events=data["events"],
        summary=data["summary"],
        disclaimer=data["disclaimer"],
        period=period,
        escalation=analysis.escalation.describe(),
        behaviours=[(item["label"], item["events"]) for item in data["behaviours"]],
        channels=[
            (charts.CHANNEL_NAMES.get(u["channel"], u["channel"]), u["count"])
            for u in data["channels"]["used"]
        ],
        four=data["four"],
        charts=[
            _activity(analysis, data),
            _time_of_day(analysis, data),
            _channels(analysis, data),
            _accounts(analysis, data),
        ],
    )


def _image(figure: Any) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(charts.render(figure, "svg")).decode("ascii")


def _activity(analysis: Analysis, data: dict[str, Any]) -> Chart:
    weekly = data["rates"]["weekly"]
    rows = [(start, str(count)) for start, count in zip(weekly["starts"], weekly["counts"], strict=True)]
    return Chart(
        "activity",
        "Contact over time",
        f"{weekly['summary']} {analysis.escalation.describe()}",
        _image(figures.activity(analysis)),
        (DataTable("Contacts each week (weeks start on Monday)", ("Week from", "Contacts"), rows),),
    )


def _time_of_day(analysis: Analysis, data: dict[str, Any]) -> Chart:
    rhythm = data["time_of_day"]
    by_hour = [
        (f"{hour:02d}:00 to {(hour + 1) % 24:02d}:00", str(count))
        for hour, count in enumerate(rhythm["by_hour"])
    ]
    by_day = [(day, str(count)) for day, count in zip(WEEKDAYS, rhythm["by_weekday"], strict=True)]
    return Chart(
        "time-of-day",
        "When contact came (local time)",
        analysis.rhythm.describe(),
        _image(figures.time_of_day(analysis)),
        (
            DataTable("Contacts by hour of the day, all days together", ("Hour", "Contacts"), by_hour),
            DataTable("Contacts by day of the week", ("Day", "Contacts"), by_day),
        ),
    )


def _channels(analysis: Analysis, data: dict[str, Any]) -> Chart:
    used = data["channels"]["used"]
    rows = [
        (
            charts.CHANNEL_NAMES.get(item["channel"], item["channel"]),
            str(item["count"]),
            item["first"][:10],
            item["last"][:10],
        )
        for item in used
    ]
    return Chart(
        "channels",
        "Ways they made contact",
        analysis.channels.describe(),
        _image(figures.channels(analysis)),
        (DataTable("Contacts by way of contact", ("Way", "Contacts", "First", "Last"), rows),),
    )


def _accounts(analysis: Analysis, data: dict[str, Any]) -> Chart:
    rows = [
        (
            item["account"],
            item["owner"] or "",
            str(item["count"]),
            item["first"][:10] if item["first"] else "",
            item["last"][:10] if item["last"] else "",
            item["blocked_at"][:10] if item["blocked_at"] else "",
        )
        for item in data["accounts"]["accounts"]
    ]
    return Chart(
        "accounts",
        "Their accounts over time",
        analysis.accounts.describe(),
        _image(figures.accounts(analysis)),
        (
            DataTable(
                "Their accounts, with when each was used",
                ("Account", "Whose", "Contacts", "First", "Last", "You blocked it"),
                rows,
            ),
        ),
    )
