"""The escalation test on timelines whose truth is known, and the settings file its thresholds come from."""

from __future__ import annotations

import json
from math import comb
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

from stalkproof.analysis.escalation import Escalation, change_point, escalation, rate_ratio_test
from stalkproof.analysis.series import DAY, WEEK, Series
from stalkproof.analysis.settings import PatternSettings, default_settings, load_settings
from stalkproof.analysis.timefmt import plain_date
from stalkproof.errors import InputError

START = 1_735_689_600.0  # 2025-01-01T00:00:00Z


def poisson(rng: np.random.Generator, per_week: float, start_week: float, end_week: float) -> np.ndarray:
    """A homogeneous Poisson process on [start_week, end_week), as UTC seconds."""
    length = (end_week - start_week) * WEEK
    count = rng.poisson(per_week * (end_week - start_week))
    return START + start_week * WEEK + np.sort(rng.random(count)) * length


def timeline(*pieces: np.ndarray) -> Series:
    return Series.from_utc(np.concatenate(pieces))


def with_escalation(**changes: float) -> PatternSettings:
    rule = default_settings().escalation.model_copy(update=changes)
    return default_settings().model_copy(update={"escalation": rule})


# --- the exact test -----------------------------------------------------------------------------------


def test_equal_counts_over_equal_times_is_no_rise() -> None:
    p_value, ratio, interval = rate_ratio_test(10, 10, 28.0, 28.0)
    assert p_value == pytest.approx(sum(comb(20, k) for k in range(10, 21)) / 2**20)
    assert ratio == pytest.approx(1.0)
    assert interval is not None and interval[0] < 1 < interval[1]


def test_rate_ratio_allows_for_window_lengths() -> None:
    # 12 in 4 weeks against 24 in 24 weeks: three times the earlier weekly rate.
    p_value, ratio, interval = rate_ratio_test(12, 24, 28.0, 168.0)
    assert ratio == pytest.approx(3.0)
    # Clopper-Pearson bounds on the recent share 12/36, as odds, scaled by the 168/28 time ratio.
    low, high = stats.beta.ppf(0.025, 12, 25), stats.beta.ppf(0.975, 13, 24)
    assert interval == pytest.approx((low / (1 - low) * 6, high / (1 - high) * 6))
    assert p_value == pytest.approx(stats.binom.sf(11, 36, 1 / 7))


def test_no_counted_contact_gives_no_ratio() -> None:
    assert rate_ratio_test(0, 0, 28.0, 28.0) == (1.0, None, None)


# --- timelines with a known answer --------------------------------------------------------------------


def test_a_step_up_is_escalation_and_the_change_point_is_near_it() -> None:
    errors_in_days, escalating = [], 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        result = escalation(timeline(poisson(rng, 2, 0, 20), poisson(rng, 8, 20, 26)))
        escalating += result.escalating
        assert result.change_point is not None and result.change_point.direction == "up"
        errors_in_days.append(abs(result.change_point.at - (START + 20 * WEEK)) / DAY)
    assert escalating >= 18
    assert np.median(errors_in_days) <= 7
    assert max(errors_in_days) <= 28


def test_the_escalating_summary_reads_plainly() -> None:
    rng = np.random.default_rng(3)
    result = escalation(timeline(poisson(rng, 2, 0, 20), poisson(rng, 10, 20, 26)))
    assert result.escalating and result.recent is not None
    until = plain_date(result.recent.end)
    assert result.describe().startswith(
        f"Contact has gone up: {result.recent.count} times in the 4 weeks up to {until} against about "
    )
    assert result.confidence == "strong evidence of a rise (p < 0.001)"


def test_a_decrease_is_not_escalation() -> None:
    rng = np.random.default_rng(11)
    result = escalation(timeline(poisson(rng, 8, 0, 20), poisson(rng, 2, 20, 26)))
    assert result.status == "not_escalating"
    assert result.rate_ratio is not None and result.rate_ratio < 1
    assert result.change_point is not None and result.change_point.direction == "down"
    assert "does not by itself mean the risk has gone down" in result.describe()


def test_steady_contact_is_rarely_called_escalation() -> None:
    """200 flat timelines, varied in rate and length: false escalation at most at the 5% level."""
    rng = np.random.default_rng(2026)
    results = [
        escalation(timeline(poisson(rng, rng.uniform(0.5, 30), 0, rng.uniform(6, 80)))) for _ in range(200)
    ]
    tested = [result for result in results if result.status != "not_enough_history"]
    assert len(tested) >= 150
    assert sum(result.escalating for result in results) / len(results) <= 0.05
    # The test on its own, without the size threshold, keeps to its level too.
    significant = [result for result in tested if result.p_value is not None and result.p_value < 0.05]
    assert len(significant) / len(tested) <= 0.05


def test_a_small_rise_is_not_overstated() -> None:
    # A large, steady record whose last weeks are 20% busier: clear, but below the 1.5x threshold.
    rng = np.random.default_rng(5)
    result = escalation(timeline(poisson(rng, 100, 0, 40), poisson(rng, 120, 40, 44)))
    assert result.p_value is not None and result.p_value < 0.05
    assert not result.escalating
    assert "but by less than 1.5 times" in result.describe()


def test_thresholds_come_from_settings() -> None:
    rng = np.random.default_rng(3)
    series = timeline(poisson(rng, 2, 0, 20), poisson(rng, 10, 20, 26))
    assert escalation(series).escalating
    assert not escalation(series, settings=with_escalation(min_rate_ratio=50.0)).escalating


def test_first_and_last_contact_only_mark_the_span() -> None:
    # Contact on day 0 (start), then 5 in the earlier 28 days, then 9 in the last 28 days ending at day 56.
    days = [0.0, 3, 8, 13, 19, 25, 29, 31, 35, 38, 41, 45, 49, 52, 54, 56]
    result = escalation(Series.from_utc(START + np.array(days) * DAY))
    assert result.recent is not None and result.baseline is not None
    assert (result.baseline.count, result.recent.count) == (6, 10)
    assert result.p_value == pytest.approx(rate_ratio_test(9, 5, 28.0, 28.0)[0])


def test_no_contact_before_the_window_gives_an_open_ratio() -> None:
    days = [0.0, *np.linspace(30, 57, 30)]
    result = escalation(Series.from_utc(START + np.array(days) * DAY))
    assert result.escalating
    data = result.to_json()
    assert data["rate_ratio"] is None and data["ci95"][1] is None and data["ci95"][0] > 1.5


def test_now_closes_the_window_and_ignores_later_contact() -> None:
    rng = np.random.default_rng(8)
    events = poisson(rng, 3, 0, 20)
    later = START + 40 * WEEK
    result = escalation(Series.from_utc(np.append(events, later + DAY)), now=later)
    assert result.recent is not None and result.recent.count == 0
    assert result.status == "not_escalating"
    expected = f"Contact was not higher than before (no contact in the 4 weeks up to {plain_date(later)}"
    assert result.describe().startswith(expected)


# --- not enough to say --------------------------------------------------------------------------------


def test_no_contact() -> None:
    result = escalation(Series.empty())
    assert result.status == "no_contact" and not result.escalating
    assert result.to_json()["summary"] == "No contact is recorded yet, so there is nothing to compare."


@pytest.mark.parametrize("days", [[0.0], [0.0, 10, 20, 30, 40, 50], list(np.linspace(0, 55.9, 200))])
def test_short_history_makes_no_claim(days: list[float]) -> None:
    result = escalation(Series.from_utc(START + np.array(days) * DAY))
    assert result.status == "not_enough_history"
    assert result.p_value is None and not result.escalating
    assert result.describe().startswith("There is not yet enough history to tell whether contact is going up")
    assert result.to_json()["confidence"] == "no test: not enough history"


def test_json_is_plain_and_complete() -> None:
    rng = np.random.default_rng(3)
    data = escalation(timeline(poisson(rng, 2, 0, 20), poisson(rng, 8, 20, 26))).to_json()
    assert json.loads(json.dumps(data)) == data
    expected = {"method", "alpha", "p_value", "rate_ratio", "ci95", "recent", "baseline", "escalating"}
    assert set(data) >= expected | {"change_point", "confidence", "summary", "status"}
    assert set(data["recent"]) == {"from", "to", "days", "count", "per_week"}
    assert data["recent"]["to"].endswith("Z") and data["change_point"]["at"].endswith("Z")
    assert "binomial test" in data["method"]


# --- the change point ---------------------------------------------------------------------------------


def test_change_point_is_the_maximum_likelihood_split() -> None:
    rng = np.random.default_rng(4)
    times = np.concatenate([poisson(rng, 3, 0, 10), poisson(rng, 9, 10, 16)])
    start, end = START, START + 16 * WEEK
    found = change_point(times, start, end, default_settings().escalation.change_point)
    assert found is not None

    def split_likelihood(cut: float) -> float:
        before = np.count_nonzero(times < cut)
        after = len(times) - before
        split = special.xlogy(before, before / (cut - start)) + special.xlogy(after, after / (end - cut))
        return float(split - special.xlogy(len(times), len(times) / (end - start)))

    margin = 14 * DAY
    grid = np.linspace(start + margin, end - margin, 20_001)
    assert found.log_likelihood_ratio >= max(split_likelihood(cut) for cut in grid) - 1e-9
    assert found.log_likelihood_ratio == pytest.approx(split_likelihood(found.at + 1e-6), abs=1e-6) or (
        found.log_likelihood_ratio == pytest.approx(split_likelihood(found.at - 1e-6), abs=1e-6)
    )
    assert found.p_value < 0.05


def test_change_point_needs_room_on_both_sides() -> None:
    rule = default_settings().escalation.change_point
    assert change_point(np.array([START + DAY]), START, START + 20 * DAY, rule) is None
    assert change_point(np.empty(0), START, START + 100 * DAY, rule) is None


# --- the settings file --------------------------------------------------------------------------------


def test_settings_file_is_reviewed_data() -> None:
    loaded = default_settings()
    assert loaded.version and loaded.reviewed and loaded.licence and loaded.source
    assert loaded.escalation.alpha == 0.05 and loaded.escalation.recent_days == 28
    assert (loaded.night.start_minute, loaded.night.end_minute) == (22 * 60, 6 * 60)


def test_a_bad_settings_file_names_the_line(tmp_path: Path) -> None:
    text = Path("src/stalkproof/analysis/settings.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "settings.yaml"
    broken.write_text(text.replace("min_rate_ratio: 1.5", "min_rate_ratio: 0.5"), encoding="utf-8")
    with pytest.raises(InputError, match=r"line \d+: 'escalation.min_rate_ratio'"):
        load_settings(broken)
    broken.write_text(text.replace('end: "06:00"', 'end: "22:00"'), encoding="utf-8")
    with pytest.raises(InputError, match="different start and end"):
        load_settings(broken)


def test_escalation_result_is_frozen() -> None:
    result: Escalation = escalation(Series.empty())
    with pytest.raises(AttributeError):
        result.status = "escalating"  # type: ignore[misc]
