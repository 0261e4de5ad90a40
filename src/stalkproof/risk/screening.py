"""Screening: from answers (and what the evidence shows) to a concern level with every reason behind it.

`screen` is pure: the same instrument, answers and signals always give the same result, and nothing is
read or written, so it can be tested with a table of cases and rerun on stored answers. Signals are
hooks for the case analysis: each says what the records show about a topic and which events show it. A
signal can answer a question left unknown, support a "yes", or contradict a "no"; a contradiction still
counts, because missing a danger costs more than checking one, and it is named so an adviser can look.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from stalkproof.errors import InputError
from stalkproof.risk import emergency, referrals
from stalkproof.risk.answers import UNKNOWN, AnswerValue, expected, normalise, question_for
from stalkproof.risk.instrument import LEVELS, EscalationRule, Instrument, Item, Level, Verdict


@dataclass(frozen=True)
class Signal:
    """What the case's records show about one topic (e.g. `threats_kill`), and the events that show it."""

    topic: str
    summary: str
    event_ids: tuple[str, ...] = ()


class Reason(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str  # escalation | threshold | answer | signal
    text: str
    item: str | None = None
    topic: str | None = None
    rule: str | None = None
    weight: int = 0
    events: list[str] = Field(default_factory=list)


class Unknown(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    escalates: bool


class SignalRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    topic: str
    summary: str
    events: list[str]


class Screening(BaseModel):
    """One screening's result: also what is stored in the vault, so history can be compared."""

    model_config = ConfigDict(frozen=True)

    instrument: str
    version: str
    title: str
    jurisdiction: str | None
    level: Level
    score: int
    reasons: list[Reason]
    actions: list[str]
    referrals: list[dict[str, object]]
    unknowns: list[Unknown]
    if_unknowns_were_yes: Level
    answers: dict[str, AnswerValue]
    signals: list[SignalRecord]
    disclaimer: str


@dataclass(frozen=True)
class Finding:
    """One item after answers and signals are put together."""

    item: Item
    answer: AnswerValue
    verdict: Verdict
    signal: Signal | None = None

    @property
    def events(self) -> list[str]:
        return list(self.signal.event_ids) if self.signal else []


Fired = list[tuple[EscalationRule, Finding]]


def screen(
    instrument: Instrument,
    answers: Mapping[str, AnswerValue],
    signals: Sequence[Signal] = (),
    *,
    jurisdiction: str | None = None,
) -> Screening:
    given = checked_answers(instrument, answers)
    by_topic = merge_signals(signals)
    findings = [_finding(item, given[item.id], by_topic.get(item.topic)) for item in instrument.items]
    level, score, fired = _assess(instrument, findings)
    worst, _, _ = _assess(instrument, [_worst_case(finding) for finding in findings])
    unknown = _unknowns(instrument, findings)
    return Screening(
        instrument=instrument.id,
        version=instrument.version,
        title=instrument.title,
        jurisdiction=jurisdiction,
        level=level,
        score=score,
        reasons=_reasons(instrument, findings, fired, score, by_topic),
        actions=_actions(instrument, findings, level, worst, unknown, jurisdiction),
        referrals=_referrals(instrument, findings, level, jurisdiction),
        unknowns=unknown,
        if_unknowns_were_yes=worst,
        answers=given,
        signals=[SignalRecord(topic=s.topic, summary=s.summary, events=list(s.event_ids)) for s in signals],
        disclaimer=instrument.disclaimer,
    )


def checked_answers(instrument: Instrument, answers: Mapping[str, AnswerValue]) -> dict[str, AnswerValue]:
    """Every item's answer in stored form, "unknown" where none was given. Answers that come from code
    (the demo, test tables, later the web app) are held to the same rules as an answers file."""
    unknown_ids = sorted(set(answers) - {item.id for item in instrument.items})
    if unknown_ids:
        raise InputError(f"'{unknown_ids[0]}' is not one of the questions of {instrument.id}.")
    given: dict[str, AnswerValue] = {}
    for item in instrument.items:
        raw = answers.get(item.id, UNKNOWN)
        value = normalise(question_for(item), str(raw))
        if value is None:
            raise InputError(f"'{raw}' is not an answer to '{item.id}': use {expected(question_for(item))}.")
        given[item.id] = value
    return given


def merge_signals(signals: Iterable[Signal]) -> dict[str, Signal]:
    """One signal per topic: summaries joined, events kept in order without repeats."""
    merged: dict[str, Signal] = {}
    for signal in signals:
        before = merged.get(signal.topic)
        if before is None:
            merged[signal.topic] = signal
            continue
        events = tuple(dict.fromkeys(before.event_ids + signal.event_ids))
        merged[signal.topic] = Signal(signal.topic, f"{before.summary}; {signal.summary}", events)
    return merged


def _finding(item: Item, answer: AnswerValue, signal: Signal | None) -> Finding:
    verdict = item.verdict(answer)
    return Finding(item, answer, "yes" if signal else verdict, signal)


def _worst_case(finding: Finding) -> Finding:
    if finding.verdict != "unknown":
        return finding
    return Finding(finding.item, finding.item.worst_answer(), "yes", finding.signal)


def _assess(instrument: Instrument, findings: list[Finding]) -> tuple[Level, int, Fired]:
    score = sum(f.item.weight for f in findings if f.verdict == "yes")
    fired = [(rule, f) for f in findings for rule in instrument.rules_for(f.item.id) if _fires(rule, f)]
    return _level(instrument, score, bool(fired)), score, fired


def _fires(rule: EscalationRule, finding: Finding) -> bool:
    if finding.verdict != "yes":
        return False
    # A yes/no or number item escalates on any "yes", including one the records supplied; a choice item
    # only on the values the rule names (e.g. "very" frightened, not "quite").
    return rule.values == ["yes"] or finding.answer in rule.values


def _level(instrument: Instrument, score: int, escalated: bool) -> Level:
    if escalated or score >= instrument.thresholds.high:
        return "high"
    return "elevated" if score >= instrument.thresholds.elevated else "standard"


def _reasons(
    instrument: Instrument,
    findings: list[Finding],
    fired: Fired,
    score: int,
    by_topic: Mapping[str, Signal],
) -> list[Reason]:
    """Escalations first, then the threshold reached, then each "yes" (heaviest first), then anything the
    records show that no question covers."""
    reasons = [_escalation_reason(rule, finding) for rule, finding in fired]
    reasons += _threshold_reason(instrument, score)
    yes = sorted((f for f in findings if f.verdict == "yes"), key=lambda f: -f.item.weight)
    reasons += [_item_reason(instrument, f) for f in yes]
    covered = {item.topic for item in instrument.items}
    reasons += [_other_reason(instrument, s) for topic, s in by_topic.items() if topic not in covered]
    return reasons


def _escalation_reason(rule: EscalationRule, finding: Finding) -> Reason:
    item = finding.item
    return Reason(
        kind="escalation",
        text=rule.reason,
        item=item.id,
        topic=item.topic,
        rule=rule.id,
        weight=item.weight,
        events=finding.events,
    )


def _other_reason(instrument: Instrument, signal: Signal) -> Reason:
    text = instrument.messages.signal_other.format(summary=signal.summary)
    return Reason(kind="signal", text=text, topic=signal.topic, events=list(signal.event_ids))


def _threshold_reason(instrument: Instrument, score: int) -> list[Reason]:
    reached = [(lvl, getattr(instrument.thresholds, lvl)) for lvl in LEVELS[1:]]
    met = [(lvl, at) for lvl, at in reached if score >= at]
    if not met:
        return []
    level, threshold = met[-1]
    text = instrument.messages.threshold.format(score=score, level=level, threshold=threshold)
    return [Reason(kind="threshold", text=text, weight=score)]


def _item_reason(instrument: Instrument, finding: Finding) -> Reason:
    messages, item, signal = instrument.messages, finding.item, finding.signal
    answered = item.verdict(finding.answer)
    label = item.label + _detail(item, finding.answer)
    if signal is None:
        text, kind = messages.answered_yes.format(label=label), "answer"
    elif answered == "yes":
        text, kind = messages.signal_supports.format(label=label, summary=signal.summary), "answer"
    elif answered == "no":
        text, kind = messages.signal_conflicts.format(label=label, summary=signal.summary), "signal"
    else:
        text, kind = messages.signal_answered.format(label=label, summary=signal.summary), "signal"
    return Reason(
        kind=kind, text=text, item=item.id, topic=item.topic, weight=item.weight, events=finding.events
    )


def _detail(item: Item, answer: AnswerValue) -> str:
    """The answer itself, where a bare "yes" would lose it: the choice made, or the number given."""
    if item.type == "choice" and answer != UNKNOWN:
        return f" ({next(c.label for c in item.choices if c.value == answer).lower()})"
    if item.type == "number" and isinstance(answer, int):
        return f" ({answer} {item.unit or ''})".replace(" )", ")")
    return ""


def _unknowns(instrument: Instrument, findings: list[Finding]) -> list[Unknown]:
    open_items = [f.item for f in findings if f.verdict == "unknown"]
    ranked = sorted(open_items, key=lambda item: (not instrument.rules_for(item.id), -item.weight))
    return [Unknown(id=i.id, text=i.text, escalates=bool(instrument.rules_for(i.id))) for i in ranked]


def _actions(
    instrument: Instrument,
    findings: list[Finding],
    level: Level,
    worst: Level,
    unknown: list[Unknown],
    jurisdiction: str | None,
) -> list[str]:
    templates = list(instrument.levels[level].actions)
    templates += [f.item.action for f in findings if f.verdict == "yes" and f.item.action]
    actions = [emergency.fill(template, jurisdiction) for template in templates]
    if unknown:
        labels = "; ".join(instrument.item(u.id).label.lower() for u in _most_important(unknown))
        actions.append(instrument.messages.unknowns.format(count=len(unknown), items=labels))
    if LEVELS.index(worst) > LEVELS.index(level):
        actions.append(instrument.messages.could_be.format(level=worst))
    return actions


def _most_important(unknown: list[Unknown], at_least: int = 3) -> list[Unknown]:
    """The unknowns that could make the level high on their own, else the heaviest few (already ranked)."""
    escalating = [u for u in unknown if u.escalates]
    return escalating or unknown[:at_least]


def _referrals(
    instrument: Instrument, findings: list[Finding], level: Level, jurisdiction: str | None
) -> list[dict[str, object]]:
    wanted = list(instrument.levels[level].referrals)
    wanted += [r for f in findings if f.verdict == "yes" for r in f.item.referrals]
    chosen = referrals.choose(wanted, emergency.referral_jurisdiction(jurisdiction))
    return [referrals.service_json(service) for service in chosen]
