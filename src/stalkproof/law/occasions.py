"""Turning timeline rows into the occasions the law tests count, and grouping them by the person responsible.

The rules, kept simple so an adviser can check them by hand:

- Each event (a diary entry, a message, a call) is one occasion, however many things happened in it.
- An event is the conduct of a suspect when it names them (`parties`) or was sent from an account that is
  theirs. Events sent from the account of someone who is not a suspect (often the person affected, replying)
  are left out.
- An event that names no suspect counts only if it has a behaviour code, so a diary note such as "rang the
  police" is not taken for conduct. Such an event may be by any suspect, so it counts with each of them.
- A message or call from a suspect's account counts as `contact` even when nobody coded it.
- Electronic means a channel is recorded and it is not a face-to-face or postal one. A diary entry with no
  channel is taken as something that happened in person.
- Tests are applied to each suspect separately: two incidents by two different people are not one course
  of conduct unless someone shows they acted together, which is for an adviser to judge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stalkproof.evidence.events import decode_list

NOT_ELECTRONIC = frozenset(
    {"in_person", "in-person", "in person", "face_to_face", "face-to-face", "post", "letter", "mail", "hand"}
)
CONTACT_KINDS = frozenset({"message", "call", "voicemail", "email"})
ANYONE = ""  # the group key when the case names no suspect


@dataclass(frozen=True)
class Attribution:
    """Who is who in the case: the suspects' party ids, and which person each known account belongs to."""

    suspects: frozenset[str] = frozenset()
    accounts: Mapping[str, str] = field(default_factory=dict)  # "platform:identifier" -> party id


@dataclass(frozen=True)
class Occasion:
    id: str
    at: datetime
    behaviours: frozenset[str]
    electronic: bool
    by: frozenset[str]  # the suspects it is attributed to; empty when it names none


@dataclass(frozen=True)
class Occasions:
    counted: list[Occasion]
    from_others: int  # sent by someone who is not a suspect
    uncoded: int  # names no suspect and has no behaviour code


def occasions(rows: Iterable[Mapping[str, Any]], attribution: Attribution = Attribution()) -> Occasions:
    counted, from_others, uncoded = [], 0, 0
    for row in rows:
        sender = _sender_party(row, attribution)
        if sender is not None and sender not in attribution.suspects:
            from_others += 1
            continue
        by = _named_suspects(decode_list(row.get("parties")), attribution.suspects)
        by |= {sender} if sender else set()
        codes = set(decode_list(row.get("behaviours")))
        if sender and row.get("kind") in CONTACT_KINDS:
            codes.add("contact")
        if not by and not codes:
            uncoded += 1
            continue
        counted.append(
            Occasion(row["entry_id"], _instant(row["occurred_at"]), frozenset(codes), _electronic(row), by)
        )
    return Occasions(sorted(counted, key=lambda item: (item.at, item.id)), from_others, uncoded)


def _sender_party(row: Mapping[str, Any], attribution: Attribution) -> str | None:
    platform, identifier = row.get("sender_platform"), row.get("sender_identifier")
    return attribution.accounts.get(f"{platform}:{identifier}") if platform else None


def _named_suspects(named: list[str], suspects: frozenset[str]) -> frozenset[str]:
    # The diary stores a party as typed, which may be a unique prefix of the id (at least 4 characters).
    return frozenset(
        s for s in suspects for name in named if name == s or (len(name) >= 4 and s.startswith(name))
    )


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _electronic(row: Mapping[str, Any]) -> bool:
    channel = row.get("channel")
    return bool(channel) and str(channel).strip().lower() not in NOT_ELECTRONIC


def by_person(counted: Sequence[Occasion]) -> dict[str, list[Occasion]]:
    """Each suspect's occasions, including the unattributed ones (which may be theirs)."""
    people = sorted(set().union(*(item.by for item in counted))) if counted else []
    if not people:
        return {ANYONE: list(counted)}
    return {person: [item for item in counted if person in item.by or not item.by] for person in people}
