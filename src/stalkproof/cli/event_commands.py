"""The timeline command."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, emit, opened_case, out
from stalkproof.evidence.events import TimelineFilter, decode_list, timeline
from stalkproof.evidence.ids import find_by_prefix
from stalkproof.evidence.time import parse_when
from stalkproof.vault.schema import parties


def events(
    since: Annotated[str | None, typer.Option(help="Only from this date or time on.")] = None,
    until: Annotated[str | None, typer.Option(help="Only up to this date or time.")] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel, e.g. whatsapp.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind, e.g. diary or message.")] = None,
    party: Annotated[str | None, typer.Option(help="Only events from or about this person (id).")] = None,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """The timeline: everything in the case, in the order it happened."""
    with opened_case(vault, case) as (opened_vault, chosen), opened_vault.read() as connection:
        party_id = (
            find_by_prefix(connection, parties.c.id, party, "person", (parties.c.case_id == chosen.id,))
            if party
            else None
        )
        chosen_filter = TimelineFilter(
            since=parse_when(since).utc if since else None,
            until=parse_when(until).utc if until else None,
            channel=channel,
            kind=kind,
            party_id=party_id,
        )
        rows = timeline(connection, chosen.id, chosen_filter)
    items = [event_json(row) for row in rows]
    emit(as_json, items, lambda: _show(items))


def event_json(row: dict[str, Any]) -> dict[str, Any]:
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


def _show(items: list[dict[str, Any]]) -> None:
    table = Table("when (local)", "kind", "channel", "from", "what")
    for item in items:
        when = str(item["occurred_local"]).replace("T", " ") + (
            " ~" if item["precision"] == "approximate" else ""
        )
        table.add_row(
            when,
            item["label"] or item["kind"],
            item["channel"] or "",
            item["sender"] or "",
            item["text"] or "",
        )
    out.print(table if items else "Nothing in the timeline yet.")
