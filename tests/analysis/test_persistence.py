"""How long contact has gone on: span, active days and weeks, and the longest quiet spell."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stalkproof.analysis.persistence import persistence
from stalkproof.analysis.rates import to_date
from stalkproof.analysis.series import DAY, Series


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


SPRING = Series.from_utc(
    [
        utc("2025-03-03T10:00:00"),
        utc("2025-03-03T12:00:00"),
        utc("2025-03-10T09:00:00"),
        utc("2025-04-01T08:00:00"),
    ]
)


def test_span_days_and_weeks() -> None:
    result = persistence(SPRING)
    assert result.total == 4
    assert result.first == utc("2025-03-03T10:00:00") and result.last == utc("2025-04-01T08:00:00")
    assert result.duration_days == pytest.approx(28 + 22 / 24)
    assert result.active_days == 3
    # Weeks from 3 March to the week of 31 March: five, of which three had contact.
    assert (result.weeks_with_contact, result.weeks_spanned) == (3, 5)


def test_longest_gap() -> None:
    gap = persistence(SPRING).longest_gap
    assert gap is not None
    assert (gap.start, gap.end) == (utc("2025-03-10T09:00:00"), utc("2025-04-01T08:00:00"))
    assert gap.days == pytest.approx(21 + 23 / 24)
    assert (to_date(gap.start_day), to_date(gap.end_day)) == (date(2025, 3, 10), date(2025, 4, 1))


def test_summary_reads_plainly() -> None:
    assert persistence(SPRING).describe() == (
        "Contact has gone on for 4 weeks, from 3 March 2025 to 1 April 2025, on 3 different days "
        "(in 3 of 5 weeks). The longest quiet spell was 3 weeks, from 10 March 2025 to 1 April 2025."
    )


def test_days_are_local() -> None:
    # 23:30 UTC on Sunday 9 March is Monday 10 March an hour ahead: a new day and a new week.
    series = Series.from_utc([utc("2025-03-09T10:00:00"), utc("2025-03-09T23:30:00")], offset_minutes=60)
    result = persistence(series)
    assert (result.active_days, result.weeks_with_contact, result.weeks_spanned) == (2, 2, 2)
    assert result.to_json()["last_local_date"] == "2025-03-10"


def test_no_contact_one_contact_one_day() -> None:
    assert persistence(Series.empty()).describe() == "No contact is recorded yet."
    assert persistence(Series.empty()).to_json()["first"] is None
    single = persistence(Series.from_utc([utc("2025-03-03T10:00:00")]))
    assert single.longest_gap is None and single.duration_days == 0.0
    assert single.describe() == "There is one recorded contact, on 3 March 2025."
    same_day = persistence(Series.from_utc([utc("2025-03-03T10:00:00"), utc("2025-03-03T11:00:00")]))
    assert same_day.describe() == "All 2 contacts came on one day, 3 March 2025."


def test_json_is_plain() -> None:
    data = persistence(SPRING).to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["first"] == "2025-03-03T10:00:00Z" and data["first_local_date"] == "2025-03-03"
    assert data["longest_gap"]["from_local_date"] == "2025-03-10"


@given(
    st.lists(st.integers(min_value=1_600_000_000, max_value=1_610_000_000), min_size=2, max_size=80),
    st.integers(min_value=-600, max_value=840),
)
def test_counts_are_consistent(instants: list[int], offset: int) -> None:
    series = Series.from_utc(instants, offset)
    result = persistence(series)
    local = np.floor((series.at + offset * 60) / DAY)
    assert result.active_days == len(np.unique(local))
    assert result.weeks_with_contact <= result.weeks_spanned
    assert result.active_days <= 7 * result.weeks_with_contact
    assert result.longest_gap is not None
    assert result.longest_gap.end - result.longest_gap.start == np.max(np.diff(series.at))
