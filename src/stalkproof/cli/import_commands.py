"""`import` and `imports`: bring an app export into the case, and look back at what each import found."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, console, emit, opened_case, out
from stalkproof.errors import Interrupted, NotFoundError
from stalkproof.evidence.imports import ImportReport, ImportRequest, list_imports, list_warnings, run_import

imports_app = typer.Typer(help="What earlier imports found, with every warning.", no_args_is_help=True)
SHOWN_WARNINGS = 20


def import_command(
    path: Annotated[Path, typer.Argument(help="The export: a file, a folder or a zip.", show_default=False)],
    source: Annotated[str | None, typer.Option(help="What kind of export it is (default: guessed).")] = None,
    zone: Annotated[
        str | None, typer.Option(help="The phone's time zone, e.g. Europe/London (default: this computer's).")
    ] = None,
    date_order: Annotated[
        str | None, typer.Option(help="dmy, mdy or ymd, when the export's dates could be read either way.")
    ] = None,
    me: Annotated[str | None, typer.Option(help="Your own name as it appears in the export.")] = None,
    chat: Annotated[str | None, typer.Option(help="The chat's name, if the file was renamed.")] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="For a CSV file: a YAML file saying which column is what.")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of a CSV file (default utf-8).")] = None,
    ocr_lang: Annotated[str, typer.Option(help="Languages for reading screenshots, e.g. eng+deu.")] = "eng",
    sender_left: Annotated[
        str | None, typer.Option(help="In screenshots: who writes the messages on the left.")
    ] = None,
    screenshot_date: Annotated[
        str | None, typer.Option(help="In screenshots with no date shown: the day they show (2026-03-01).")
    ] = None,
    batch: Annotated[int, typer.Option(help="Records stored per transaction.", min=1)] = 5_000,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import an export (WhatsApp, SMS backup, email, Telegram, ...): every message becomes an event that
    points back to the file and line it came from, and the file itself is kept as an exhibit."""
    request = ImportRequest(
        path=path,
        source=source,
        zone=zone,
        date_order=date_order,
        me=me,
        chat=chat,
        mapping=mapping,
        encoding=encoding,
        ocr_lang=ocr_lang,
        sender_left=sender_left,
        screenshot_date=screenshot_date,
        batch=batch,
    )
    with opened_case(vault, case) as (opened_vault, chosen):
        show_bar = not as_json and console.is_terminal
        with _progress(show_bar) as bar:
            task = bar.add_task("Checking", total=None)

            def moved(phase: str, done: int, total: int | None) -> None:
                bar.update(task, description=phase, completed=done, total=total)

            ask = _asker(bar) if show_bar and sys.stdin.isatty() else None
            try:
                report = run_import(opened_vault, chosen.id, request, moved if show_bar else None, ask)
            except KeyboardInterrupt:
                raise Interrupted(
                    "Import interrupted. What was stored stays; run the same command again to finish."
                ) from None
    emit(as_json, report.as_json(), lambda: _summaries(report))


def _asker(bar: Progress) -> Callable[[str], bool]:
    def ask(question: str) -> bool:
        bar.stop()
        answer = typer.confirm(
            f"The dates in this export could be read two ways. {question}", default=True, err=True
        )
        bar.start()
        return answer

    return ask


def _progress(visible: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not visible,
        transient=True,
    )


def _summaries(report: ImportReport) -> None:
    """One summary per export (a Takeout with Mail and Chat has two)."""
    for part in (report, *report.also):
        _summary(part)


def _summary(report: ImportReport) -> None:
    if report.already:
        out.print(
            f"Already imported on {report.already[:10]} (import {report.import_id}): "
            f"{report.records:,} records, 0 new."
        )
        return
    resumed = " (finished an import that had stopped)" if report.resumed else ""
    out.print(
        f"Imported {report.label} '{report.input_name}' as {report.exhibit or 'exhibits per file'}{resumed}: "
        f"{report.records:,} records ({report.new:,} new, {report.duplicates:,} already in the vault), "
        f"{len(report.warnings):,} warning{'s' if len(report.warnings) != 1 else ''}."
    )
    if report.media_exhibits:
        out.print(f"{report.media_exhibits:,} attached files were kept as exhibits.")
    _accounts_hint(report.accounts)
    for warning in report.warnings[:SHOWN_WARNINGS]:
        where = warning["file"] + (f", line {warning['line']}" if warning["line"] else "")
        out.print(f"  {where}: {warning['reason']}")
    more = len(report.warnings) - SHOWN_WARNINGS
    if more > 0:
        out.print(f"  ... and {more:,} more: stalkproof imports show {report.import_id}")


def _accounts_hint(accounts: list[dict[str, Any]]) -> None:
    if not accounts:
        return
    listed = ", ".join(f"{a['platform']}:{a['identifier']} ({a['records']:,})" for a in accounts[:6])
    out.print(f"Accounts in it: {listed}.")
    unnamed = [a for a in accounts if a["party"] is None and a["identifier"] != "self"]
    if unnamed:
        first = unnamed[0]
        out.print(
            "Say who is who, for example: stalkproof party add NAME --role suspect "
            f'--account "{first["platform"]}:{first["identifier"]}"'
        )


@imports_app.command("list")
def imports_list(vault: VaultOption = None, case: CaseOption = None, as_json: JsonOption = False) -> None:
    """Every import into the case, and whether it finished."""
    with opened_case(vault, case) as (opened_vault, chosen):
        rows = list_imports(opened_vault, chosen.id)

    def show() -> None:
        table = Table("id", "started", "source", "file", "records", "new", "warnings", "status")
        for row in rows:
            table.add_row(
                row["id"],
                row["started_at"][:16].replace("T", " "),
                row["source"],
                row["input_name"],
                f"{row['records']:,}",
                f"{row['new']:,}",
                f"{row['warnings']:,}",
                row["status"],
            )
        out.print(table if rows else "Nothing imported yet: stalkproof import PATH")

    emit(as_json, rows, show)


@imports_app.command("show")
def imports_show(
    import_id: Annotated[str, typer.Argument(help="The import's id (from 'imports list').")],
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """One import in full: what it read and every warning, with the line it came from."""
    with opened_case(vault, case) as (opened_vault, chosen):
        rows = [row for row in list_imports(opened_vault, chosen.id) if row["id"].startswith(import_id)]
        if len(rows) != 1:
            raise NotFoundError(f"No single import in this case has an id starting '{import_id}'.")
        found = rows[0] | {"warnings": list_warnings(opened_vault, rows[0]["id"])}

    def show() -> None:
        out.print(
            f"{found['input_name']} ({found['source']}), started {found['started_at'][:16]}: "
            f"{found['records']:,} records, {found['new']:,} new, {found['status']}."
        )
        for warning in found["warnings"]:
            where = (warning["file"] or "") + (f", line {warning['line']}" if warning["line"] else "")
            out.print(f"  {where}: {warning['reason']}")
            if warning["raw"]:
                out.print(f"    {warning['raw'][:200]!r}")

    emit(as_json, found, show)
