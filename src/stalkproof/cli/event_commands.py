"""The timeline command."""

from __future__ import annotations

import csv
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from stalkproof.analysis.event_flags import flag_json, flags_for_rows, searched_text
from stalkproof.analysis.flags import Flagger
from stalkproof.analysis.load import WhoIsWho
from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, emit, opened_case, out
from stalkproof.errors import InputError
from stalkproof.evidence.events import TimelineFilter, event_record, timeline
from stalkproof.evidence.ids import find_by_prefix
from stalkproof.evidence.time import range_end, range_start
from stalkproof.vault.schema import parties


def events(
    since: Annotated[str | None, typer.Option(help="Only from this date or time on.")] = None,
    until: Annotated[str | None, typer.Option(help="Only up to this date or time.")] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel, e.g. whatsapp.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind, e.g. diary or message.")] = None,
    party: Annotated[str | None, typer.Option(help="Only events from or about this person (id).")] = None,
    flag: Annotated[
        str | None, typer.Option(help="Only events with this flag, e.g. threat or surveillance.")
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV on stdout (one row per event).")] = False,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """The timeline: everything in the case, in the order it happened, with the flags each event raises."""
    flagger = Flagger.load()
    if flag and flag not in flagger.labels():
        raise InputError(f"'{flag}' is not a flag. Flags are: {', '.join(flagger.labels())}.")
    with opened_case(vault, case) as (opened_vault, chosen), opened_vault.read() as connection:
        party_id = (
            find_by_prefix(connection, parties.c.id, party, "person", (parties.c.case_id == chosen.id,))
            if party
            else None
        )
        chosen_filter = TimelineFilter(
            since=range_start(since) if since else None,
            until=range_end(until) if until else None,
            channel=channel,
            kind=kind,
            party_id=party_id,
        )
        rows = timeline(connection, chosen.id, chosen_filter)
        who = WhoIsWho.of_case(connection, chosen.id)
    items = []
    for row, found in zip(rows, flags_for_rows(rows, who, flagger), strict=True):
        if flag and not any(one.label == flag for one in found):
            continue
        item = event_record(row)
        item["flags"] = [flag_json(one, *searched_text(row)) for one in found]
        items.append(item)
    if as_csv:
        _write_csv(items)
        return
    emit(as_json, items, lambda: _show(items))


CSV_FIELDS = (
    "id", "label", "occurred_at", "occurred_local", "zone", "precision", "kind", "channel", "sender",
    "recipients", "text", "place", "behaviours", "flags", "source_file", "source_line", "source_sha256",
)  # fmt: skip


def _write_csv(items: list[dict[str, Any]]) -> None:
    """One row per event; lists joined with '; ' so the file opens cleanly in a spreadsheet."""
    writer = csv.writer(sys.stdout)
    writer.writerow(CSV_FIELDS)
    for item in items:
        source = item["source"]
        flat = {
            **item,
            "recipients": "; ".join(item["recipients"]),
            "behaviours": "; ".join(item["behaviours"]),
            "flags": "; ".join(sorted({flag["label"] for flag in item["flags"]})),
            "source_file": source["file"],
            "source_line": source["line"],
            "source_sha256": source["sha256"],
        }
        writer.writerow(["" if flat.get(name) is None else flat[name] for name in CSV_FIELDS])


def _show(items: list[dict[str, Any]]) -> None:
    table = Table("when (local)", "kind", "channel", "from", "what", "flags")
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
            ", ".join(sorted({flag["label"] for flag in item["flags"]})),
        )
    out.print(table if items else "Nothing in the timeline yet.")
