"""`media scan` and `media strip`: what photos, videos and documents give away, and clean copies to share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, console, emit, opened_case, out
from stalkproof.digital.media.exiftool import ExifTool
from stalkproof.digital.media.scan import ScanResult, scan_paths
from stalkproof.digital.media.strip import StripResult, strip_paths
from stalkproof.digital.media.summary import (
    names_places,
    revealing,
    scan_summary,
    share_advice,
    shown_in_detail,
    telling,
)
from stalkproof.digital.media.wording import load_wording
from stalkproof.digital.saving import save_media_scan
from stalkproof.errors import InputError

media_app = typer.Typer(
    help="Location and identity details in photos, videos and documents: find them, and make clean copies.",
    no_args_is_help=True,
)

PathsArgument = Annotated[
    list[Path], typer.Argument(help="Files or folders (folders are read with everything inside them).")
]


@media_app.command("scan")
def scan_command(
    paths: PathsArgument,
    evidence: Annotated[
        bool,
        typer.Option(
            "--evidence",
            help="For files someone sent you: read only, record fingerprints and tool versions.",
        ),
    ] = False,
    exiftool: Annotated[
        bool | None,
        typer.Option(
            "--exiftool/--no-exiftool",
            help="Also ask ExifTool, when installed, as a second opinion (default: only with --evidence).",
            show_default=False,
        ),
    ] = None,
    save: Annotated[
        bool,
        typer.Option(
            "--save",
            help="Keep each file that reveals something as an exhibit in your case, with what it reveals "
            "on the timeline (for files someone sent you).",
        ),
    ] = False,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find where photos and videos were taken, and who or what device made them, from their metadata."""
    use_exiftool = evidence if exiftool is None else exiftool
    with _maybe_exiftool(use_exiftool) as second_reader, _bar(visible=not as_json) as update:
        results = list(scan_paths(paths, update, evidence=evidence, exiftool=second_reader))
    data = [result.to_json() for result in results]
    emit(as_json, data, lambda: _show_scan(results, evidence))
    if save:
        _save_scan(results, data, vault, case)


def _save_scan(
    results: list[ScanResult], data: list[dict[str, Any]], vault: Path | None, case: str | None
) -> None:
    """Files that reveal a place or a person become exhibits; what each reveals becomes a finding event.
    (The scan's JSON stays a list, as the contract says, so this reports on stderr.)"""
    with opened_case(vault, case) as (opened_vault, chosen):
        saved = save_media_scan(opened_vault, chosen.id, results, data)
    console.print(
        f"Saved in your case: report {saved.report_ref}, {len(saved.input_refs)} file(s) kept as exhibits, "
        f"{len(saved.event_ids)} finding(s) on the timeline."
    )


@media_app.command("strip")
def strip_command(
    paths: PathsArgument,
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="Folder for the cleaned copies (made if needed).", show_default=False),
    ],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace copies already in the --out folder.")
    ] = False,
    exiftool: Annotated[
        bool,
        typer.Option("--exiftool/--no-exiftool", help="Also check each copy with ExifTool when installed."),
    ] = True,
    compare_pixels: Annotated[
        bool,
        typer.Option(
            "--compare-pixels",
            help="Decode every JPEG and compare it pixel by pixel too (slower; the default check compares "
            "the compressed picture data byte for byte).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Make copies without location and identity details, losslessly (pixels and sound untouched), each
    checked before it is kept. The originals are never changed."""
    with _bar(visible=not as_json) as update:
        results = strip_paths(
            paths, out_dir, update, overwrite=overwrite, use_exiftool=exiftool, decode_pixels=compare_pixels
        )
    emit(as_json, [result.to_json() for result in results], lambda: _show_strip(results, out_dir))
    failed = [result for result in results if result.error]
    if failed:
        raise InputError(
            f"{len(failed):,} of {len(results):,} files could not be cleaned safely, so no copy was written "
            "for them (the reason for each is shown above)."
        )


# --- progress ---------------------------------------------------------------------------------------------


@contextmanager
def _bar(visible: bool) -> Iterator[Callable[[int, int, Path], None] | None]:
    """A progress bar on stderr, only when a person is watching a terminal."""
    if not (visible and console.is_terminal):
        yield None
        return
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    with progress:
        task = progress.add_task("Reading", total=None)

        def update(done: int, total: int, path: Path) -> None:
            progress.update(task, completed=done, total=total, description=escape(path.name[:40]))

        yield update


@contextmanager
def _maybe_exiftool(wanted: bool) -> Iterator[ExifTool | None]:
    tool = ExifTool.start() if wanted else None
    if wanted and tool is None:
        console.print(
            "ExifTool is not installed, so there is no second opinion from it.", markup=False, soft_wrap=True
        )
    try:
        yield tool
    finally:
        if tool is not None:
            tool.close()


# --- what people read -------------------------------------------------------------------------------------


def _show_scan(results: list[ScanResult], evidence: bool) -> None:
    if not results:
        out.print("There were no files to read.")
        return
    if len(results) > 1:
        out.print(_scan_table(results))
        out.print(scan_summary(results), soft_wrap=True)
    shown = shown_in_detail(results)
    for result in shown:
        _show_one(result, evidence, single=len(results) == 1)
    told = len(telling(results))
    if len(shown) < told:
        out.print(f"\n... and {told - len(shown):,} more: run with --json to see every file.")
    _advice(results, evidence)
    if names_places(results):
        out.print("\n" + load_wording().places.credit, markup=False, soft_wrap=True)


def _scan_table(results: list[ScanResult]) -> Table:
    table = Table("file", "kind", "where it was made (approximate)", "person or device", "notes")
    for result in results:
        primary = result.location
        where = primary.where if primary else ("a place name" if result.reveals_location else "")
        table.add_row(
            escape(str(result.path)),
            escape(result.format or "not read"),
            escape(where),
            escape(", ".join(dict.fromkeys(item.field for item in result.identity))),
            escape(result.error or "; ".join(result.notes)[:80]),
        )
    return table


def _show_one(result: ScanResult, evidence: bool, single: bool) -> None:
    kind = result.format or "unknown kind"
    out.print(f"\n{result.path} ({kind})", markup=False, soft_wrap=True)
    if evidence or single:
        out.print(f"  SHA-256 {result.sha256}", markup=False, soft_wrap=True)
    if result.error:
        out.print(f"  {result.error}", markup=False, soft_wrap=True)
    for sentence in result.findings:
        out.print(f"  - {sentence}", markup=False, soft_wrap=True)
    for note in result.notes:
        out.print(f"  Note: {note}", markup=False, soft_wrap=True)
    if result.evidence and not result.evidence["unchanged_while_read"]:
        out.print("  The file changed while it was read: scan it again.", markup=False, soft_wrap=True)


def _advice(results: list[ScanResult], evidence: bool) -> None:
    if evidence:
        target = results[0].path if len(results) == 1 else "FILE"
        out.print("\n" + load_wording().advice.evidence.format(path=target), markup=False, soft_wrap=True)
        return
    found = revealing(results)
    advice = share_advice(results, path=found[0].path if len(found) == 1 else "PATH")
    if advice:
        out.print("\n" + advice, markup=False, soft_wrap=True)


def _show_strip(results: list[StripResult], out_dir: Path) -> None:
    table = Table("file", "cleaned copy", "removed", "checked")
    for result in results:
        table.add_row(
            escape(str(result.path)),
            escape(str(result.out) if result.out else "none written"),
            escape("; ".join(result.removed) or ("" if result.error else "nothing to remove")),
            "yes" if result.verified else "no",
        )
    out.print(table)
    for result in results:
        if result.error:
            out.print(f"{result.path}: {result.error}", markup=False, soft_wrap=True)
    kept = [result for result in results if result.verified]
    if kept:
        checks = "stalkproof's own scanner, independent readers" + (
            f" and ExifTool {kept[0].exiftool}" if kept[0].exiftool else ""
        )
        out.print(
            f"{len(kept):,} cleaned cop{'y' if len(kept) == 1 else 'ies'} in {out_dir}, each checked with "
            f"{checks} before it was kept. The originals were not changed.",
            markup=False,
            soft_wrap=True,
        )
    notes = dict.fromkeys(note for result in results for note in result.notes)
    for note in notes:
        out.print(f"Note: {note}", markup=False, soft_wrap=True)
