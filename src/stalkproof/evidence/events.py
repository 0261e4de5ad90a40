"""Events, the unit of the timeline: a message, a call, a sighting, a diary entry, a login, a finding.

Each version of an event is its own row, written once. The timeline shows the newest version of each.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from stalkproof.evidence.ids import new_ordered_ids
from stalkproof.evidence.time import Moment
from stalkproof.vault.bulk import paused_garbage_collection
from stalkproof.vault.schema import accounts, attributions, events
from stalkproof.vault.vault import Writer

LIST_FIELDS = ("recipients", "parties", "witnesses", "behaviours", "actions", "risk_notes", "exhibit_refs")


@dataclass(slots=True)
class EventDraft:
    """An event as a source or a person describes it, before the vault gives it an id. (Not frozen: an
    import builds one per message, and a frozen dataclass costs three times as much to make.)"""

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
    dedup_key: str | None = None
    markers: Sequence[str] = ()
    details: dict[str, Any] | None = None
    text_normalised: str | None = None


@dataclass(frozen=True)
class Lineage:
    """Where a row sits among the versions of its event. A new event has no entry id yet: it takes the
    id of its first row."""

    entry_id: str = ""
    version: int = 1
    supersedes: str | None = None
    number: int | None = None
    change_note: str | None = None


FIRST_VERSION = Lineage()


def encode_list(values: Sequence[str]) -> str | None:
    """Compact JSON text, as in the canonical row form (None for an empty list, so it is not stored)."""
    if not values:
        return None
    return orjson.dumps(values if isinstance(values, list | tuple) else list(values)).decode()


def encode_object(locator: dict[str, Any] | None) -> str | None:
    return orjson.dumps(locator, option=orjson.OPT_SORT_KEYS).decode() if locator else None


def decode_list(value: str | None) -> list[str]:
    return list(json.loads(value)) if value else []


def event_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A timeline row (see `timeline`) as plain JSON: the shape `events --json` prints, which the pack's
    chronology narrows. `flags` is left empty for the caller, who knows which flagger it used."""
    locator = json.loads(row["locator"]) if row["locator"] else {}
    sender = f"{row['sender_platform']}:{row['sender_identifier']}" if row["sender_platform"] else None
    return {
        "id": row["entry_id"],
        "version": row["version"],
        "label": f"D{row['number']}" if row["number"] else None,
        "occurred_at": row["occurred_at"],
        "occurred_local": row["occurred_local"],
        "zone": row["occurred_zone"],
        "precision": row["precision"],
        "channel": row["channel"],
        "kind": row["kind"],
        "sender": sender,
        "recipients": decode_list(row["recipients"]),
        "text": row["text"],
        "place": row["place"],
        "behaviours": decode_list(row["behaviours"]),
        "exhibits": decode_list(row["exhibit_refs"]),
        "source": {"file": locator.get("file"), "line": locator.get("line"), "sha256": row["raw_sha256"]},
        "flags": [],
        "markers": decode_list(row.get("markers")),
        "text_normalised": row.get("text_normalised"),
        "details": json.loads(row["details"]) if row.get("details") else {},
    }


def event_row(
    draft: EventDraft, case_id: str, recorded_at: str, lineage: Lineage, row_id: str | None = None
) -> dict[str, Any]:
    """A complete `events` row: every column, in the form that is hashed into the ledger."""
    # Bulk imports build tens of thousands of these a second: lists are only encoded when not empty.
    row_id, moment, until, encode = row_id or new_ordered_ids(1)[0], draft.moment, draft.until, encode_list
    # Keys in sorted order: the ledger hashes rows with sorted keys, and orjson sorts an already sorted
    # dict about twice as fast. The order is for speed only; the hash does not depend on it.
    row: dict[str, Any] = {
        "actions": encode(draft.actions) if draft.actions else None,
        "behaviours": encode(draft.behaviours) if draft.behaviours else None,
        "case_id": case_id,
        "change_note": lineage.change_note,
        "channel": draft.channel,
        "dedup_key": draft.dedup_key if lineage.version == 1 else None,
        "details": encode_object(draft.details) if draft.details else None,
        "entry_id": lineage.entry_id or row_id,
        "exhibit_refs": encode(draft.exhibit_refs) if draft.exhibit_refs else None,
        "how_saved": draft.how_saved,
        "id": row_id,
        "impact": draft.impact,
        "kind": draft.kind,
        "locator": encode_object(draft.locator) if draft.locator else None,
        "markers": encode(sorted(draft.markers)) if draft.markers else None,
        "number": lineage.number,
        "occurred_at": moment.utc,
        "occurred_local": moment.local,
        "occurred_until": until.utc if until else None,
        "occurred_zone": moment.zone,
        "parties": encode(draft.parties) if draft.parties else None,
        "place": draft.place,
        "precision": moment.precision,
        "raw_sha256": draft.raw_sha256,
        "recipients": encode(draft.recipients) if draft.recipients else None,
        "recorded_at": recorded_at,
        "redacted": False,
        "risk_notes": encode(draft.risk_notes) if draft.risk_notes else None,
        "sender_account_id": draft.sender_account_id,
        "source_id": draft.source_id,
        "supersedes": lineage.supersedes,
        "text": draft.text,
        "text_normalised": draft.text_normalised,
        "version": lineage.version,
        "witnesses": encode(draft.witnesses) if draft.witnesses else None,
    }
    if not (draft.dedup_key or draft.markers or draft.details or draft.text_normalised):
        # Columns added by migration 0003 are present only when used, so a diary row is hashed and
        # inserted exactly as before it (see vault.schema.LATE_COLUMNS).
        del row["dedup_key"], row["details"], row["markers"], row["text_normalised"]
    return row


def add_events(writer: Writer, case_id: str, drafts: Iterable[EventDraft]) -> list[str]:
    """Store new events (version 1 each) in one batch with their ledger entries. Returns their ids."""
    now, batch = writer.recorder.now, list(drafts)
    with paused_garbage_collection():
        # A first version's entry id is its row id: one id per event, and the entry is easy to find later.
        rows = [
            event_row(draft, case_id, now, FIRST_VERSION, row_id)
            for draft, row_id in zip(batch, new_ordered_ids(len(batch)), strict=True)
        ]
        writer.recorder.insert_many(events, rows)
    return [row["entry_id"] for row in rows]


@dataclass(frozen=True)
class TimelineFilter:
    since: str | None = None
    until: str | None = None
    channel: str | None = None
    kind: str | None = None
    party_id: str | None = None
    # Words to find in the text (as found, or its search copy); case is ignored for plain letters.
    words: str | None = None


@dataclass(frozen=True)
class TimelinePage:
    """One page of the timeline, and how many rows the whole filtered timeline has."""

    rows: list[dict[str, Any]]
    total: int
    offset: int
    limit: int


def newest_versions() -> ColumnElement[bool]:
    """Rows no later version supersedes."""
    later = aliased(events)
    return ~exists().where(later.c.supersedes == events.c.id)


def timeline(connection: Connection, case_id: str, chosen: TimelineFilter) -> list[dict[str, Any]]:
    """Every row of the filtered timeline, oldest first."""
    return [dict(row._mapping) for row in connection.execute(_rows_query(case_id, chosen))]


def timeline_page(
    connection: Connection,
    case_id: str,
    chosen: TimelineFilter,
    *,
    limit: int,
    offset: int = 0,
    total: int | None = None,
) -> TimelinePage:
    """`limit` rows from `offset` on, in the order `timeline` gives, and the filtered total (counted
    unless the caller already knows it). A page reads only its own rows, not the whole timeline."""
    counted = timeline_count(connection, case_id, chosen) if total is None else total
    from_end = counted - offset - limit
    if offset > counted // 2 and from_end > -limit:
        # Late pages are read backwards from the end: skipping rows costs as much as reading them, so
        # the last page is as quick as the first. The order is exactly reversed (the id breaks every tie).
        query = _rows_query(case_id, chosen, backwards=True).limit(limit + min(from_end, 0))
        rows = [dict(row._mapping) for row in connection.execute(query.offset(max(from_end, 0)))][::-1]
    else:
        query = _rows_query(case_id, chosen).limit(limit).offset(offset)
        rows = [dict(row._mapping) for row in connection.execute(query)]
    return TimelinePage(rows, counted, offset, limit)


def timeline_count(connection: Connection, case_id: str, chosen: TimelineFilter) -> int:
    query = select(func.count()).select_from(events).where(and_(*_conditions(case_id, chosen)))
    return int(connection.execute(query).scalar_one())


def timeline_entry_ids(connection: Connection, case_id: str, chosen: TimelineFilter) -> list[str]:
    """The entry ids of the filtered timeline, in its order (for narrowing it further outside SQL)."""
    query = select(events.c.entry_id).where(and_(*_conditions(case_id, chosen))).order_by(*_ORDER)
    return list(connection.execute(query).scalars())


def timeline_columns(
    connection: Connection, case_id: str, chosen: TimelineFilter, names: Sequence[str]
) -> list[dict[str, Any]]:
    """Only these columns of the filtered timeline, in its order: reading a whole large case for one
    purpose (flagging its texts, say) costs far less without the columns that purpose does not need."""
    query = select(*(events.c[name] for name in names)).where(and_(*_conditions(case_id, chosen)))
    return [dict(row) for row in connection.execute(query.order_by(*_ORDER)).mappings()]


def timeline_rows_of(connection: Connection, case_id: str, entry_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The newest rows of these entries, in the order given (entries not in the case are left out)."""
    if not entry_ids:
        return []
    # The case is checked here, not in SQL: given a case condition, SQLite walks the case's time index
    # instead of looking the few entries up by id.
    query = _with_sender(
        select(events).where(events.c.entry_id.in_(list(entry_ids)), newest_versions(), ~events.c.redacted)
    )
    found = {
        row["entry_id"]: dict(row)
        for row in connection.execute(query).mappings()
        if row["case_id"] == case_id
    }
    return [found[entry_id] for entry_id in entry_ids if entry_id in found]


def timeline_choices(connection: Connection, case_id: str) -> tuple[list[str], list[str]]:
    """The channels and kinds the case's events use, for a filter's choices."""
    channel_query = select(events.c.channel).where(events.c.case_id == case_id, events.c.channel.is_not(None))
    kind_query = select(events.c.kind).where(events.c.case_id == case_id)
    channels = sorted(connection.execute(channel_query.distinct()).scalars())
    kinds = sorted(connection.execute(kind_query.distinct()).scalars())
    return channels, kinds


_ORDER = (events.c.occurred_at, events.c.number, events.c.id)


def _rows_query(case_id: str, chosen: TimelineFilter, backwards: bool = False) -> Select[Any]:
    order = [column.desc() for column in _ORDER] if backwards else _ORDER
    return _with_sender(select(events).where(and_(*_conditions(case_id, chosen)))).order_by(*order)


def _with_sender(query: Select[Any]) -> Select[Any]:
    sender = aliased(accounts)
    return query.add_columns(
        sender.c.platform.label("sender_platform"), sender.c.identifier.label("sender_identifier")
    ).outerjoin(sender, sender.c.id == events.c.sender_account_id)


def _conditions(case_id: str, chosen: TimelineFilter) -> list[ColumnElement[bool]]:
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
    if chosen.words and chosen.words.strip():
        conditions.append(_mentions(chosen.words.strip()))
    return conditions


def _mentions(words: str) -> ColumnElement[bool]:
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(
        events.c.text.ilike(pattern, escape="\\"), events.c.text_normalised.ilike(pattern, escape="\\")
    )


def _involves(party_id: str) -> ColumnElement[bool]:
    """Sent from one of the party's accounts, or naming the party (a diary entry about them)."""
    from_their_account = events.c.sender_account_id.in_(
        select(attributions.c.account_id).where(attributions.c.party_id == party_id)
    )
    return or_(from_their_account, events.c.parties.contains(json.dumps(party_id)))
