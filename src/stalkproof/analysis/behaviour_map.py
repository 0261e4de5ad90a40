"""Every event of the suspects' conduct mapped to the shared behaviour vocabulary the law files use.

A diary entry carries the behaviours the person chose; a message or call from the suspects is `contact`;
a flag adds its own behaviour (a threat to kill adds `threat_kill`). The law view and the report read the
same mapping, so "what happened" is counted once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stalkproof.analysis.load import CaseEvents
from stalkproof.evidence.vocabulary import behaviours

Mask = npt.NDArray[np.bool_]
EXAMPLES = 5


@dataclass(frozen=True)
class BehaviourCount:
    code: str
    label: str
    events: int
    examples: tuple[int, ...]


def event_behaviours(case: CaseEvents, conduct: Mask) -> dict[int, set[str]]:
    """Behaviour codes for the events that have more than plain contact (flags and diary choices)."""
    found: dict[int, set[str]] = defaultdict(set)
    for index, codes in case.behaviours.items():
        if conduct[index]:
            found[index].update(codes)
    for item in case.flagged:
        if conduct[item.index]:
            found[item.index].update(flag.behaviour for flag in item.flags if flag.behaviour)
    return found


def behaviour_counts(case: CaseEvents, conduct: Mask) -> list[BehaviourCount]:
    counts: Counter[str] = Counter()
    examples: dict[str, list[int]] = defaultdict(list)
    for index, codes in sorted(event_behaviours(case, conduct).items()):
        for code in codes:
            counts[code] += 1
            if len(examples[code]) < EXAMPLES:
                examples[code].append(index)
    contact = np.flatnonzero(conduct & case.is_contact())
    if len(contact):
        counts["contact"] += len(contact)
        examples["contact"] = sorted({*examples["contact"], *map(int, contact[:EXAMPLES])})[:EXAMPLES]
    labels = behaviours()
    return [
        BehaviourCount(code, labels.get(code, code), count, tuple(examples[code]))
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def behaviours_json(case: CaseEvents, counts: list[BehaviourCount]) -> list[dict[str, Any]]:
    return [
        {
            "code": item.code,
            "label": item.label,
            "events": item.events,
            "examples": [case.ids[index] for index in item.examples],
        }
        for item in counts
    ]
