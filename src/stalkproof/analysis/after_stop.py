"""Contact that carried on after the person asked for it to stop or blocked the sender.

Carrying on after a clear "stop" is one of the strongest signs that contact is unwanted, and it is what
police and courts look for first. A stop request is a `stop_request` flag in the person's own messages or
diary; a block is recognised by `blocks.BlockFinder` while the case is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from stalkproof.analysis.load import DIARY, SUSPECT, VICTIM, CaseEvents
from stalkproof.analysis.series import DAY
from stalkproof.analysis.timefmt import iso, plain_date

STOP_LABEL = "stop_request"
EXAMPLES = 10
TURNS_WITH_CHANNELS = 20
REQUESTS_SHOWN = 50


@dataclass(frozen=True)
class Turn:
    """One stop request or block, and what the suspects did after it."""

    event: int
    what: str  # "stop_request" | "block"
    contacts_after: int
    channels_after: tuple[str, ...]
    first_after: int | None  # event index


@dataclass(frozen=True)
class AfterStop:
    turns: tuple[Turn, ...]
    contacts_after_first: int
    first: int | None  # the earliest stop request or block
    examples: tuple[int, ...]  # the first contacts after it

    @property
    def found(self) -> bool:
        return self.first is not None and self.contacts_after_first > 0

    def describe(self, case: CaseEvents) -> str:
        if self.first is None:
            return (
                "No message or diary entry where you asked them to stop, or blocked them, was found. If you "
                "did, add it to the diary: contact after a clear 'stop' is strong evidence."
            )
        when = plain_date(case.at[self.first])
        if not self.contacts_after_first:
            return f"You asked them to stop or blocked them on {when}; no contact from them was found after."
        count = self.contacts_after_first
        return (
            f"You asked them to stop or blocked them on {when}. After that there were {count} more "
            f"contact{'s' if count != 1 else ''} or incident{'s' if count != 1 else ''} from them."
        )

    def to_json(self, case: CaseEvents) -> dict[str, Any]:
        return {
            "found": self.found,
            "summary": self.describe(case),
            "first_request": _event_json(case, self.first) if self.first is not None else None,
            "contacts_after": self.contacts_after_first,
            "examples": [case.ids[i] for i in self.examples],
            "requests": [
                {
                    **_event_json(case, turn.event),
                    "what": turn.what,
                    "contacts_after": turn.contacts_after,
                    "channels_after": list(turn.channels_after),
                    "first_contact_after": case.ids[turn.first_after]
                    if turn.first_after is not None
                    else None,
                }
                for turn in self.turns[:REQUESTS_SHOWN]
            ],
            "requests_total": len(self.turns),
        }


def stop_requests(case: CaseEvents) -> list[tuple[int, str]]:
    """Every stop request or block by the person, in time order."""
    own = case.author_is(VICTIM) | case.author_is(DIARY)
    found = {
        item.index: STOP_LABEL
        for item in case.flagged
        if own[item.index] and any(flag.label == STOP_LABEL for flag in item.flags)
    }
    for index in case.blocks:
        found[index] = "block"
    return sorted(found.items())


def after_stop(case: CaseEvents, conduct: np.ndarray[Any, np.dtype[np.bool_]]) -> AfterStop:
    """`conduct` marks the suspects' events; what counts after a request is their own messages, calls and
    posts, and incidents in the diary, but not the diary notes that record the request or block itself."""
    requests = stop_requests(case)
    counted = conduct & (case.author_is(SUSPECT) | case.author_is(DIARY))
    counted[[index for index, _ in requests]] = False
    contact_indexes = np.flatnonzero(counted)
    contact_times = case.at[contact_indexes]  # in time order, as the case is
    # A request known only by its date counts from the end of that day: what came earlier that day may
    # have come before it. (Such dates are stored at midday.)
    request_times = np.array([case.at[i] + (0.0 if case.timed[i] else DAY / 2) for i, _ in requests])
    positions = np.searchsorted(contact_times, request_times, side="right")
    turns = []
    for number, ((index, what), position) in enumerate(zip(requests, positions.tolist(), strict=True)):
        later = len(contact_indexes) - position
        # The channels used afterwards are listed for the first requests only: people may ask many times.
        shown = contact_indexes[position : position + 1000] if number < TURNS_WITH_CHANNELS else ()
        channels = tuple(dict.fromkeys(case.channels[case.channel[i]] for i in shown))
        turns.append(Turn(index, what, later, channels, int(contact_indexes[position]) if later else None))
    if not turns:
        return AfterStop((), 0, None, ())
    first = turns[0]
    position = len(contact_indexes) - first.contacts_after
    examples = tuple(int(i) for i in contact_indexes[position : position + EXAMPLES])
    return AfterStop(tuple(turns), first.contacts_after, first.event, examples)


def _event_json(case: CaseEvents, index: int) -> dict[str, Any]:
    return {"event_id": case.ids[index], "label": case.labels[index], "at": iso(case.at[index])}
