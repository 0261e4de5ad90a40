"""Has contact gone up? The last weeks set against everything before them, with a stated test.

The decision rests on one exact test. If contact came at a steady rate, then, given how many contacts
there were in all, the number in the recent window follows a binomial distribution whose share is the
window's share of the time. A one-sided binomial test says how surprising the recent count is under a
steady rate; "escalating" needs that p-value below alpha and the recent rate at least `min_rate_ratio`
times the earlier one. The first contact only marks where the record starts, and the last one (when the
window ends at it) where it ends, so neither is counted in the test: that keeps the test exact.

Besides the test, the most likely single change point is found (maximum likelihood for a Poisson process
whose rate changes once), for charts to mark. It describes; it does not decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from stalkproof.analysis.rates import iso_utc, plain_number
from stalkproof.analysis.series import DAY, WEEK, Series
from stalkproof.analysis.settings import ChangePointRule, EscalationRule, PatternSettings, default_settings
from stalkproof.analysis.timefmt import plain_date

Status = Literal["escalating", "not_escalating", "not_enough_history", "no_contact"]
Floats = npt.NDArray[np.float64]

TEST_METHOD = (
    "The number of contacts in the last {recent} was compared with the number before, allowing for how "
    "long each period is: an exact one-sided binomial test of whether the recent rate is higher than the "
    "earlier one (the rate ratio's 95% interval is the exact Clopper-Pearson one). The first contact, and "
    "the last when the period ends at it, only mark the start and end and are not counted in the test. "
    "It is called escalation when p < {alpha} and the recent rate is at least {ratio} times the earlier one."
)
CHANGE_METHOD = (
    "The single moment that best splits the record into a 'before' and an 'after' rate (maximum "
    "likelihood for contact at a rate that changes once, at least {margin:g} days from either end). Its "
    "p-value is the share of {simulations} simulated records with a steady rate (seeded; same span and, "
    "up to {cap:,}, the same number of contacts) whose best split fits at least as well."
)


@dataclass(frozen=True)
class Window:
    """A stretch of time (UTC seconds) and the contacts in it."""

    start: float
    end: float
    count: int

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY

    @property
    def per_week(self) -> float:
        return self.count / self.days * 7 if self.days > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "from": iso_utc(self.start),
            "to": iso_utc(self.end),
            "days": round(self.days, 3),
            "count": self.count,
            "per_week": round(self.per_week, 3),
        }


@dataclass(frozen=True)
class ChangePoint:
    at: float  # UTC seconds
    rate_before_per_week: float
    rate_after_per_week: float
    log_likelihood_ratio: float
    p_value: float
    rule: ChangePointRule

    @property
    def direction(self) -> Literal["up", "down"]:
        return "up" if self.rate_after_per_week > self.rate_before_per_week else "down"

    def describe(self) -> str:
        when = datetime.fromtimestamp(int(self.at), UTC)
        change = "rose" if self.direction == "up" else "fell"
        return (
            f"The clearest change came around {when.day} {when:%B %Y}: contact {change} from about "
            f"{plain_number(self.rate_before_per_week)} a week to about "
            f"{plain_number(self.rate_after_per_week)} a week."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso_utc(self.at),
            "direction": self.direction,
            "rate_before_per_week": round(self.rate_before_per_week, 3),
            "rate_after_per_week": round(self.rate_after_per_week, 3),
            "log_likelihood_ratio": round(self.log_likelihood_ratio, 3),
            "p_value": self.p_value,
            "method": CHANGE_METHOD.format(
                margin=self.rule.min_segment_days,
                simulations=self.rule.simulations,
                cap=self.rule.max_simulated_events,
            ),
            "summary": self.describe(),
        }


@dataclass(frozen=True)
class Escalation:
    status: Status
    recent_days: int
    min_baseline_days: int
    alpha: float
    min_rate_ratio: float
    recent: Window | None
    baseline: Window | None
    p_value: float | None
    rate_ratio: float | None  # inf when there was no counted contact before
    ci95: tuple[float, float] | None
    change_point: ChangePoint | None

    @property
    def escalating(self) -> bool:
        return self.status == "escalating"

    @property
    def confidence(self) -> str:
        p = self.p_value
        if p is None:
            return "no test: not enough history"
        shown = "p < 0.001" if p < 0.001 else f"p = {p:.2g}"
        if p < 0.001:
            return f"strong evidence of a rise ({shown})"
        if p < 0.01:
            return f"clear evidence of a rise ({shown})"
        if p < self.alpha:
            return f"some evidence of a rise ({shown})"
        return f"no clear evidence of a rise ({shown})"

    def describe(self) -> str:
        recent = _span(self.recent_days)
        if self.status == "no_contact":
            return "No contact is recorded yet, so there is nothing to compare."
        if self.recent is None or self.baseline is None:
            return (
                "There is not yet enough history to tell whether contact is going up: that needs at least "
                f"{_span(self.min_baseline_days)} of records before the last {recent}."
            )
        # The window ends at the last contact (or the time asked for), which may be long ago: say so.
        until = plain_date(self.recent.end)
        now = f"{_times(self.recent.count)} in the {recent} up to {until}"
        before = f"about {plain_number(self.baseline.per_week / 7 * self.recent_days)} in a typical {recent}"
        if self.escalating:
            return f"Contact has gone up: {now} against {before} before. This is {self.confidence}."
        if self.recent.per_week > self.baseline.per_week:
            why = (
                "but that is too few to be sure it is a real rise"
                if self.p_value is None or self.p_value >= self.alpha
                else f"but by less than {self.min_rate_ratio:g} times"
            )
            return f"Contact was higher than before ({now}, against {before}), {why}."
        return (
            f"Contact was not higher than before ({now}, against {before}). "
            "Less contact does not by itself mean the risk has gone down."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "method": TEST_METHOD.format(
                recent=_span(self.recent_days), alpha=self.alpha, ratio=f"{self.min_rate_ratio:g}"
            ),
            "status": self.status,
            "escalating": self.escalating,
            "alpha": self.alpha,
            "min_rate_ratio": self.min_rate_ratio,
            "p_value": self.p_value,
            "rate_ratio": _finite(self.rate_ratio),
            "ci95": [_finite(bound) for bound in self.ci95] if self.ci95 else None,
            "recent": self.recent.to_json() if self.recent else None,
            "baseline": self.baseline.to_json() if self.baseline else None,
            "change_point": self.change_point.to_json() if self.change_point else None,
            "confidence": self.confidence,
            "summary": self.describe(),
        }


def escalation(
    series: Series, *, now: float | None = None, settings: PatternSettings | None = None
) -> Escalation:
    """Whether contact in the last `recent_days` (up to `now`, or to the last contact) has gone up."""
    rule = (settings or default_settings()).escalation
    at = series.at if now is None else series.at[: np.searchsorted(series.at, now, side="right")]
    if len(at) == 0:
        return _untested(rule, "no_contact", None)
    start, end = float(at[0]), float(at[-1]) if now is None else float(now)
    split = end - rule.recent_days * DAY
    recent = Window(max(start, split), end, len(at) - int(np.searchsorted(at, split)))
    if split - start < rule.min_baseline_days * DAY:
        return _untested(rule, "not_enough_history", recent)
    baseline = Window(start, split, len(at) - recent.count)
    # The first contact marks the start; the last marks the end only when there is no `now`.
    tested = at[1:-1] if now is None else at[1:]
    tested_recent = len(tested) - int(np.searchsorted(tested, split))
    p_value, ratio, interval = rate_ratio_test(
        tested_recent, len(tested) - tested_recent, recent.days, baseline.days
    )
    rising = p_value < rule.alpha and ratio is not None and ratio >= rule.min_rate_ratio
    return Escalation(
        "escalating" if rising else "not_escalating",
        rule.recent_days,
        rule.min_baseline_days,
        rule.alpha,
        rule.min_rate_ratio,
        recent,
        baseline,
        p_value,
        ratio,
        interval,
        change_point(tested, start, end, rule.change_point),
    )


def rate_ratio_test(
    recent: int, baseline: int, recent_days: float, baseline_days: float
) -> tuple[float, float | None, tuple[float, float] | None]:
    """One-sided p-value for "the recent rate is higher", the rate ratio and its exact 95% interval."""
    total = recent + baseline
    if total == 0:
        return 1.0, None, None
    share = recent_days / (recent_days + baseline_days)
    p_value = float(stats.binomtest(recent, total, share, alternative="greater").pvalue)
    low, high = stats.binomtest(recent, total, share).proportion_ci(0.95, method="exact")
    return (
        p_value,
        _odds_to_ratio(recent / total, share),
        (
            _odds_to_ratio(float(low), share),
            _odds_to_ratio(float(high), share),
        ),
    )


def change_point(tested: Floats, start: float, end: float, rule: ChangePointRule) -> ChangePoint | None:
    """The most likely single change in rate within [start, end], or None when the span is too short."""
    length, margin = end - start, rule.min_segment_days * DAY
    if len(tested) == 0 or length < 2 * margin:
        return None
    times = tested - start
    likelihood, cut, count_before = (float(best[0]) for best in _best_splits(times[None, :], length, margin))
    ratio = likelihood - _steady_likelihood(len(times), length)
    return ChangePoint(
        at=start + cut,
        rate_before_per_week=count_before / cut * WEEK,
        rate_after_per_week=(len(times) - count_before) / (length - cut) * WEEK,
        log_likelihood_ratio=ratio,
        p_value=_simulated_p_value(ratio, len(times), length, margin, rule),
        rule=rule,
    )


def _best_splits(times: Floats, length: float, margin: float) -> tuple[Floats, Floats, Floats]:
    """For each row of sorted times in [0, length]: the best split's log-likelihood (less a constant that
    does not depend on the split), its time and the number of contacts before it.

    For a given number of contacts before it, the likelihood is convex in the split time, so the best
    split lies at a contact (counted on either side) or at one of the two margins: those are the
    candidates, taken one family at a time to keep memory small.
    """
    rows, count = times.shape
    edges = np.broadcast_to(np.array([margin, length - margin]), (rows, 2))
    edge_counts = np.stack([np.count_nonzero(times <= edge, axis=1) for edge in edges[0]], axis=1)
    families = [
        (times, np.arange(count, dtype=np.float64)[None, :]),  # the contact at the split counted after
        (times, np.arange(1, count + 1, dtype=np.float64)[None, :]),  # or before
        (edges, edge_counts.astype(np.float64)),
    ]
    best = np.full(rows, -np.inf), np.zeros(rows), np.zeros(rows)
    for cuts, before in families:
        likelihood = _split_likelihood(cuts, before, count, length, margin)
        pick = np.argmax(likelihood, axis=1)
        value = likelihood[np.arange(rows), pick]
        better = value > best[0]
        cut = cuts[np.arange(rows), pick]
        counted = np.broadcast_to(before, cuts.shape)[np.arange(rows), pick]
        best = (
            np.where(better, value, best[0]),
            np.where(better, cut, best[1]),
            np.where(better, counted, best[2]),
        )
    return best


def _split_likelihood(cuts: Floats, before: Floats, count: int, length: float, margin: float) -> Floats:
    after = count - before
    with np.errstate(divide="ignore", invalid="ignore"):
        likelihood = special.xlogy(before, before / cuts) + special.xlogy(after, after / (length - cuts))
    allowed = (cuts >= margin) & (cuts <= length - margin)
    return np.where(allowed, likelihood, -np.inf)


def _steady_likelihood(count: int, length: float) -> float:
    return float(special.xlogy(count, count / length))


def _simulated_p_value(
    observed: float, count: int, length: float, margin: float, rule: ChangePointRule
) -> float:
    """Share of steady (homogeneous Poisson) records whose best split fits at least as well."""
    simulated_count = min(count, rule.max_simulated_events)
    generator = np.random.default_rng(rule.seed)
    times = np.sort(generator.random((rule.simulations, simulated_count)) * length, axis=1)
    ratios = _best_splits(times, length, margin)[0] - _steady_likelihood(simulated_count, length)
    # A small tolerance, so that a tie in exact arithmetic is not lost to rounding.
    as_good = int(np.count_nonzero(ratios >= observed - 1e-9))
    return (1 + as_good) / (1 + rule.simulations)


def _odds_to_ratio(share_observed: float, share_expected: float) -> float:
    if share_observed >= 1.0:
        return float("inf")
    odds = share_observed / (1 - share_observed)
    return odds * (1 - share_expected) / share_expected


def _untested(rule: EscalationRule, status: Status, recent: Window | None) -> Escalation:
    return Escalation(
        status=status,
        recent_days=rule.recent_days,
        min_baseline_days=rule.min_baseline_days,
        alpha=rule.alpha,
        min_rate_ratio=rule.min_rate_ratio,
        recent=recent,
        baseline=None,
        p_value=None,
        rate_ratio=None,
        ci95=None,
        change_point=None,
    )


def _finite(value: float | None) -> float | None:
    return value if value is not None and np.isfinite(value) else None


def _span(days: int) -> str:
    if days % 7 == 0:
        weeks = days // 7
        return "week" if weeks == 1 else f"{weeks} weeks"
    return "day" if days == 1 else f"{days} days"


def _times(count: int) -> str:
    return {0: "no contact", 1: "once", 2: "twice"}.get(count, f"{count:,} times")
