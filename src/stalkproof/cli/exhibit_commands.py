"""Commands for exhibits: keeping originals, listing them, getting them back out."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from stalkproof.cli.common import CaseOption, JsonOption, VaultOption, emit, opened_case, out
from stalkproof.errors import InputError
from stalkproof.evidence.exhibits import ExhibitDetails, add_exhibit, export_exhibit, list_exhibits
from stalkproof.evidence.redaction import Rectangle, Span, redact_image_exhibit, redact_text_exhibit

exhibit_app = typer.Typer(
    help="Keep original files (screenshots, photos, exports) as exhibits.", no_args_is_help=True
)

Text = Annotated[str | None, typer.Option(show_default=False)]


@exhibit_app.command("add")
def exhibit_add(
    file: Annotated[
        Path, typer.Argument(help="The file to keep. It is copied, encrypted; your file is untouched.")
    ],
    describe: Annotated[
        str | None, typer.Option(help="What it is, e.g. 'Screenshot of his message'.")
    ] = None,
    ref: Annotated[
        str | None, typer.Option(help="Your own label, e.g. 'AB/1' (default EX-001, EX-002, …).")
    ] = None,
    captured_by: Annotated[str | None, typer.Option(help="Who made or saved it.")] = None,
    captured_at: Annotated[str | None, typer.Option(help="When it was made or saved.")] = None,
    how: Annotated[
        str | None, typer.Option("--how", help="How it was captured (screenshot, export…).")
    ] = None,
    app: Annotated[str | None, typer.Option("--app", help="The app or site it came from.")] = None,
    url: Text = None,
    username: Text = None,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keep an original file as an exhibit: hashed, encrypted, and recorded in the ledger."""
    details = ExhibitDetails(
        description=describe,
        ref=ref,
        captured_by=captured_by,
        captured_at=captured_at,
        capture_method=how,
        source_app=app,
        url=url,
        username=username,
    )
    with opened_case(vault, case) as (opened_vault, chosen):
        exhibit = add_exhibit(opened_vault, chosen.id, file, details)
    data = {"ref": exhibit.ref, "sha256": exhibit.sha256, "size": exhibit.size, "id": exhibit.id}
    emit(
        as_json,
        data,
        lambda: out.print(
            f"Kept {file.name} as exhibit {exhibit.ref} ({exhibit.size:,} bytes, SHA-256 {exhibit.sha256})."
        ),
    )


@exhibit_app.command("list")
def exhibit_list(vault: VaultOption = None, case: CaseOption = None, as_json: JsonOption = False) -> None:
    """List the exhibits in the case."""
    with opened_case(vault, case) as (opened_vault, chosen):
        found = list_exhibits(opened_vault, chosen.id)

    def show() -> None:
        table = Table("ref", "description", "file", "size", "sha256")
        for item in found:
            table.add_row(
                item.ref, item.description or "", item.original_name or "", f"{item.size:,}", item.sha256
            )
        out.print(table if found else "No exhibits yet: stalkproof exhibit add FILE --describe TEXT")

    emit(as_json, [asdict(item) for item in found], show)


@exhibit_app.command("export")
def exhibit_export(
    ref: Annotated[str, typer.Argument(help="The exhibit's label (EX-001) or id.")],
    to: Annotated[Path, typer.Option("--out", help="Where to write the original file.")],
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write an exhibit's original bytes back out, decrypted."""
    if to.exists():
        raise InputError("already exists; choose a new file name so nothing is overwritten.", to)
    with opened_case(vault, case) as (opened_vault, chosen):
        try:
            with os.fdopen(os.open(to, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as target:
                exhibit = export_exhibit(opened_vault, chosen.id, ref, target)
        except BaseException:
            to.unlink(missing_ok=True)  # never leave a partial copy behind
            raise
    emit(
        as_json,
        {"ref": exhibit.ref, "out": str(to), "sha256": exhibit.sha256},
        lambda: out.print(f"Wrote exhibit {exhibit.ref} to {to}."),
    )


@exhibit_app.command("redact")
def exhibit_redact(
    ref: Annotated[str, typer.Argument(help="The exhibit's label (EX-001) or id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why, e.g. 'hides a witness's address'.")],
    span: Annotated[
        list[str] | None,
        typer.Option("--span", help="Text characters START:END to hide (END not included); repeat for more."),
    ] = None,
    rect: Annotated[
        list[str] | None,
        typer.Option("--rect", help="Image area X,Y,WIDTH,HEIGHT in pixels to black out; repeat for more."),
    ] = None,
    vault: VaultOption = None,
    case: CaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a redacted copy of an exhibit as a new exhibit; the original stays exactly as it is."""
    if bool(span) == bool(rect):
        raise InputError("Give either --span START:END (text) or --rect X,Y,WIDTH,HEIGHT (image), not both.")
    with opened_case(vault, case) as (opened_vault, chosen):
        if span:
            copy = redact_text_exhibit(opened_vault, chosen.id, ref, [_span(item) for item in span], reason)
        else:
            rectangles = [_rectangle(item) for item in rect or []]
            copy = redact_image_exhibit(opened_vault, chosen.id, ref, rectangles, reason)
    data = {"ref": copy.ref, "sha256": copy.sha256, "size": copy.size, "derived_from": copy.derived_from}
    emit(
        as_json,
        data,
        lambda: out.print(
            f"Kept a redacted copy of {ref} as exhibit {copy.ref} (SHA-256 {copy.sha256}); "
            "the original is unchanged."
        ),
    )


def _span(text: str) -> Span:
    start, _, end = text.partition(":")
    try:
        return int(start), int(end)
    except ValueError:
        raise InputError(f"'{text}' is not a span: write it as START:END, such as 10:25.") from None


def _rectangle(text: str) -> Rectangle:
    parts = text.split(",")
    try:
        x, y, width, height = (int(part) for part in parts)
    except ValueError:
        raise InputError(
            f"'{text}' is not an area: write it as X,Y,WIDTH,HEIGHT, such as 10,20,200,40."
        ) from None
    return x, y, width, height
