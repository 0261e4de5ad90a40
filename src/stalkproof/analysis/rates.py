"""How often contact came: counts per local day or week, and whether they trend up or down.

Days are the person's local calendar days. A `Series` has no date column, but each event's local weekday
and minute of the day, set against its UTC instant, fix its offset from UTC to within a week; real offsets
are within a day, so the nearest one is the event's own, and its local date follows exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from stalkproof.analysis.series import Series
from stalkproof.analysis.settings import PatternSettings, default_settings

Period = Literal["day", "week"]
Days = npt.NDArray[np.int64]

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
EPOCH = date(1970, 1, 1)
EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday
PERIOD_DAYS: dict[Period, int] = {"day": 1, "week": 7}


# --- the local calendar, shared by the other measures ------------------------------------------------


def local_minutes(series: Series) -> Days:
    """Minutes since 1970-01-01 00:00 on the local clock, one per event."""
    utc = np.floor(series.at / 60.0).astype(np.int64)
    local_in_week = series.local_weekday.astype(np.int64) * MINUTES_PER_DAY + series.local_minute
    utc_in_week = (utc + EPOCH_WEEKDAY * MINUTES_PER_DAY) % MINUTES_PER_WEEK
    offset = (local_in_week - utc_in_week) % MINUTES_PER_WEEK
    # The offset is only known modulo a week; the one nearest zero is the real one.
    offset = np.where(offset >= MINUTES_PER_WEEK // 2, offset - MINUTES_PER_WEEK, offset)
    return utc + offset


def local_days(series: Series) -> Days:
    """Local calendar day of each event, as days since 1970-01-01."""
    return local_minutes(series) // MINUTES_PER_DAY


def week_start(days: Days) -> Days:
    """The Monday on or before each day."""
    return days - (days + EPOCH_WEEKDAY) % 7


def iso_utc(seconds: float) -> str:
    return datetime.fromtimestamp(int(np.floor(seconds)), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_date(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def iso_day(day: int) -> str:
    return to_date(day).isoformat()


def plain_day(day: int) -> str:
    """'3 March 2025', the way a date reads in a sentence."""
    when = to_date(day)
    return f"{when.day} {when:%B %Y}"


def plain_number(value: float) -> str:
    """Whole numbers as such, small rates with one decimal ('about 0.5')."""
    return f"{value:,.0f}" if value >= 10 or value == round(value) else f"{value:.1f}"


# --- counts -------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Counts:
    """Contacts per period, from the period of the first contact to that of the last, zero-filled.

    `days_observed` is how many days of each period fall between the first and the last contact: 1 for
    every day, 7 for every whole week, fewer for the first and last weeks.
    """

    period: Period
    starts: Days  # local day number of each period's first day
    counts: npt.NDArray[np.int64]
    days_observed: Days
    first_day: int | None  # local day numbers of the first and last contact
    last_day: int | None

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def describe(self) -> str:
        first, last = self.first_day, self.last_day
        if first is None or last is None:
            return "No contact is recorded yet."
        contacts = "1 contact" if self.total == 1 else f"{self.total:,} contacts"
        if first == last:
            return f"On {plain_day(first)} there {'was' if self.total == 1 else 'were'} {contacts}."
        text = f"From {plain_day(first)} to {plain_day(last)} there were {contacts}"
        days = last - first + 1
        # A weekly rate from less than a week of records would be a guess.
        text += f", about {plain_number(self.total / days * 7)} a week." if days >= 7 else "."
        busiest = int(np.argmax(self.counts))
        unit = "day" if self.period == "day" else "week"
        return text + (
            f" The busiest {unit} ({unit_label(self, busiest)}) had {int(self.counts[busiest]):,}."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "dates": "local calendar dates; weeks start on Monday",
            "first": iso_day(self.first_day) if self.first_day is not None else None,
            "last": iso_day(self.last_day) if self.last_day is not None else None,
            "starts": [iso_day(int(day)) for day in self.starts],
            "counts": [int(count) for count in self.counts],
            "days_observed": [int(days) for days in self.days_observed],
            "total": self.total,
            "summary": self.describe(),
        }


def unit_label(counts: Counts, index: int) -> str:
    start = int(counts.starts[index])
    return plain_day(start) if counts.period == "day" else f"from {plain_day(start)}"


def counts(series: Series, period: Period = "week") -> Counts:
    """Contacts per local day or per Monday-to-Sunday local week."""
    empty = np.empty(0, np.int64)
    if len(series) == 0:
        return Counts(period, empty, empty, empty, None, None)
    days = local_days(series)
    first, last = int(days.min()), int(days.max())
    keys = days if period == "day" else week_start(days)
    origin = int(keys.min())
    step = PERIOD_DAYS[period]
    per_period = np.bincount((keys - origin) // step)
    starts = origin + step * np.arange(len(per_period), dtype=np.int64)
    observed = np.minimum(starts + step - 1, last) - np.maximum(starts, first) + 1
    return Counts(period, starts, per_period.astype(np.int64), observed.astype(np.int64), first, last)


# --- trend --------------------------------------------------------------------------------------------

TREND_METHOD = (
    "Quasi-Poisson regression (log link) of the counts per {period} on time, allowing for part-{period}s "
    "at either end; standard errors are widened when the counts vary more than a Poisson count would, "
    "and the p-value (two-sided) and 95% interval come from a t-distribution."
)


@dataclass(frozen=True)
class Trend:
    """The average change from one period to the next, as a percentage."""

    period: Period
    status: Literal["rising", "falling", "steady", "not_enough_history"]
    periods: int
    change_percent: float | None  # per period
    ci95: tuple[float, float] | None
    p_value: float | None
    dispersion: float | None  # 1 for Poisson-like counts; larger when contact comes in bursts
    alpha: float

    def describe(self) -> str:
        unit = self.period
        if self.status == "not_enough_history":
            so_far = f"{self.periods} {unit}" + ("" if self.periods == 1 else "s")
            return f"There is not yet enough history to see a trend ({so_far} so far)."
        if self.status == "steady" or self.change_percent is None or self.ci95 is None:
            return f"There is no clear upward or downward trend in contact from one {unit} to the next."
        direction = "up" if self.status == "rising" else "down"
        low, high = sorted(abs(bound) for bound in self.ci95)
        return (
            f"{unit.capitalize()} by {unit}, contact has been going {direction} by about "
            f"{abs(self.change_percent):.0f}% a {unit} (likely between {low:.0f}% and {high:.0f}%)."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "method": TREND_METHOD.format(period=self.period),
            "period": self.period,
            "status": self.status,
            "periods": self.periods,
            "change_percent_per_period": self.change_percent,
            "ci95": list(self.ci95) if self.ci95 else None,
            "p_value": self.p_value,
            "alpha": self.alpha,
            "dispersion": self.dispersion,
            "summary": self.describe(),
        }


def trend(counted: Counts, settings: PatternSettings | None = None) -> Trend:
    rule = (settings or default_settings()).trend
    periods = len(counted.counts)
    fit = _quasi_poisson_slope(counted) if periods >= rule.min_periods else None
    if fit is None:
        return Trend(counted.period, "not_enough_history", periods, None, None, None, None, rule.alpha)
    slope, error, dispersion = fit
    degrees = periods - 2
    p_value = float(2 * stats.t.sf(abs(slope / error), degrees)) if error > 0 else 0.0
    spread = float(stats.t.ppf(0.975, degrees)) * error
    status: Literal["rising", "falling", "steady"] = "steady"
    if p_value < rule.alpha:
        status = "rising" if slope > 0 else "falling"
    return Trend(
        counted.period,
        status,
        periods,
        _percent(slope),
        (_percent(slope - spread), _percent(slope + spread)),
        p_value,
        dispersion,
        rule.alpha,
    )


def _percent(log_ratio: float) -> float:
    """A change on the log scale as a percentage; capped so that a wild interval stays a finite number."""
    return 100 * math.expm1(min(log_ratio, 700.0))


def _quasi_poisson_slope(counted: Counts) -> tuple[float, float, float] | None:
    """Slope per period on the log scale, its standard error and the dispersion; None if no fit."""
    observed = counted.counts.astype(np.float64)
    exposure = counted.days_observed / PERIOD_DAYS[counted.period]
    time = np.arange(len(observed), dtype=np.float64)
    design = np.column_stack([np.ones_like(time), time - time.mean()])
    coefficients = _irls(observed, design, np.log(exposure))
    if coefficients is None:
        return None
    expected = exposure * np.exp(design @ coefficients)
    information = design.T @ (expected[:, None] * design)
    pearson = float(np.sum((observed - expected) ** 2 / expected)) / (len(observed) - 2)
    dispersion = max(1.0, pearson)
    covariance = np.linalg.inv(information) * dispersion
    return float(coefficients[1]), float(np.sqrt(covariance[1, 1])), dispersion


def _irls(
    observed: npt.NDArray[np.float64], design: npt.NDArray[np.float64], offset: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64] | None:
    """Poisson log-linear maximum likelihood by iteratively reweighted least squares."""
    coefficients = np.array([np.log(observed.sum() / np.exp(offset).sum()), 0.0])
    for _ in range(100):
        linear = design @ coefficients + offset
        expected = np.exp(linear)
        working = linear - offset + (observed - expected) / expected
        weighted = design.T * expected
        updated = np.linalg.solve(weighted @ design, weighted @ working)
        if not np.all(np.isfinite(updated)):
            return None
        if np.max(np.abs(updated - coefficients)) < 1e-10:
            return updated
        coefficients = updated
    return None
