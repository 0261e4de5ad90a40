"""Writing one batch of imported records: accounts, attached media, events, warnings and the batch row,
all in the batch's transaction, so a crash leaves either the whole batch or none of it."""

from __future__ import annotations

import hashlib
import io
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import Connection, select

from stalkproof.evidence.events import EventDraft, add_events
from stalkproof.evidence.exhibits import next_ref
from stalkproof.evidence.ids import new_id, new_ordered_ids
from stalkproof.evidence.import_keys import Dater, dedup_key
from stalkproof.ingest.base import Attachment, Handle, ParseWarning, Record
from stalkproof.ingest.inputs import Input, Member
from stalkproof.ingest.normalise import normalised_copy
from stalkproof.vault.ledger import complete_row
from stalkproof.vault.schema import accounts, events, exhibits, import_batches, import_warnings, sources
from stalkproof.vault.vault import Writer

LOOKUP_CHUNK = 500
RANGE_SLACK = 64  # stored keys a range may hold beyond twice those asked for, before lookups
# A batch (one transaction) is turned into rows and written this many records at a time: its drafts, rows
# and ledger entries then never all exist at once, which keeps an import's memory flat (about 15 MB less
# at 5,000-record batches) at no cost in speed. What is stored, and the transaction, are the same.
WRITE_CHUNK = 1_000
RAW_LIMIT = 4096


@dataclass(frozen=True)
class Original:
    """The file a record came from, as stored: its source row and exhibit."""

    source_id: str
    exhibit_id: str
    exhibit_ref: str


@dataclass
class BatchCounts:
    new: int = 0
    duplicates: int = 0
    warnings: int = 0
    exhibits: int = 0


@dataclass
class ImportState:
    """What the store pass knows about the import as a whole, across batches."""

    import_id: str
    case_id: str
    source_name: str
    source_label: str
    parser_version: str
    inp: Input
    dater: Dater
    container: Original | None = None
    originals: dict[str, Original] = field(default_factory=dict)
    account_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    media: dict[str, str] = field(default_factory=dict)  # blob sha256 -> exhibit ref
    where: dict[str, str] = field(default_factory=dict)  # member name -> how it is named to the user
    batches: int = 0
    media_exhibits: int = 0


def store_batch(
    writer: Writer,
    state: ImportState,
    records: Sequence[tuple[int, Record]],
    warnings: Sequence[ParseWarning],
    records_through: int,
    final: bool,
) -> BatchCounts:
    counts = BatchCounts(warnings=len(warnings))
    for start in range(0, len(records), WRITE_CHUNK):
        _store_records(writer, state, records[start : start + WRITE_CHUNK], counts)
    _store_warnings(writer, state.import_id, warnings)
    state.batches += 1
    position = None
    if records:
        origin = records[-1][1].origin
        position = {"member": origin.member, "offset": origin.offset, "line": origin.line}
    writer.recorder.insert(
        import_batches,
        complete_row(
            import_batches,
            {
                "id": new_ordered_ids(1)[0],
                "import_id": state.import_id,
                "seq": state.batches,
                "records_through": records_through,
                "position": _json(position) if position else None,
                "new": counts.new,
                "duplicates": counts.duplicates,
                "warnings": counts.warnings,
                "exhibits": counts.exhibits,
                "final": final,
                "committed_at": writer.recorder.now,
            },
        ),
    )
    return counts


def _store_records(
    writer: Writer, state: ImportState, records: Sequence[tuple[int, Record]], counts: BatchCounts
) -> None:
    """Store one chunk of a batch's records (those not in the case already) as events."""
    keyed = [(dedup_key(state.source_name, record), record) for _, record in records]
    existing = _existing_keys(writer.connection, state.case_id, [key for key, _ in keyed])
    drafts: list[EventDraft] = []
    for key, record in keyed:
        if key in existing:
            counts.duplicates += 1
            continue
        existing.add(key)
        drafts.append(_draft(writer, state, record, key, counts))
    add_events(writer, state.case_id, drafts)
    counts.new += len(drafts)


def _existing_keys(connection: Connection, case_id: str, keys: list[str]) -> set[str]:
    """The keys among `keys` that the case already has.

    A key starts with its thread, then its time, so one thread's keys in a chunk lie in one narrow range
    of the key index. On SQLite that range is read once: on a first import it is empty, or holds only the
    few keys of the same minute stored just before. Looking each key up costs an index search per
    record. If the range holds many more stored keys than were asked for (another export of the same
    chat over the same days), the keys are looked up one by one after all. (PostgreSQL keeps the lookup:
    its text order follows the database's collation, which need not be the byte order the ranges assume.)
    """
    if connection.dialect.name != "sqlite":
        return _looked_up(connection, case_id, keys)
    wanted, found = set(keys), set[str]()
    for group in _by_thread(keys):
        cap = 2 * len(group) + RANGE_SLACK
        query = (
            select(events.c.dedup_key)
            .where(
                events.c.case_id == case_id,
                events.c.dedup_key.is_not(None),
                events.c.dedup_key.between(group[0], group[-1]),
            )
            .limit(cap + 1)
        )
        stored = [str(key) for (key,) in connection.execute(query)]
        if len(stored) > cap:
            found.update(_looked_up(connection, case_id, group))
        else:
            found.update(key for key in stored if key in wanted)
    return found


def _by_thread(keys: list[str]) -> list[list[str]]:
    """The keys, sorted, in groups of one thread each (the key's first 16 characters)."""
    groups: dict[str, list[str]] = {}
    for key in sorted(keys):
        groups.setdefault(key[:16], []).append(key)
    return list(groups.values())


def _looked_up(connection: Connection, case_id: str, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        query = select(events.c.dedup_key).where(
            events.c.case_id == case_id, events.c.dedup_key.is_not(None), events.c.dedup_key.in_(chunk)
        )
        found.update(str(key) for (key,) in connection.execute(query))
    return found


def _draft(writer: Writer, state: ImportState, record: Record, key: str, counts: BatchCounts) -> EventDraft:
    original = original_for(writer, state, record.origin.member)
    exhibit_refs = [original.exhibit_ref]
    details: dict[str, Any] = dict(record.details) if record.details else {}
    details["thread"] = record.thread
    details["time_found"] = record.when.found
    sender = record.sender
    if sender is not None and sender.display not in (None, sender.identifier):
        details["sender_display"] = sender.display
    if record.attachments:  # most records have none: skip the work, not just the loop
        exhibit_refs += [ref for item in record.attachments if (ref := _media(writer, state, item, counts))]
        details["attachments"] = [_attachment_note(attachment) for attachment in record.attachments]
    normalised = details.pop("text_normalised", None)
    if not isinstance(normalised, str):
        normalised = normalised_copy(record.text)
    return EventDraft(
        kind=record.kind,
        moment=state.dater.moment(record.when),
        text=record.text,
        channel=record.channel,
        sender_account_id=_account(writer, state, sender) if sender else None,
        recipients=[f"{handle.platform}:{handle.identifier}" for handle in record.recipients],
        exhibit_refs=exhibit_refs,
        source_id=original.source_id,
        locator=_locator(state, record),
        raw_sha256=hashlib.sha256(record.raw).hexdigest(),
        dedup_key=key,
        markers=sorted(record.markers) if record.markers else (),
        details=details,
        text_normalised=normalised if normalised != record.text else None,
    )


def _locator(state: ImportState, record: Record) -> dict[str, Any]:
    origin = record.origin
    locator: dict[str, Any] = {"file": _where(state, origin.member), "import": state.import_id}
    locator["length"] = origin.length
    if origin.member:
        locator["member"] = origin.member
    if origin.offset is not None:
        locator["offset"] = origin.offset
    if origin.line is not None:
        locator["line"] = origin.line
    if origin.end_line is not None:
        locator["end_line"] = origin.end_line
    if origin.path:
        locator["path"] = origin.path
    return locator


def _where(state: ImportState, member_name: str) -> str:
    """How a member is named to the user (cached: every record of a member asks)."""
    found = state.where.get(member_name)
    if found is None:
        member = state.inp.member(member_name) if member_name else None
        found = state.where[member_name] = state.inp.where(member) if member else state.inp.name
    return found


def original_for(writer: Writer, state: ImportState, member_name: str) -> Original:
    """The exhibit of the original a record came from: the whole file or zip, or (for a folder) the one
    file inside it, stored the first time it is needed."""
    if state.inp.kind != "folder":
        if state.container is None:
            state.container = _store_original(writer, state, None)
        return state.container
    found = state.originals.get(member_name)
    if found is None:
        found = state.originals[member_name] = _store_original(writer, state, state.inp.member(member_name))
    return found


def _store_original(writer: Writer, state: ImportState, member: Member | None) -> Original:
    name = member.name if member else state.inp.name
    with member.open() if member else state.inp.path.open("rb") as stream:
        blob = writer.add_blob(stream)
    exhibit_id, ref, _ = _exhibit(
        writer, state, blob.sha256, blob.size, name, f"{state.source_label} '{name}'", "export", None
    )
    source_id = _source(writer, state, blob.sha256, name)
    return Original(source_id, exhibit_id, ref)


def _source(writer: Writer, state: ImportState, blob_id: str, name: str) -> str:
    found = writer.connection.execute(
        select(sources.c.id).where(
            sources.c.case_id == state.case_id,
            sources.c.blob_id == blob_id,
            sources.c.parser == state.source_name,
            sources.c.parser_version == state.parser_version,
        )
    ).scalar()
    if found:
        return str(found)
    row = complete_row(
        sources,
        {
            "id": new_id(),
            "case_id": state.case_id,
            "kind": state.source_name,
            "name": name,
            "blob_id": blob_id,
            "parser": state.source_name,
            "parser_version": state.parser_version,
            "created_at": writer.recorder.now,
        },
    )
    writer.recorder.insert(sources, row)
    return str(row["id"])


def _exhibit(
    writer: Writer,
    state: ImportState,
    blob_id: str,
    size: int,
    name: str,
    description: str,
    method: str,
    derived_from: str | None,
) -> tuple[str, str, bool]:
    """The case's exhibit for these bytes (id, ref, whether it is new): the one already made, or a new one."""
    found = writer.connection.execute(
        select(exhibits.c.id, exhibits.c.ref)
        .where(exhibits.c.case_id == state.case_id, exhibits.c.blob_id == blob_id)
        .order_by(exhibits.c.created_at)
        .limit(1)
    ).first()
    if found is not None:
        return str(found.id), str(found.ref), False
    row = complete_row(
        exhibits,
        {
            "id": new_id(),
            "case_id": state.case_id,
            "ref": next_ref(writer.connection, state.case_id),
            "description": description,
            "blob_id": blob_id,
            "original_name": name.rsplit("/", 1)[-1],
            "media_type": mimetypes.guess_type(name)[0],
            "size": size,
            "captured_at": writer.recorder.now,
            "capture_method": method,
            "source_app": state.source_label,
            "derived_from": derived_from,
            "created_at": writer.recorder.now,
        },
    )
    writer.recorder.insert(exhibits, row)
    return str(row["id"]), str(row["ref"]), True


def _media(writer: Writer, state: ImportState, attachment: Attachment, counts: BatchCounts) -> str | None:
    stream = _attachment_bytes(state.inp, attachment)
    if stream is None:
        return None
    with stream:
        blob = writer.add_blob(stream)
    known = state.media.get(blob.sha256)
    if known:
        return known
    container = state.container.exhibit_id if state.container and state.inp.kind == "zip" else None
    _, ref, created = _exhibit(
        writer,
        state,
        blob.sha256,
        blob.size,
        attachment.name,
        f"'{attachment.name}', attached to a message in {state.source_label}",
        "attached to a message",
        container,
    )
    if created:
        counts.exhibits += 1
        state.media_exhibits += 1
    state.media[blob.sha256] = ref
    return ref


def _attachment_bytes(inp: Input, attachment: Attachment) -> IO[bytes] | None:
    if attachment.status == "inline" and attachment.data is not None:
        return io.BytesIO(attachment.data)
    if attachment.status == "attached" and attachment.member:
        member = inp.member(attachment.member)
        return member.open() if member else None
    return None


def _attachment_note(attachment: Attachment) -> dict[str, Any]:
    note: dict[str, Any] = {"name": attachment.name, "status": attachment.status}
    if attachment.mime:
        note["mime"] = attachment.mime
    return note


def _account(writer: Writer, state: ImportState, handle: Handle) -> str:
    key = (handle.platform, handle.identifier)
    found = state.account_ids.get(key)
    if found:
        return found
    existing = writer.connection.execute(
        select(accounts.c.id).where(
            accounts.c.case_id == state.case_id,
            accounts.c.platform == handle.platform,
            accounts.c.identifier == handle.identifier,
        )
    ).scalar()
    if existing is None:
        row = complete_row(
            accounts,
            {
                "id": new_id(),
                "case_id": state.case_id,
                "platform": handle.platform,
                "identifier": handle.identifier,
                "display_name": handle.display,
                "created_at": writer.recorder.now,
            },
        )
        writer.recorder.insert(accounts, row)
        existing = row["id"]
    state.account_ids[key] = str(existing)
    return str(existing)


def _store_warnings(writer: Writer, import_id: str, warnings: Sequence[ParseWarning]) -> None:
    if not warnings:
        return
    ids = new_ordered_ids(len(warnings))
    rows = [
        complete_row(
            import_warnings,
            {
                "id": row_id,
                "import_id": import_id,
                "ordinal": warning.ordinal,
                "code": warning.code,
                "member": warning.member,
                "line": warning.line,
                "byte_offset": warning.offset,
                "raw": warning.raw[:RAW_LIMIT],
                "reason": warning.reason,
                "created_at": writer.recorder.now,
            },
        )
        for row_id, warning in zip(ids, warnings, strict=True)
    ]
    writer.recorder.insert_many(import_warnings, rows)


def _json(value: Any) -> str:
    import orjson

    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
