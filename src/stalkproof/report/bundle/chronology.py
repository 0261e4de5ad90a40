"""The pack's chronology: the events in the selection, oldest first, with the text exactly as found."""

from __future__ import annotations

import csv
import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from stalkproof.analysis.event_flags import flags_for_rows
from stalkproof.analysis.flags import Flagger
from stalkproof.analysis.load import WhoIsWho
from stalkproof.evidence.events import TimelineFilter, event_record, timeline
from stalkproof.evidence.time import range_end, range_start
from stalkproof.report.selection import PackSelection

JSON_FIELDS = (
    "id", "label", "occurred_at", "occurred_local", "zone", "precision", "channel", "kind", "from", "text",
    "flags", "exhibits", "source",
)  # fmt: skip
CSV_FIELDS = (
    "id", "label", "occurred_at", "occurred_local", "zone", "precision", "channel", "kind", "from", "text",
    "flags", "exhibits", "source_file", "source_line", "source_sha256",
)  # fmt: skip


def time_filter(selection: PackSelection) -> TimelineFilter:
    return TimelineFilter(
        since=range_start(selection.since) if selection.since else None,
        until=range_end(selection.until) if selection.until else None,
        party_id=selection.party_id,
    )


def chronology(
    connection: Connection, case_id: str, selection: PackSelection, packed_refs: Collection[str] | None
) -> list[dict[str, Any]]:
    """`packed_refs`, when given, keeps only those exhibit references on each event, so a pack of some
    exhibits does not even name the others."""
    rows = timeline(connection, case_id, time_filter(selection))
    flags = flags_for_rows(rows, WhoIsWho.of_case(connection, case_id), Flagger.load())
    return [_event(row, found, packed_refs) for row, found in zip(rows, flags, strict=True)]


def _event(row: Mapping[str, Any], found: list[Any], packed_refs: Collection[str] | None) -> dict[str, Any]:
    record = event_record(row)
    refs = record["exhibits"]
    if packed_refs is not None:
        refs = [ref for ref in refs if ref in packed_refs]
    # The pack says "from" where `events --json` says "sender"; the field names are part of the pack format.
    named = {
        **record,
        "from": record["sender"],
        "flags": sorted({flag.label for flag in found}),
        "exhibits": refs,
    }
    return {name: named[name] for name in JSON_FIELDS}


def write_chronology(folder: Path, events: list[dict[str, Any]], csv_name: str, json_name: str) -> None:
    text = json.dumps({"events": events}, indent=2, ensure_ascii=False) + "\n"
    (folder / json_name).write_text(text, encoding="utf-8")
    with (folder / csv_name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        for event in events:
            writer.writerow(_csv_row(event))


def _csv_row(event: Mapping[str, Any]) -> list[Any]:
    source = event["source"]
    flat = {
        **event,
        "flags": "; ".join(event["flags"]),
        "exhibits": "; ".join(event["exhibits"]),
        "source_file": source["file"],
        "source_line": source["line"],
        "source_sha256": source["sha256"],
    }
    return ["" if flat.get(name) is None else flat[name] for name in CSV_FIELDS]
