"""What the case's evidence says about the screening topics: threats found, escalation, contact after a
stop request, several people, duration. Each signal names the events that show it, so the adviser and
the person can look at them (mapping in signals.yaml)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from stalkproof.analysis.course import Analysis
from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.risk.screening import Signal

SIGNALS_FILE = Path(__file__).with_name("signals.yaml")
EXAMPLES = 10


class Measures(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    escalation: str
    contact_after_stop: str
    several_people: str
    duration: str


class SignalMap(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    reviewed: date
    reviewer: str
    licence: str
    source: list[Source] = Field(min_length=1)
    flags: dict[str, str]
    behaviours: dict[str, str]
    measures: Measures
    duration_days: int


@cache
def signal_map() -> SignalMap:
    data, tree = read_yaml(SIGNALS_FILE)
    return validate(SignalMap, data, SIGNALS_FILE, tree)


def evidence_signals(analysis: Analysis) -> list[Signal]:
    mapping = signal_map()
    return [*_from_flags_and_behaviours(analysis, mapping), *_from_measures(analysis, mapping)]


def _from_flags_and_behaviours(analysis: Analysis, mapping: SignalMap) -> list[Signal]:
    case, conduct = analysis.case, analysis.conduct
    events: dict[str, list[int]] = defaultdict(list)
    for item in case.flagged:
        if conduct[item.index]:
            for flag in item.flags:
                topic = mapping.flags.get(flag.kind) or mapping.flags.get(flag.label)
                if topic:
                    events[topic].append(item.index)
    for index, codes in case.behaviours.items():
        if conduct[index]:
            for code in codes:
                if code in mapping.behaviours:
                    events[mapping.behaviours[code]].append(index)
    signals = []
    for topic, found in events.items():
        unique = sorted(set(found))
        count = len(unique)
        summary = f"{count} event{'s' if count != 1 else ''} in the evidence"
        signals.append(Signal(topic, summary, tuple(case.ids[i] for i in unique[:EXAMPLES])))
    return signals


def _from_measures(analysis: Analysis, mapping: SignalMap) -> list[Signal]:
    case, topics, signals = analysis.case, mapping.measures, []
    if analysis.escalation.escalating:
        signals.append(Signal(topics.escalation, analysis.escalation.describe(), ()))
    stop = analysis.after_stop
    if stop.found:
        shown = ((case.ids[stop.first],) if stop.first is not None else ()) + tuple(
            case.ids[i] for i in stop.examples
        )
        signals.append(Signal(topics.contact_after_stop, stop.describe(case), shown))
    if analysis.together.several:
        signals.append(Signal(topics.several_people, analysis.together.describe(), ()))
    if analysis.persistence_days >= mapping.duration_days:
        summary = f"contact over {analysis.persistence_days:.0f} days in the evidence"
        signals.append(Signal(topics.duration, summary, ()))
    return signals
