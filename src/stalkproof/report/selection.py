"""Which part of a case a pack holds: a period, one person's conduct, or chosen exhibits only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PackSelection:
    """`since`/`until` are ISO 8601 dates or times (a date alone means the whole day), `party_id` limits the
    chronology to events involving that person, and `exhibit_refs` (when not empty) limits the exhibits to
    those: the pack then proves each of them against the signed checkpoint without revealing the rest."""

    since: str | None = None
    until: str | None = None
    party_id: str | None = None
    exhibit_refs: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not (self.since or self.until or self.party_id or self.exhibit_refs)
