"""The one place that reads the clock, so every record states time the same way."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_iso(moment: datetime) -> str:
    """UTC, microseconds, 'Z': sorts as text the same way it sorts in time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    return utc_iso(datetime.now(UTC))
