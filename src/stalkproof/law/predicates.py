"""The machine-checkable tests of an element, applied to each person's occasions in turn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from stalkproof.law.model import BehavioursTest, CourseOfConduct, Electronic, MachineTest
from stalkproof.law.occasions import Occasion


@dataclass(frozen=True)
class Finding:
    met: bool
    support: list[Occasion]  # the supporting events, oldest first; empty when not met
    note: str

    @property
    def events(self) -> list[str]:
        return [item.id for item in self.support]


def check(test: MachineTest, groups: Mapping[str, Sequence[Occasion]]) -> Finding:
    """Met when the events of at least one person pass the test; the support is every such person's events."""
    matches = {person: _matching(test, items) for person, items in groups.items()}
    needed = test.min_occasions if isinstance(test, CourseOfConduct) else test.min_events
    passing = [found for found in matches.values() if len(found) >= needed]
    most = max((len(found) for found in matches.values()), default=0)
    support = sorted({item for found in passing for item in found}, key=lambda item: (item.at, item.id))
    return Finding(bool(passing), support, _note(test, most, needed, len(groups)))


def _matching(test: MachineTest, items: Sequence[Occasion]) -> list[Occasion]:
    if isinstance(test, CourseOfConduct):
        wanted = set(test.behaviours or ())
        chosen = [item for item in items if not wanted or wanted & item.behaviours]
        return _densest(chosen, test.max_days) if test.max_days else chosen
    if isinstance(test, BehavioursTest):
        return [item for item in items if set(test.any_of) & item.behaviours]
    return [item for item in items if item.electronic]


def _densest(items: Sequence[Occasion], days: int) -> list[Occasion]:
    """The largest run of events that all fall within `days` of the first (items are in time order)."""
    best: list[Occasion] = []
    start = 0
    for end, item in enumerate(items):
        while item.at - items[start].at > timedelta(days=days):
            start += 1
        if end - start + 1 > len(best):
            best = list(items[start : end + 1])
    return best


def _note(test: MachineTest, found: int, needed: int, people: int) -> str:
    each = " by the same person" if people > 1 else ""
    return f"The test needs at least {needed} {_described(test, needed > 1)}{each}; found {found}."


def _described(test: MachineTest, plural: bool) -> str:
    event = "events" if plural else "event"
    if isinstance(test, CourseOfConduct):
        kind = f"separate {event}" if not test.behaviours else f"{event} with {_codes(test.behaviours)}"
        return kind + (f" within {test.max_days} days" if test.max_days else "")
    if isinstance(test, BehavioursTest):
        return f"{event} with {_codes(test.any_of)}"
    assert isinstance(test, Electronic)
    return f"{event} sent or made by phone, message, email or online"


def _codes(codes: Sequence[str]) -> str:
    if len(codes) == 1:
        return f"the behaviour {codes[0]}"
    return f"one of the behaviours {', '.join(codes)}" if len(codes) <= 4 else "one of the listed behaviours"
