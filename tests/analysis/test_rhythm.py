"""The time-of-day and day-of-week profile, and night contact."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stalkproof.analysis.rhythm import at_night, clock, profile
from stalkproof.analysis.series import Series
from stalkproof.analysis.settings import NightWindow, PatternSettings, default_settings


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def with_night(start: str, end: str) -> PatternSettings:
    night = default_settings().night.model_copy(update={"start": start, "end": end})
    return default_settings().model_copy(update={"night": night})


# 2025-03-03 is a Monday.
WEEK_OF_CONTACT = Series.from_utc(
    [
        utc("2025-03-03T23:30:00"),  # Monday, 11:30pm
        utc("2025-03-03T23:45:00"),  # Monday, 11:45pm
        utc("2025-03-04T03:00:00"),  # Tuesday, 3am
        utc("2025-03-05T12:00:00"),  # Wednesday, noon
    ]
)


def test_grid_counts_each_weekday_and_hour() -> None:
    rhythm = profile(WEEK_OF_CONTACT)
    assert rhythm.grid.shape == (7, 24)
    assert (rhythm.grid[0, 23], rhythm.grid[1, 3], rhythm.grid[2, 12]) == (2, 1, 1)
    assert rhythm.total == 4
    assert rhythm.by_weekday.tolist() == [2, 1, 1, 0, 0, 0, 0]
    assert rhythm.busiest_hours == [23, 3, 12]
    assert rhythm.busiest_weekday == "Monday"


def test_night_share_and_summary() -> None:
    rhythm = profile(WEEK_OF_CONTACT)
    assert rhythm.night_count == 3 and rhythm.night_share == 0.75
    assert rhythm.describe() == (
        "75% of contact (3 of 4 times) came at night (10pm to 6am). "
        "The busiest hour was 11pm to midnight, and the busiest day Monday."
    )


def test_profile_uses_local_time() -> None:
    # 21:30 UTC is 10:30pm an hour ahead of UTC: night there, not in UTC.
    instant = [utc("2025-03-03T21:30:00")]
    assert profile(Series.from_utc(instant, offset_minutes=0)).night_count == 0
    assert profile(Series.from_utc(instant, offset_minutes=60)).night_count == 1


def test_night_edges() -> None:
    night = default_settings().night
    minutes = np.array([21 * 60 + 59, 22 * 60, 0, 5 * 60 + 59, 6 * 60], np.int16)
    assert at_night(minutes, night).tolist() == [False, True, True, True, False]


def test_a_night_window_that_does_not_cross_midnight() -> None:
    daytime = with_night("09:00", "17:00")
    assert at_night(
        np.array([8 * 60 + 59, 9 * 60, 16 * 60 + 59, 17 * 60], np.int16), daytime.night
    ).tolist() == [
        False,
        True,
        True,
        False,
    ]
    assert profile(WEEK_OF_CONTACT, daytime).night_count == 1
    assert "(9am to 5pm)" in profile(WEEK_OF_CONTACT, daytime).describe()


@pytest.mark.parametrize(
    ("minute", "text"),
    [(0, "midnight"), (12 * 60, "noon"), (22 * 60, "10pm"), (6 * 60 + 30, "6:30am"), (60, "1am")],
)
def test_clock_reads_plainly(minute: int, text: str) -> None:
    assert clock(minute) == text


def test_no_contact() -> None:
    rhythm = profile(Series.empty())
    assert rhythm.total == 0 and rhythm.night_share == 0.0
    assert rhythm.busiest_hours == [] and rhythm.busiest_weekday is None
    assert rhythm.describe() == "No contact is recorded yet."


def test_json_is_plain() -> None:
    data = profile(WEEK_OF_CONTACT).to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["night"] == {"from": "22:00", "to": "06:00", "count": 3, "share": 0.75}
    assert data["busiest_hours"][0] == {"hour": 23, "count": 2}
    assert len(data["grid"]) == 7 and all(len(row) == 24 for row in data["grid"])


def test_night_window_is_validated() -> None:
    with pytest.raises(ValueError, match="different start and end"):
        NightWindow(why="test", start="22:00", end="22:00")
    with pytest.raises(ValueError, match="should match pattern"):
        NightWindow(why="test", start="24:00", end="06:00")


@given(
    st.lists(st.integers(min_value=1_600_000_000, max_value=1_700_000_000), max_size=100),
    st.integers(min_value=-600, max_value=840),
)
def test_every_contact_is_counted_once(instants: list[int], offset: int) -> None:
    rhythm = profile(Series.from_utc(instants, offset))
    assert rhythm.total == len(instants)
    assert rhythm.by_hour.sum() == rhythm.by_weekday.sum() == len(instants)
    night_hours = [22, 23, 0, 1, 2, 3, 4, 5]
    assert rhythm.night_count == int(rhythm.by_hour[night_hours].sum())
