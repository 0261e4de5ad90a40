"""EpochClock gives exactly the plain sum EPOCH + timedelta(...), cached hours or not, and the same
OverflowError out of range."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stalkproof.ingest.epoch import EpochClock

COUNTS = st.integers(-(10**17), 10**17) | st.sampled_from([0, -1, 59, 3599, 3600, -3600, -3601, 999, 1000])


def _check(read: Callable[[int], datetime], count: int, unit: str) -> None:
    try:
        expected: datetime | None = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(**{unit: count})
    except OverflowError:
        expected = None
    for _ in range(2):  # the second time from the cached start of the hour
        if expected is None:
            with pytest.raises(OverflowError):
                read(count)
        else:
            assert read(count) == expected


@given(COUNTS)
def test_seconds_are_exactly_the_plain_sum(count: int) -> None:
    _check(EpochClock().seconds, count, "seconds")


@given(COUNTS)
def test_milliseconds_are_exactly_the_plain_sum(count: int) -> None:
    _check(EpochClock().milliseconds, count, "milliseconds")


def test_many_hours_are_forgotten_all_at_once_and_still_right() -> None:
    clock = EpochClock()
    for hour in range(10_000):
        assert clock.seconds(hour * 3600 + 7) == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
            seconds=hour * 3600 + 7
        )
    assert len(clock._hours) <= 4097
