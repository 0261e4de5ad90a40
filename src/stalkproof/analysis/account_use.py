"""Each account the suspects used: when it was active, how much, and whether it appeared after a block.

A new number or profile that starts soon after the person blocked the last one is a common pattern in
stalking, and it is how people show that several accounts belong to one person.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from stalkproof.analysis.load import CaseEvents
from stalkproof.analysis.series import DAY
from stalkproof.analysis.settings import default_settings
from stalkproof.analysis.timefmt import iso

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class AccountSpan:
    account: int  # index into case.accounts
    count: int
    first: float
    last: float
    owner: str | None  # party name
    after_block: int | None  # the block event it started after, if within NEW_AFTER_BLOCK_DAYS
    blocked_at: float | None  # the first block of this account (on its app, or naming it) after it started


@dataclass(frozen=True)
class AccountUse:
    spans: tuple[AccountSpan, ...]

    @property
    def new_after_block(self) -> tuple[AccountSpan, ...]:
        return tuple(span for span in self.spans if span.after_block is not None)

    def describe(self) -> str:
        days = default_settings().conduct.new_account_after_block_days
        if not self.spans:
            return "No account of theirs has contacted you yet in what is stored."
        text = f"{len(self.spans)} account{'s' if len(self.spans) != 1 else ''} of theirs contacted you."
        new = self.new_after_block
        if new:
            text += (
                f" {len(new)} of them first appeared within {days:g} days after you blocked "
                "them: this can show the accounts are the same person's."
            )
        return text

    def to_json(self, case: CaseEvents) -> dict[str, Any]:
        return {
            "summary": self.describe(),
            "accounts": [
                {
                    "account": case.accounts[span.account].label,
                    "display_name": case.accounts[span.account].display_name,
                    "owner": span.owner,
                    "count": span.count,
                    "first": iso(span.first),
                    "last": iso(span.last),
                    "new_after_block": span.after_block is not None,
                    "after_block": case.ids[span.after_block] if span.after_block is not None else None,
                    "blocked_at": iso(span.blocked_at) if span.blocked_at is not None else None,
                }
                for span in self.spans
            ],
        }


def account_use(case: CaseEvents, conduct: Mask) -> AccountUse:
    chosen = conduct & (case.account >= 0)
    indexes = np.flatnonzero(chosen)
    owners = {person.id: person.name for person in case.people}
    codes = case.account[indexes]
    spans = []
    for code in np.unique(codes):
        mine = indexes[codes == code]
        first, last = float(case.at[mine[0]]), float(case.at[mine[-1]])
        account = case.accounts[int(code)]
        spans.append(
            AccountSpan(
                int(code),
                len(mine),
                first,
                last,
                owners.get(account.party_id or ""),
                _recent_block_before(case, first),
                _blocked(case, account.platform, first),
            )
        )
    spans.sort(key=lambda span: (span.first, span.account))
    if spans:  # the first account cannot be "new" after a block of itself
        spans[0] = replace(spans[0], after_block=None)
    return AccountUse(tuple(spans))


def _recent_block_before(case: CaseEvents, at: float) -> int | None:
    """The latest block before `at`, if it was recent enough to explain a new account."""
    block = case.block_before(at)
    if block is None or at - case.at[block] > default_settings().conduct.new_account_after_block_days * DAY:
        return None
    return block


def _blocked(case: CaseEvents, platform: str, since: float) -> float | None:
    """When the person first blocked this account: a block made on its app (its channel), or one whose
    words name its app ("blocked him on WhatsApp")."""
    for index in case.blocks:
        if case.at[index] < since:
            continue
        on_its_app = case.channels[case.channel[index]] == platform
        if on_its_app or platform in case.blocked_platforms.get(index, frozenset()):
            return float(case.at[index])
    return None
