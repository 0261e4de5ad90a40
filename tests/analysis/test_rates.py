"""Counts per local day and week, the local calendar they rest on, and the trend over them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from stalkproof.analysis.rates import Counts, counts, iso_utc, local_days, to_date, trend, week_start
from stalkproof.analysis.series import DAY, Series


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def dates(days: np.ndarray) -> list[date]:
    return [to_date(int(day)) for day in days]


# --- the local calendar -------------------------------------------------------------------------------


def test_local_date_follows_the_offset_across_midnight() -> None:
    ahead = Series.from_utc([utc("2025-03-02T23:30:00")], offset_minutes=60)
    behind = Series.from_utc([utc("2025-03-03T03:00:00")], offset_minutes=-300)
    assert dates(local_days(ahead)) == [date(2025, 3, 3)]
    assert dates(local_days(behind)) == [date(2025, 3, 2)]


def test_local_date_uses_each_events_own_offset() -> None:
    # One event in summer time (+1h), one in winter time (+0), both just after local midnight.
    summer = Series.from_utc([utc("2025-06-30T23:10:00")], offset_minutes=60)
    winter = Series.from_utc([utc("2025-12-01T00:10:00")], offset_minutes=0)
    mixed = Series(
        np.concatenate([summer.at, winter.at]),
        np.concatenate([summer.local_weekday, winter.local_weekday]),
        np.concatenate([summer.local_minute, winter.local_minute]),
    )
    assert dates(local_days(mixed)) == [date(2025, 7, 1), date(2025, 12, 1)]


# Whole seconds: Series.from_utc can round a tiny negative instant to minute 1440 (reported upstream).
@given(
    st.lists(st.integers(min_value=-1_000_000_000, max_value=4_000_000_000), min_size=1, max_size=50),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_local_date_matches_the_offset_it_was_built_with(instants: list[int], offset: int) -> None:
    series = Series.from_utc(instants, offset_minutes=offset)
    expected = np.floor((series.at + offset * 60) / DAY).astype(np.int64)
    assert np.array_equal(local_days(series), expected)


def test_weeks_start_on_monday() -> None:
    sunday, monday = (date(2025, 3, 9) - date(1970, 1, 1)).days, (date(2025, 3, 10) - date(1970, 1, 1)).days
    assert dates(week_start(np.array([sunday, monday]))) == [date(2025, 3, 3), date(2025, 3, 10)]


def test_iso_times_are_utc_with_z() -> None:
    assert iso_utc(utc("2025-03-03T10:15:30")) == "2025-03-03T10:15:30Z"


# --- counts -------------------------------------------------------------------------------------------


def test_day_counts_are_zero_filled() -> None:
    series = Series.from_utc(
        [utc("2025-03-03T08:00:00"), utc("2025-03-03T21:00:00"), utc("2025-03-05T12:00:00")]
    )
    counted = counts(series, "day")
    assert dates(counted.starts) == [date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)]
    assert counted.counts.tolist() == [2, 0, 1]
    assert counted.days_observed.tolist() == [1, 1, 1]
    assert counted.total == 3


def test_week_counts_know_their_part_weeks() -> None:
    series = Series.from_utc([utc("2025-03-05T12:00:00"), utc("2025-03-18T12:00:00")])  # Wed, Tue
    counted = counts(series, "week")
    assert dates(counted.starts) == [date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17)]
    assert counted.counts.tolist() == [1, 0, 1]
    assert counted.days_observed.tolist() == [5, 7, 2]  # Wed-Sun, a whole week, Mon-Tue


def test_counts_json_and_summary() -> None:
    series = Series.from_utc([utc("2025-03-05T12:00:00")] * 3 + [utc("2025-03-18T12:00:00")])
    data = counts(series, "week").to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["starts"] == ["2025-03-03", "2025-03-10", "2025-03-17"]
    assert data["first"] == "2025-03-05" and data["last"] == "2025-03-18"
    assert data["summary"].startswith("From 5 March 2025 to 18 March 2025 there were 4 contacts")
    assert "The busiest week (from 3 March 2025) had 3." in data["summary"]


def test_short_records_give_no_weekly_rate() -> None:
    one_day = Series.from_utc([utc("2025-03-05T12:00:00")] * 2)
    assert counts(one_day, "day").describe() == "On 5 March 2025 there were 2 contacts."
    few_days = Series.from_utc([utc("2025-03-05T12:00:00"), utc("2025-03-07T12:00:00")])
    assert counts(few_days, "day").describe() == (
        "From 5 March 2025 to 7 March 2025 there were 2 contacts. The busiest day (5 March 2025) had 1."
    )


@pytest.mark.parametrize("period", ["day", "week"])
def test_no_contact_gives_empty_counts(period: str) -> None:
    counted = counts(Series.empty(), period)  # type: ignore[arg-type]
    assert counted.total == 0 and len(counted.counts) == 0
    assert counted.to_json()["summary"] == "No contact is recorded yet."


@settings(max_examples=60)
@given(
    st.lists(st.floats(min_value=1.6e9, max_value=1.7e9, allow_nan=False), max_size=80),
    st.integers(min_value=-600, max_value=840),
    st.sampled_from(["day", "week"]),
)
def test_counts_add_up_and_cover_every_period(instants: list[float], offset: int, period: str) -> None:
    counted = counts(Series.from_utc(instants, offset), period)  # type: ignore[arg-type]
    step = 1 if period == "day" else 7
    assert counted.total == len(instants)
    assert np.all(np.diff(counted.starts) == step)
    assert np.all((counted.days_observed >= 1) & (counted.days_observed <= step))
    if instants:
        assert counted.counts[0] > 0 and counted.counts[-1] > 0
        assert counted.days_observed.sum() == counted.last_day - counted.first_day + 1  # type: ignore[operator]


# --- trend --------------------------------------------------------------------------------------------


def weekly(values: list[int], first_week_days: int = 7, last_week_days: int = 7) -> Counts:
    size = len(values)
    observed = np.full(size, 7, np.int64)
    observed[0], observed[-1] = first_week_days, last_week_days
    starts = 20_000 + 7 * np.arange(size, dtype=np.int64)
    return Counts("week", starts, np.array(values, np.int64), observed, 20_000, int(starts[-1]) + 6)


def test_steady_growth_is_measured() -> None:
    result = trend(weekly([round(100 * 1.1**week) for week in range(20)]))
    assert result.status == "rising"
    assert result.change_percent == pytest.approx(10, abs=0.5)
    assert result.ci95 is not None and result.ci95[0] < 10 < result.ci95[1]
    assert "going up by about 10% a week" in result.describe()


def test_decline_is_falling_and_flat_is_steady() -> None:
    assert trend(weekly([round(200 * 0.85**week) for week in range(15)])).status == "falling"
    flat = trend(weekly([10] * 12))
    assert flat.status == "steady"
    assert flat.change_percent == pytest.approx(0, abs=1e-6)
    assert (
        flat.describe() == "There is no clear upward or downward trend in contact from one week to the next."
    )


def test_bursty_counts_widen_the_interval() -> None:
    calm = trend(weekly([10, 12, 9, 11, 10, 13, 12, 11, 14, 13]))
    bursty = trend(weekly([0, 40, 0, 2, 30, 0, 45, 1, 0, 50]))
    assert calm.dispersion == pytest.approx(1.0)
    assert bursty.dispersion is not None and bursty.dispersion > 10
    assert bursty.status == "steady"


def test_slope_is_the_poisson_maximum_likelihood() -> None:
    rng = np.random.default_rng(7)
    values = rng.poisson(np.linspace(3, 12, 16)).tolist()
    values[0] = max(values[0], 1)
    counted = weekly(values, first_week_days=3, last_week_days=5)
    exposure = counted.days_observed / 7
    time = np.arange(16) - 7.5

    def negative_log_likelihood(beta: np.ndarray) -> float:
        mean = exposure * np.exp(beta[0] + beta[1] * time)
        return float(np.sum(mean - counted.counts * np.log(mean)))

    best = optimize.minimize(negative_log_likelihood, np.zeros(2), method="Nelder-Mead", tol=1e-12)
    result = trend(counted)
    assert result.change_percent == pytest.approx(100 * np.expm1(best.x[1]), abs=1e-3)


def test_short_history_makes_no_trend_claim() -> None:
    result = trend(weekly([3, 9, 27]))
    assert result.status == "not_enough_history" and result.p_value is None
    assert result.describe() == "There is not yet enough history to see a trend (3 weeks so far)."
    assert trend(counts(Series.empty())).status == "not_enough_history"


def test_trend_json_is_plain() -> None:
    data = trend(weekly([5, 6, 8, 9, 12, 15, 16, 20])).to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["method"].startswith("Quasi-Poisson regression")
    assert set(data) >= {"status", "change_percent_per_period", "ci95", "p_value", "alpha", "summary"}
