"""Commands for the incident diary."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, emit, opened_case, out
from stalkproof.evidence.diary import (
    DiaryVersion,
    add_entry,
    amend_entry,
    diary_draft,
    entry_versions,
    list_entries,
    redact_entry,
)
from stalkproof.evidence.time import parse_when

diary_app = typer.Typer(
    help="Your incident diary: what happened, when, and how it affected you.", no_args_is_help=True
)

When = Annotated[
    str | None, typer.Option("--when", help="When it happened, e.g. 2026-03-01T15:20 or 2026-03-01.")
]
Until = Annotated[str | None, typer.Option("--until", help="When it ended, if it went on for a while.")]
Zone = Annotated[
    str | None,
    typer.Option(
        "--zone",
        help="Time zone of --when, e.g. Europe/London (default: the offset in --when, else this computer's).",
    ),
]
Approx = Annotated[bool, typer.Option("--approx", help="The time is approximate.")]
What = Annotated[
    str | None,
    typer.Option(
        "--what",
        help="What happened. Quote the exact words used. '-' reads it from standard input, "
        "which keeps it out of your shell history.",
    ),
]
Where = Annotated[str | None, typer.Option("--where", help="Where it happened (a place, or an app or site).")]
Platform = Annotated[str | None, typer.Option("--platform", help="The app or channel, e.g. whatsapp, phone.")]
Behaviour = Annotated[
    list[str] | None, typer.Option("--behaviour", help="A behaviour code; repeat for more.")
]
Party = Annotated[list[str] | None, typer.Option("--party", help="Id of a person involved; repeat for more.")]
Witness = Annotated[list[str] | None, typer.Option("--witness", help="Someone who saw or heard it.")]
Impact = Annotated[
    str | None, typer.Option("--impact", help="How it affected you (fear, changes to routine…).")
]
Action = Annotated[
    list[str] | None,
    typer.Option(
        "--action", help="What you did: report numbers, police reference, officer and collar number."
    ),
]
Saved = Annotated[
    str | None, typer.Option("--saved", help="How you saved the material (screenshot, export…).")
]
Risk = Annotated[
    list[str] | None, typer.Option("--risk", help="Anything that worries you about your safety.")
]
Exhibit = Annotated[
    list[str] | None, typer.Option("--exhibit", help="An exhibit label to link, e.g. EX-001.")
]


@diary_app.command("add")
def diary_add(
    when: When = None,
    until: Until = None,
    zone: Zone = None,
    approx: Approx = False,
    what: What = None,
    where: Where = None,
    platform: Platform = None,
    behaviour: Behaviour = None,
    party: Party = None,
    witness: Witness = None,
    impact: Impact = None,
    action: Action = None,
    saved: Saved = None,
    risk: Risk = None,
    exhibit: Exhibit = None,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write down an incident. Entries are never overwritten: corrections become new versions."""
    if when is None or what is None:
        raise typer.BadParameter("a diary entry needs --when and --what.")
    draft = diary_draft(
        parse_when(when, zone=zone, approximate=approx),
        _text(what),
        until=parse_when(until, zone=zone) if until else None,
        place=where,
        channel=platform,
        behaviours=behaviour or [],
        parties=party or [],
        witnesses=witness or [],
        impact=impact,
        actions=action or [],
        how_saved=saved,
        risk_notes=risk or [],
        exhibit_refs=exhibit or [],
    )
    with opened_case(vault, case) as (opened_vault, chosen):
        entry = add_entry(opened_vault, chosen.id, draft)
    emit(
        as_json,
        {"id": entry.entry_id, "version": entry.version, "number": entry.number},
        lambda: out.print(f"Saved diary entry D{entry.number} (id {entry.entry_id})."),
    )


@diary_app.command("amend")
def diary_amend(
    entry: Annotated[str, typer.Argument(metavar="ID", help="Entry number (D3 or 3) or id.")],
    note: Annotated[str | None, typer.Option("--note", help="Why it is being corrected.")] = None,
    when: When = None,
    until: Until = None,
    zone: Zone = None,
    approx: Approx = False,
    what: What = None,
    where: Where = None,
    platform: Platform = None,
    behaviour: Behaviour = None,
    party: Party = None,
    witness: Witness = None,
    impact: Impact = None,
    action: Action = None,
    saved: Saved = None,
    risk: Risk = None,
    exhibit: Exhibit = None,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Correct or add to an entry. The earlier version is kept and stays readable."""
    changes: dict[str, Any] = {}
    if when is not None:
        changes["moment"] = parse_when(when, zone=zone, approximate=approx)
    optional = {
        "until": parse_when(until, zone=zone) if until else None,
        "text": _text(what) if what else None,
        "place": where,
        "channel": platform,
        "impact": impact,
        "how_saved": saved,
        "behaviours": behaviour,
        "parties": party,
        "witnesses": witness,
        "actions": action,
        "risk_notes": risk,
        "exhibit_refs": exhibit,
    }
    changes |= {name: value for name, value in optional.items() if value is not None}
    with opened_case(vault, case) as (opened_vault, chosen):
        amended = amend_entry(opened_vault, chosen.id, entry, changes, note)
    emit(
        as_json,
        {"id": amended.entry_id, "version": amended.version, "number": amended.number},
        lambda: out.print(
            f"Saved version {amended.version} of D{amended.number}; earlier versions are kept."
        ),
    )


@diary_app.command("redact")
def diary_redact(
    entry: Annotated[str, typer.Argument(metavar="ID", help="Entry number (D3 or 3) or id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why; kept in the record.")],
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Withdraw an entry you do not want disclosed: its words are removed from every version, and the
    record keeps that this was done, when, and why."""
    with opened_case(vault, case) as (opened_vault, chosen):
        withdrawn = redact_entry(opened_vault, chosen.id, entry, reason)
    emit(
        as_json,
        {"id": withdrawn.entry_id, "redacted": True},
        lambda: out.print(f"D{withdrawn.number} withdrawn. Its date stays on record, its words do not."),
    )


@diary_app.command("list")
def diary_list(vault: VaultOption = None, case: CaseOption = None, as_json: JsonOption = False) -> None:
    """List diary entries (newest version of each), in the order things happened."""
    with opened_case(vault, case) as (opened_vault, chosen):
        entries = list_entries(opened_vault, chosen.id)

    def show() -> None:
        table = Table("no.", "when", "what", "behaviours", "versions")
        for item in entries:
            data = item.as_json()
            table.add_row(
                f"D{item.number}",
                _when(data),
                data["what"] or "[withdrawn]",
                ", ".join(data["behaviours"]),
                str(item.version),
            )
        out.print(table if entries else "No diary entries yet: stalkproof diary add --when … --what …")

    emit(as_json, [item.as_json() for item in entries], show)


@diary_app.command("show")
def diary_show(
    entry: Annotated[str, typer.Argument(metavar="ID", help="Entry number (D3 or 3) or id.")],
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show an entry with every version, oldest first."""
    with opened_case(vault, case) as (opened_vault, chosen):
        versions = entry_versions(opened_vault, chosen.id, entry)
    data = {
        "id": versions[0].entry_id,
        "number": versions[0].number,
        "versions": [version.as_json() for version in versions],
    }
    emit(as_json, data, lambda: _show_versions(versions))


def _text(value: str) -> str:
    """'-' means: read the words from standard input (kept out of shell history and the process list)."""
    return sys.stdin.read().rstrip("\n") if value == "-" else value


def _when(data: dict[str, Any]) -> str:
    local = str(data["occurred_local"]).replace("T", " ")
    return f"{local} ({data['zone']})" + (" approx." if data["precision"] == "approximate" else "")


def _show_versions(versions: list[DiaryVersion]) -> None:
    for version in versions:
        data = version.as_json()
        out.rule(f"D{version.number} version {version.version}, recorded {version.recorded_at}")
        out.print(f"When: {_when(data)}  (precision: {data['precision']})", markup=False)
        for label, key in (
            ("What", "what"),
            ("Where", "where"),
            ("Platform", "platform"),
            ("Impact", "impact"),
            ("Saved", "how_saved"),
            ("Correction note", "change_note"),
        ):
            if data[key]:
                out.print(f"{label}: {data[key]}", markup=False)
        for label, key in (
            ("Behaviours", "behaviours"),
            ("Witnesses", "witnesses"),
            ("Actions", "actions"),
            ("Risk", "risk_notes"),
            ("Exhibits", "exhibits"),
        ):
            if data[key]:
                out.print(f"{label}: {', '.join(data[key])}", markup=False)
