"""How much of their contact went unanswered: one-sided contact is a sign it is unwanted.

A suspect's message counts as answered when the person wrote on the same channel before the suspect's
next message there and within a day. It is a rough measure: people answer in other ways, and a reply
can be "leave me alone". It is shown as a share, never as a judgement of the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stalkproof.analysis.load import CaseEvents
from stalkproof.analysis.settings import default_settings

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Replies:
    contacts: int  # their messages and calls
    unanswered: int

    @property
    def ratio(self) -> float | None:
        return self.unanswered / self.contacts if self.contacts else None

    def describe(self) -> str:
        if not self.contacts:
            return "No messages or calls from them were found."
        share = round(100 * self.unanswered / self.contacts)
        return (
            f"{self.unanswered} of their {self.contacts} messages and calls ({share}%) had no reply from you "
            "on the same app soon after."
        )

    def to_json(self) -> dict[str, Any]:
        ratio = self.ratio
        return {
            "summary": self.describe(),
            "contacts": self.contacts,
            "unanswered": self.unanswered,
            "ratio": round(ratio, 3) if ratio is not None else None,
            "method": "a message or call counts as answered if you wrote anything on the same app before "
            f"their next one there, within {default_settings().conduct.reply_window_hours:g} hours (a rough "
            "measure: it does not check who your message was to)",
        }


def replies(case: CaseEvents, conduct: Mask, own: Mask) -> Replies:
    """`conduct` marks the suspects' events; `own` the person's own messages."""
    is_contact = conduct & case.is_contact() & (case.account >= 0)
    contacts = unanswered = 0
    window = default_settings().conduct.reply_window_hours * 3600
    for channel in np.unique(case.channel[is_contact]):
        theirs = np.sort(case.at[is_contact & (case.channel == channel)])
        mine = np.sort(case.at[own & (case.channel == channel)])
        next_theirs = np.append(theirs[1:], np.inf)
        deadline = np.minimum(next_theirs, theirs + window)
        # The first reply of mine at or after each of their messages (strictly after, to skip echoes).
        first_reply = np.searchsorted(mine, theirs, side="right")
        reply_at = np.append(mine, np.inf)[first_reply]
        contacts += len(theirs)
        unanswered += int((reply_at > deadline).sum())
    return Replies(contacts, unanswered)
