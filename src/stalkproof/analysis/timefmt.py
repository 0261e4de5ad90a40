"""Times in analysis output: ISO 8601 UTC text, the same form the vault stores."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(seconds: float) -> str:
    """UTC seconds since 1970 as '2026-03-01T15:20:00Z'."""
    return datetime.fromtimestamp(float(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plain_date(seconds: float) -> str:
    """'5 January 2026', as people write dates (UTC date)."""
    moment = datetime.fromtimestamp(float(seconds), UTC)
    return f"{moment.day} {moment:%B %Y}"
