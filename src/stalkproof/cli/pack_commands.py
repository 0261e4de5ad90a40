"""`pack build` and `pack verify`: the evidence pack for the police or a court, and its check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, emit, opened_case, out
from stalkproof.errors import IntegrityError
from stalkproof.report.make_pack import PackChoices, make_pack
from stalkproof.report.verify_pack import PackCheck, verify_pack

pack_app = typer.Typer(help="Make an evidence pack anyone can check, and check one.", no_args_is_help=True)


@pack_app.command("build")
def pack_build(
    to: Annotated[Path, typer.Option("--out", help="A new (or empty) folder for the pack.")],
    since: Annotated[
        str | None, typer.Option("--from", help="Only events from this date or time on.")
    ] = None,
    until: Annotated[str | None, typer.Option("--to", help="Only events up to this date or time.")] = None,
    party: Annotated[
        str | None, typer.Option("--party", help="Only events from or about this person (id).")
    ] = None,
    exhibit: Annotated[
        list[str] | None, typer.Option("--exhibits", help="Only this exhibit (e.g. EX-001); repeat for more.")
    ] = None,
    law: Annotated[
        str | None,
        typer.Option(
            "--law",
            metavar="CODE",
            help="Include the law view for this jurisdiction (e.g. gb-eng-wls). Only if you choose to.",
        ),
    ] = None,
    risk: Annotated[
        bool, typer.Option("--risk", help="Include the latest risk screening. Only if you choose to.")
    ] = False,
    case_uco: Annotated[
        bool,
        typer.Option("--case-uco", help="Also write case-uco.jsonld (CASE/UCO JSON-LD) for forensic tools."),
    ] = False,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the evidence pack: originals, chronology, signed manifest and the steps to check it."""
    choices = PackChoices(since, until, party, tuple(exhibit or ()), law, risk, case_uco)
    with opened_case(vault, case) as (opened_vault, chosen):
        result = make_pack(opened_vault, chosen.id, to, choices)
    data = {
        "out": str(result.out),
        "pdf": str(result.pdf) if result.pdf else None,
        "exhibits": [entry.ref for entry in result.exhibits],
        "manifest_sha256": result.manifest_sha256,
    }

    def show() -> None:
        counts = f"{len(result.exhibits)} exhibits, {result.events} events"
        out.print(f"Evidence pack written to {result.out} ({counts}).")
        if result.pdf:
            out.print(f"The report is {result.pdf}.")
        out.print(f"To check it: stalkproof pack verify {result.out} (or follow VERIFY.txt in the folder).")

    emit(as_json, data, show)


@pack_app.command("verify")
def pack_verify(
    folder: Annotated[Path, typer.Argument(help="The pack folder.")],
    as_json: JsonOption = False,
) -> None:
    """Check a pack with its own files only. Exit code 3 if anything does not match."""
    check = verify_pack(folder)
    emit(as_json, check.to_json(), lambda: _show(folder, check))
    if not check.ok:
        raise typer.Exit(IntegrityError.exit_code)


def _show(folder: Path, check: PackCheck) -> None:
    if check.ok:
        out.print(f"[green]The pack in {folder} checks out.[/green] Every file, signature and proof matches.")
    else:
        out.print(f"[red]{len(check.problems)} problem(s) found[/red] in the pack in {folder}:")
        for problem in check.problems:
            out.print(f"  - {problem.file}: {problem.detail} [{problem.kind}]")
    _show_timestamps(check)


def _show_timestamps(check: PackCheck) -> None:
    if not check.timestamps:
        out.print("No timestamps: the pack holds no RFC 3161 timestamp from an outside authority.")
    for stamp in check.timestamps:
        if not stamp.ok:
            out.print(f"  The timestamp of checkpoint {stamp.seq} ({stamp.tsa}) does not check out.")
        elif stamp.trusted:
            out.print(f"Checkpoint {stamp.seq} was timestamped by {stamp.tsa} at {stamp.time}.")
        else:
            out.print(
                f"Checkpoint {stamp.seq} has a timestamp from {stamp.tsa} at {stamp.time}; the pack has no "
                "certificate for that authority, so who signed it was not checked."
            )
