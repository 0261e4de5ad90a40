"""`pack build` and `pack verify`: the evidence pack for the police or a court, and its check."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, emit, opened_case, out
from stalkproof.errors import IntegrityError
from stalkproof.evidence.ids import find_by_prefix
from stalkproof.report.bundle import build_pack
from stalkproof.report.pdf import render_pdf
from stalkproof.report.selection import PackSelection
from stalkproof.report.verify_pack import PackCheck, verify_pack
from stalkproof.vault.schema import parties

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
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the evidence pack: originals, chronology, signed manifest and the steps to check it."""
    with opened_case(vault, case) as (opened_vault, chosen):
        with opened_vault.read() as connection:
            scope = (parties.c.case_id == chosen.id,)
            party_id = find_by_prefix(connection, parties.c.id, party, "person", scope) if party else None
        selection = PackSelection(since, until, party_id, tuple(dict.fromkeys(exhibit or [])))
        renderer = partial(render_pdf, include_law=law, include_risk=risk)
        result = build_pack(opened_vault, chosen.id, to, selection, render_pdf=renderer)
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
    data = {
        "ok": check.ok,
        "problems": [{"kind": p.kind, "file": p.file, "detail": p.detail} for p in check.problems],
    }
    emit(as_json, data, lambda: _show(folder, check))
    if not check.ok:
        raise typer.Exit(IntegrityError.exit_code)


def _show(folder: Path, check: PackCheck) -> None:
    if check.ok:
        out.print(f"[green]The pack in {folder} checks out.[/green] Every file, signature and proof matches.")
        return
    out.print(f"[red]{len(check.problems)} problem(s) found[/red] in the pack in {folder}:")
    for problem in check.problems:
        out.print(f"  - {problem.file}: {problem.detail} [{problem.kind}]")
