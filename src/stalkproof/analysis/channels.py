"""Which ways the suspects reached the person, and when they moved from one to another.

Moving to a new app, number or account, especially after being blocked, shows determination to keep
contact going, and links accounts together: the pattern is the evidence that they are one person's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stalkproof.analysis.load import CaseEvents
from stalkproof.analysis.timefmt import iso

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ChannelUse:
    channel: str
    count: int
    first: float
    last: float


@dataclass(frozen=True)
class Switch:
    """The first time a channel was used, after another one had been used before it."""

    at: float
    event: int
    from_channel: str
    to_channel: str
    after_block: int | None  # the block event this came after (the latest one before it), if any


@dataclass(frozen=True)
class Channels:
    uses: tuple[ChannelUse, ...]
    switches: tuple[Switch, ...]

    def describe(self) -> str:
        if not self.uses:
            return "No contact from them was found yet."
        names = ", ".join(f"{use.channel} ({use.count})" for use in self.uses)
        text = f"They used {len(self.uses)} way{'s' if len(self.uses) != 1 else ''} to reach you: {names}."
        after = [switch for switch in self.switches if switch.after_block is not None]
        if after:
            text += f" {len(after)} new way{'s' if len(after) != 1 else ''} started after you blocked them."
        return text

    def to_json(self, case: CaseEvents) -> dict[str, Any]:
        return {
            "summary": self.describe(),
            "used": [
                {"channel": use.channel, "count": use.count, "first": iso(use.first), "last": iso(use.last)}
                for use in self.uses
            ],
            "switches": [
                {
                    "at": iso(switch.at),
                    "event_id": case.ids[switch.event],
                    "from": switch.from_channel,
                    "to": switch.to_channel,
                    "after_block": case.ids[switch.after_block] if switch.after_block is not None else None,
                }
                for switch in self.switches
            ],
        }


def channels(case: CaseEvents, conduct: Mask) -> Channels:
    # A diary entry that names no app is not a way they reached the person.
    indexes = np.flatnonzero(conduct & ~case.on_channel("diary"))
    codes = case.channel[indexes]
    uses = []
    for code in np.unique(codes):
        mine = indexes[codes == code]
        uses.append(ChannelUse(case.channels[code], len(mine), case.at[mine[0]], case.at[mine[-1]]))
    uses.sort(key=lambda use: (-use.count, use.channel))
    return Channels(tuple(uses), tuple(_switches(case, indexes, codes)))


def _switches(case: CaseEvents, indexes: npt.NDArray[np.intp], codes: npt.NDArray[np.int16]) -> list[Switch]:
    """A switch is each channel's first use after the first channel: vectorised via np.unique's first
    positions, so it costs the same for a million events as for ten."""
    if not len(indexes):
        return []
    _, first_positions = np.unique(codes, return_index=True)
    order = np.sort(first_positions)
    found = []
    for position in order[1:]:
        event = int(indexes[position])
        previous = case.channels[codes[position - 1]]
        found.append(
            Switch(
                case.at[event],
                event,
                previous,
                case.channels[codes[position]],
                case.block_before(case.at[event]),
            )
        )
    return found
