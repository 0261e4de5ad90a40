"""The incident diary: what happened, when, where, who saw it, and how it affected the person.

An entry is never edited: `amend` writes a new version that points to the one it corrects, and every
version stays readable. `redact` is the one way to take words out (for an entry the person does not want
disclosed); it blanks the text of every version and leaves a ledgered record that it was done.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select, update

from stalkproof.errors import InputError, NotFoundError
from stalkproof.evidence.events import EventDraft, Lineage, decode_list, event_row, newest_versions
from stalkproof.evidence.exhibits import ExhibitDetails, find_exhibit, store_exhibit
from stalkproof.evidence.ids import find_by_prefix
from stalkproof.evidence.time import Moment
from stalkproof.evidence.vocabulary import check_behaviours
from stalkproof.vault.schema import events
from stalkproof.vault.vault import Vault, Writer

DIARY = "diary"
_NUMBER = re.compile(r"^[Dd]?(\d+)$")
# What a redaction blanks: everything the person wrote. When and that it happened stay on record.
# Files that arrive with an entry (from the web page): each becomes an exhibit in the same transaction.
NewFiles = Sequence[tuple[Path, ExhibitDetails]]
REDACTED_FIELDS = (
    "text",
    "text_normalised",
    "place",
    "witnesses",
    "impact",
    "actions",
    "how_saved",
    "risk_notes",
)


@dataclass(frozen=True)
class DiaryVersion:
    entry_id: str
    number: int
    version: int
    recorded_at: str
    row: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        row = self.row
        return {
            "id": self.entry_id,
            "number": self.number,
            "label": f"D{self.number}",
            "version": self.version,
            "recorded_at": self.recorded_at,
            "occurred_at": row["occurred_at"],
            "occurred_until": row["occurred_until"],
            "occurred_local": row["occurred_local"],
            "zone": row["occurred_zone"],
            "precision": row["precision"],
            "what": row["text"],
            "where": row["place"],
            "platform": row["channel"],
            "behaviours": decode_list(row["behaviours"]),
            "parties": decode_list(row["parties"]),
            "witnesses": decode_list(row["witnesses"]),
            "impact": row["impact"],
            "actions": decode_list(row["actions"]),
            "how_saved": row["how_saved"],
            "risk_notes": decode_list(row["risk_notes"]),
            "exhibits": decode_list(row["exhibit_refs"]),
            "change_note": row["change_note"],
            "redacted": bool(row["redacted"]),
        }


def diary_draft(moment: Moment, what: str, **details: Any) -> EventDraft:
    if not what.strip():
        raise InputError("Say what happened (--what), in the words you would use to tell someone.")
    draft = EventDraft(kind=DIARY, moment=moment, text=what, **details)
    return replace(draft, behaviours=check_behaviours(list(draft.behaviours)))


def add_entry(vault: Vault, case_id: str, draft: EventDraft, files: NewFiles = ()) -> DiaryVersion:
    """`files` are kept as new exhibits and linked to the entry; if any cannot be kept, nothing is saved."""
    with vault.write() as writer:
        draft = _attach(writer, case_id, draft, files)
        _check_exhibits(writer.connection, case_id, draft)
        number = _next_number(writer.connection, case_id)
        row = event_row(draft, case_id, writer.recorder.now, Lineage(number=number))
        writer.recorder.insert(events, row)
    return DiaryVersion(row["entry_id"], number, 1, row["recorded_at"], row)


def amend_entry(
    vault: Vault,
    case_id: str,
    text: str,
    changes: dict[str, Any],
    note: str | None,
    files: NewFiles = (),
) -> DiaryVersion:
    """A new version with `changes` applied to the newest one. Fields not named are carried over.
    `files` are kept as new exhibits and linked to the new version, in the same transaction."""
    if not changes and not files:
        raise InputError("Nothing to change: give at least one of --when, --what, --where, --behaviour, ….")
    if "behaviours" in changes:
        changes["behaviours"] = check_behaviours(list(changes["behaviours"]))
    with vault.write() as writer:
        current = _newest(writer.connection, case_id, text)
        if current.row["redacted"]:
            raise InputError(f"Entry D{current.number} was withdrawn (redacted) and cannot be amended.")
        draft = _attach(writer, case_id, replace(_draft_from_row(current.row), **changes), files)
        _check_exhibits(writer.connection, case_id, draft)
        lineage = Lineage(current.entry_id, current.version + 1, current.row["id"], current.number, note)
        row = event_row(draft, case_id, writer.recorder.now, lineage)
        writer.recorder.insert(events, row, action="amend")
    return DiaryVersion(row["entry_id"], current.number, row["version"], row["recorded_at"], row)


def redact_entry(vault: Vault, case_id: str, text: str, reason: str) -> DiaryVersion:
    if not reason.strip():
        raise InputError(
            "Give a short reason for withdrawing the entry (--reason); it is kept in the record."
        )
    with vault.write() as writer:
        current = _newest(writer.connection, case_id, text)
        _blank_versions(writer, current.entry_id, reason)
        row = _newest(writer.connection, case_id, current.entry_id)
    return row


def list_entries(vault: Vault, case_id: str) -> list[DiaryVersion]:
    """The newest version of each entry, in the order things happened."""
    with vault.read() as connection:
        rows = connection.execute(
            select(events)
            .where(events.c.case_id == case_id, events.c.kind == DIARY, newest_versions())
            .order_by(events.c.occurred_at, events.c.number)
        ).all()
    return [_version(dict(row._mapping)) for row in rows]


def entry_versions(vault: Vault, case_id: str, text: str) -> list[DiaryVersion]:
    """Every version of one entry, oldest first."""
    with vault.read() as connection:
        entry_id = _entry_id(connection, case_id, text)
        rows = connection.execute(
            select(events).where(events.c.entry_id == entry_id).order_by(events.c.version)
        ).all()
    return [_version(dict(row._mapping)) for row in rows]


def _blank_versions(writer: Writer, entry_id: str, reason: str) -> None:
    blank = dict.fromkeys(REDACTED_FIELDS) | {"redacted": True, "change_note": f"withdrawn: {reason}"}
    rows = writer.connection.execute(select(events).where(events.c.entry_id == entry_id)).all()
    for row in rows:
        writer.connection.execute(update(events).where(events.c.id == row.id).values(**blank))
        writer.recorder.record("redact", events.name, row.id, dict(row._mapping) | blank)


def _newest(connection: Connection, case_id: str, text: str) -> DiaryVersion:
    entry_id = _entry_id(connection, case_id, text)
    row = connection.execute(
        select(events).where(events.c.entry_id == entry_id).order_by(events.c.version.desc()).limit(1)
    ).one()
    return _version(dict(row._mapping))


def _entry_id(connection: Connection, case_id: str, text: str) -> str:
    """An entry by its diary number ('D7' or '7') or the start of its id."""
    scope = (events.c.case_id == case_id, events.c.kind == DIARY)
    number = _NUMBER.match(text.strip())
    if number:
        found = connection.execute(
            select(events.c.entry_id).where(*scope, events.c.number == int(number[1]))
        ).first()
        if found is None:
            raise NotFoundError(f"There is no diary entry D{number[1]} in this case.")
        return str(found[0])
    return find_by_prefix(connection, events.c.entry_id, text, "diary entry", scope)


def _next_number(connection: Connection, case_id: str) -> int:
    query = select(func.max(events.c.number)).where(events.c.case_id == case_id, events.c.kind == DIARY)
    return int(connection.execute(query).scalar() or 0) + 1


def _attach(writer: Writer, case_id: str, draft: EventDraft, files: NewFiles) -> EventDraft:
    if not files:
        return draft
    kept = [store_exhibit(writer, case_id, path, details) for path, details in files]
    return replace(draft, exhibit_refs=[*draft.exhibit_refs, *(exhibit.ref for exhibit in kept)])


def _check_exhibits(connection: Connection, case_id: str, draft: EventDraft) -> None:
    for ref in draft.exhibit_refs:
        find_exhibit(connection, case_id, ref)


def _draft_from_row(row: dict[str, Any]) -> EventDraft:
    def moment(prefix: str) -> Moment | None:
        if row[prefix] is None:
            return None
        return Moment(row[prefix], row["occurred_local"], row["occurred_zone"], row["precision"])

    start = moment("occurred_at")
    assert start is not None
    return EventDraft(
        kind=row["kind"],
        moment=start,
        until=moment("occurred_until"),
        text=row["text"],
        channel=row["channel"],
        place=row["place"],
        sender_account_id=row["sender_account_id"],
        recipients=decode_list(row["recipients"]),
        parties=decode_list(row["parties"]),
        witnesses=decode_list(row["witnesses"]),
        behaviours=decode_list(row["behaviours"]),
        impact=row["impact"],
        actions=decode_list(row["actions"]),
        how_saved=row["how_saved"],
        risk_notes=decode_list(row["risk_notes"]),
        exhibit_refs=decode_list(row["exhibit_refs"]),
        source_id=row["source_id"],
    )


def _version(row: dict[str, Any]) -> DiaryVersion:
    return DiaryVersion(row["entry_id"], int(row["number"]), int(row["version"]), row["recorded_at"], row)
