"""Accounts that may be pretending to be the person: a name like theirs on an account that is not theirs.

Fake profiles in the person's name are used to reach their friends, to post about them, or to get
information. A display name close to the person's own name on an account they have not said is theirs is
worth checking; messages flagged as impersonation are listed too. Both can be wrong: they are leads.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from stalkproof.analysis.load import CaseEvents
from stalkproof.analysis.settings import default_settings

IMPERSONATION_LABEL = "impersonation"


@dataclass(frozen=True)
class LookAlike:
    account: str
    display_name: str
    similarity: float


@dataclass(frozen=True)
class Impersonation:
    look_alikes: tuple[LookAlike, ...]
    flagged: tuple[int, ...]  # events with an impersonation flag

    @property
    def found(self) -> bool:
        return bool(self.look_alikes or self.flagged)

    def describe(self) -> str:
        if not self.found:
            return "No account using your name, and no message about pretending to be you, was found."
        parts = []
        if self.look_alikes:
            parts.append(f"{len(self.look_alikes)} account(s) not marked as yours use a name like yours")
        if self.flagged:
            parts.append(
                f"{len(self.flagged)} message(s) suggest someone pretending to be you or someone else"
            )
        return "; ".join(parts) + ". Check them: these are leads, not proof."

    def to_json(self, case: CaseEvents) -> dict[str, Any]:
        return {
            "found": self.found,
            "summary": self.describe(),
            "accounts": [
                {
                    "account": item.account,
                    "display_name": item.display_name,
                    "similarity": round(item.similarity, 2),
                }
                for item in self.look_alikes
            ],
            "events": [case.ids[index] for index in self.flagged],
        }


def impersonation(case: CaseEvents) -> Impersonation:
    subject = case.subject()
    look_alikes: list[LookAlike] = []
    if subject is not None:
        own = _simple(subject.name)
        for account in case.accounts:
            if account.party_id == subject.id or not account.display_name or not own:
                continue
            similarity = SequenceMatcher(None, own, _simple(account.display_name)).ratio()
            if similarity >= default_settings().conduct.look_alike_similarity:
                look_alikes.append(LookAlike(account.label, account.display_name, similarity))
    flagged = tuple(
        item.index for item in case.flagged if any(flag.label == IMPERSONATION_LABEL for flag in item.flags)
    )
    return Impersonation(tuple(look_alikes), flagged)


def _simple(name: str) -> str:
    """Lower case, accents and punctuation gone, so 'Sam  Carter' and 'sam.carter' compare alike."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.split())
