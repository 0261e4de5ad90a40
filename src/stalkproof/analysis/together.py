"""Several people acting together: more than one suspect contacting the person or named in incidents.

When two or more people work together to stalk someone, that is conspiracy to stalk (see the helpline's
notes). What the evidence can show is who took part, how much, and on which days more than one of them
acted, so the pattern can be put to the police; whether they agreed to it is for them to find out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stalkproof.analysis.load import CaseEvents
from stalkproof.analysis.rates import iso_day, local_days

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Together:
    parties: tuple[tuple[str, int], ...]  # (name, events) for each suspect who acted
    shared_days: int  # days on which two or more of them acted
    examples: tuple[str, ...]  # dates (YYYY-MM-DD) of shared days, first ten

    @property
    def several(self) -> bool:
        return len(self.parties) >= 2

    def describe(self) -> str:
        if not self.several:
            return "Only one person is recorded as doing this."
        names = ", ".join(f"{name} ({count})" for name, count in self.parties)
        return (
            f"{len(self.parties)} people are recorded as doing this: {names}. On {self.shared_days} "
            f"day{'s' if self.shared_days != 1 else ''} more than one of them acted. You may want to tell "
            "the police that more than one person is involved."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "several": self.several,
            "summary": self.describe(),
            "parties": [{"name": name, "events": count} for name, count in self.parties],
            "shared_days": self.shared_days,
            "example_days": list(self.examples),
        }


def together(case: CaseEvents, conduct: Mask) -> Together:
    named = conduct & (case.suspect >= 0)  # incidents naming no one cannot show who acted
    who = case.suspect[named].astype(np.int64)
    acted = [(case.people[int(code)].name, int((who == code).sum())) for code in np.unique(who)]
    if len(acted) < 2:
        return Together(tuple(acted), 0, ())
    days = local_days(case.series(named))  # the person's own calendar days, as every measure uses
    pairs = np.unique(np.stack([days, who]), axis=1)
    day_values, people_per_day = np.unique(pairs[0], return_counts=True)
    shared = day_values[people_per_day >= 2]
    examples = tuple(iso_day(int(value)) for value in shared[:10])
    return Together(tuple(sorted(acted, key=lambda item: -item[1])), len(shared), examples)
