"""Bursts of rapid contact: found exactly, never overlapping, each as long as it can be."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from stalkproof.analysis.bursts import Burst, bursts, summarise
from stalkproof.analysis.series import Series
from stalkproof.analysis.settings import PatternSettings, default_settings

START = 1_741_000_000.0  # 2025-03-03T11:06:40Z, a Monday


def at_minutes(*minutes: float, ids: bool = False) -> Series:
    series = Series.from_utc(START + np.array(minutes, dtype=np.float64) * 60)
    names = [f"event-{index}" for index in range(len(minutes))] if ids else []
    return Series(series.at, series.local_weekday, series.local_minute, names)


def with_rule(min_events: int, max_gap_minutes: float) -> PatternSettings:
    rule = default_settings().bursts.model_copy(
        update={"min_events": min_events, "max_gap_minutes": max_gap_minutes}
    )
    return default_settings().model_copy(update={"bursts": rule})


def test_five_quick_contacts_are_a_burst() -> None:
    found = bursts(at_minutes(0, 5, 10, 15, 20))
    assert [(burst.count, burst.first_index, burst.minutes) for burst in found] == [(5, 0, 20.0)]


def test_a_gap_of_exactly_the_limit_still_joins() -> None:
    assert len(bursts(at_minutes(0, 10, 20, 30, 40))) == 1
    assert bursts(at_minutes(0, 10, 20, 30, 40.5)) == []  # the fifth is too late: only four remain


def test_separate_bursts_and_stragglers() -> None:
    minutes = [0, 1, 2, 3, 4, 60, 200, 201, 202, 203, 204, 205, 206, 500]
    found = bursts(at_minutes(*minutes, ids=True))
    assert [(burst.first_index, burst.count) for burst in found] == [(0, 5), (6, 7)]
    assert found[1].event_ids == tuple(f"event-{index}" for index in range(6, 13))
    summary = summarise(found, len(minutes))
    assert (summary.bursts, summary.events_in_bursts) == (2, 12)
    assert summary.largest == found[1]


def test_summary_reads_plainly() -> None:
    found = bursts(at_minutes(0, 1, 2, 3, 4, 60, 200, 201, 202, 203, 204, 205, 206, 500))
    assert summarise(found, 14).describe() == (
        "There were 2 bursts of rapid contact (5 or more contacts, each within 10 minutes of the one "
        "before), 12 contacts in all. The largest was 7 contacts in 6 minutes, on 3 March 2025."
    )
    assert summarise([], 3).describe() == (
        "There were no bursts of rapid contact "
        "(5 or more contacts, each within 10 minutes of the one before)."
    )


def test_rule_comes_from_settings() -> None:
    series = at_minutes(0, 20, 40)
    assert bursts(series) == []
    assert [burst.count for burst in bursts(series, with_rule(3, 30))] == [3]


def test_empty_and_single() -> None:
    assert bursts(Series.empty()) == []
    assert bursts(at_minutes(0)) == []
    assert summarise([], 0).to_json()["share_of_events"] == 0.0


def test_json_is_plain() -> None:
    found = bursts(at_minutes(0, 1, 2, 3, 4, ids=True))
    data = summarise(found, 5).to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["largest"]["start"] == "2025-03-03T11:06:40Z"
    assert data["largest"]["local_date"] == "2025-03-03"
    assert data["largest"]["event_ids"] == [f"event-{index}" for index in range(5)]
    assert data["share_of_events"] == 1.0


def reference_bursts(at: list[float], min_events: int, max_gap: float) -> list[tuple[int, int]]:
    """The obvious loop, to check the array version against."""
    runs, first = [], 0
    for index in range(1, len(at) + 1):
        if index == len(at) or at[index] - at[index - 1] > max_gap:
            if index - first >= min_events:
                runs.append((first, index - 1))
            first = index
    return runs


@given(
    st.lists(st.floats(min_value=0, max_value=600, allow_nan=False), max_size=80),
    st.integers(min_value=2, max_value=6),
    st.floats(min_value=0.5, max_value=30),
)
def test_bursts_are_maximal_and_never_overlap(minutes: list[float], min_events: int, max_gap: float) -> None:
    series = at_minutes(*minutes)
    found: list[Burst] = bursts(series, with_rule(min_events, max_gap))
    at = series.at.tolist()
    lasts = [burst.first_index + burst.count - 1 for burst in found]
    assert [(burst.first_index, last) for burst, last in zip(found, lasts, strict=True)] == reference_bursts(
        at, min_events, max_gap * 60
    )
    for burst, last in zip(found, lasts, strict=True):
        assert burst.count >= min_events
        assert np.all(np.diff(series.at[burst.first_index : last + 1]) <= max_gap * 60)
    for earlier_last, later in zip(lasts, found[1:], strict=False):
        assert earlier_last < later.first_index
