"""Events, the unit of the timeline: a message, a call, a sighting, a diary entry, a login, a finding.

Each version of an event is its own row, written once. The timeline shows the newest version of each.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, or_, select
from sqlalchemy.orm import aliased

from stalkproof.evidence.ids import new_id
from stalkproof.evidence.time import Moment
from stalkproof.vault.schema import accounts, attributions, events
from stalkproof.vault.vault import Writer

LIST_FIELDS = ("recipients", "parties", "witnesses", "behaviours", "actions", "risk_notes", "exhibit_refs")


@dataclass(frozen=True)
class EventDraft:
    """An event as a source or a person describes it, before the vault gives it an id."""

    kind: str
    moment: Moment
    text: str | None = None
    channel: str | None = None
    until: Moment | None = None
    place: str | None = None
    sender_account_id: str | None = None
    recipients: Sequence[str] = ()
    parties: Sequence[str] = ()
    witnesses: Sequence[str] = ()
    behaviours: Sequence[str] = ()
    impact: str | None = None
    actions: Sequence[str] = ()
    how_saved: str | None = None
    risk_notes: Sequence[str] = ()
    exhibit_refs: Sequence[str] = ()
    source_id: str | None = None
    locator: dict[str, Any] | None = None
    raw_sha256: str | None = None


@dataclass(frozen=True)
class Lineage:
    """Where a row sits among the versions of its event."""

    entry_id: str = field(default_factory=new_id)
    version: int = 1
    supersedes: str | None = None
    number: int | None = None
    change_note: str | None = None


_LIST = json.JSONEncoder(ensure_ascii=False)


def encode_list(values: Sequence[str]) -> str | None:
    return _LIST.encode(list(values)) if values else None


def decode_list(value: str | None) -> list[str]:
    return list(json.loads(value)) if value else []


def event_row(draft: EventDraft, case_id: str, recorded_at: str, lineage: Lineage) -> dict[str, Any]:
    """A complete `events` row: every column, in the form that is hashed into the ledger."""
    until = draft.until
    return {
        "id": new_id(),
        "entry_id": lineage.entry_id,
        "version": lineage.version,
        "supersedes": lineage.supersedes,
        "case_id": case_id,
        "number": lineage.number,
        "kind": draft.kind,
        "channel": draft.channel,
        "occurred_at": draft.moment.utc,
        "occurred_until": until.utc if until else None,
        "occurred_local": draft.moment.local,
        "occurred_zone": draft.moment.zone,
        "precision": draft.moment.precision,
        "recorded_at": recorded_at,
        "text": draft.text,
        "place": draft.place,
        "sender_account_id": draft.sender_account_id,
        "recipients": encode_list(draft.recipients),
        "parties": encode_list(draft.parties),
        "witnesses": encode_list(draft.witnesses),
        "behaviours": encode_list(draft.behaviours),
        "impact": draft.impact,
        "actions": encode_list(draft.actions),
        "how_saved": draft.how_saved,
        "risk_notes": encode_list(draft.risk_notes),
        "exhibit_refs": encode_list(draft.exhibit_refs),
        "source_id": draft.source_id,
        "locator": json.dumps(draft.locator) if draft.locator else None,
        "raw_sha256": draft.raw_sha256,
        "change_note": lineage.change_note,
        "redacted": False,
    }


def add_events(writer: Writer, case_id: str, drafts: Iterable[EventDraft]) -> list[str]:
    """Store new events (version 1 each) in one batch with their ledger entries. Returns their ids."""
    now = writer.recorder.now
    rows = [event_row(draft, case_id, now, Lineage()) for draft in drafts]
    writer.recorder.insert_many(events, rows)
    return [row["entry_id"] for row in rows]


@dataclass(frozen=True)
class TimelineFilter:
    since: str | None = None
    until: str | None = None
    channel: str | None = None
    kind: str | None = None
    party_id: str | None = None


def newest_versions() -> ColumnElement[bool]:
    """Rows no later version supersedes."""
    later = aliased(events)
    return ~exists().where(later.c.supersedes == events.c.id)


def timeline(connection: Connection, case_id: str, chosen: TimelineFilter) -> list[dict[str, Any]]:
    conditions: list[ColumnElement[bool]] = [
        events.c.case_id == case_id,
        newest_versions(),
        ~events.c.redacted,
    ]
    if chosen.since:
        conditions.append(events.c.occurred_at >= chosen.since)
    if chosen.until:
        conditions.append(events.c.occurred_at <= chosen.until)
    if chosen.channel:
        conditions.append(events.c.channel == chosen.channel)
    if chosen.kind:
        conditions.append(events.c.kind == chosen.kind)
    if chosen.party_id:
        conditions.append(_involves(chosen.party_id))
    sender = aliased(accounts)
    query = (
        select(
            events, sender.c.platform.label("sender_platform"), sender.c.identifier.label("sender_identifier")
        )
        .outerjoin(sender, sender.c.id == events.c.sender_account_id)
        .where(and_(*conditions))
        .order_by(events.c.occurred_at, events.c.number, events.c.id)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def _involves(party_id: str) -> ColumnElement[bool]:
    """Sent from one of the party's accounts, or naming the party (a diary entry about them)."""
    from_their_account = events.c.sender_account_id.in_(
        select(attributions.c.account_id).where(attributions.c.party_id == party_id)
    )
    return or_(from_their_account, events.c.parties.contains(json.dumps(party_id)))
