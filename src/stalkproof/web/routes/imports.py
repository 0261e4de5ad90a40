"""Importing exports: upload one or more files, see what each import found, and look back at past imports.

The uploads are saved under safe names and handed to the same import service `stalkproof import PATH`
uses; nothing here reads an export itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

from stalkproof.errors import InputError, NotFoundError, StalkproofError
from stalkproof.evidence.imports import ImportReport, ImportRequest, list_imports, list_warnings, run_imports
from stalkproof.ingest.registry import sources
from stalkproof.web.deps import CaseDep, CsrfChecked, VaultDep
from stalkproof.web.pages import config_of, render
from stalkproof.web.uploads import received

router = APIRouter()

PAGE = "imports/import.html.j2"
# A CSV file needs a mapping file saying which column is what: that stays on the command line.
NOT_OFFERED = frozenset({"csv"})
DATE_ORDERS: tuple[tuple[str, str], ...] = (
    ("dmy", "Day, month, year (31/12/2026)"),
    ("mdy", "Month, day, year (12/31/2026)"),
    ("ymd", "Year, month, day (2026-12-31)"),
)
NO_FILE = "Choose at least one export file to import."


def source_choices() -> list[tuple[str, str]]:
    return [(name, source.label) for name, source in sources().items() if name not in NOT_OFFERED]


@router.get("/import")
def import_page(request: Request, _vault: VaultDep) -> Response:
    return _form_page(request, {})


@router.post("/import", dependencies=[CsrfChecked])
def import_upload(
    request: Request,
    vault: VaultDep,
    case: CaseDep,
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI copies the default
    source: Annotated[str, Form()] = "",
    zone: Annotated[str, Form()] = "",
    date_order: Annotated[str, Form()] = "",
    me: Annotated[str, Form()] = "",
) -> Response:
    chosen = {"source": source, "zone": zone.strip(), "date_order": date_order, "me": me.strip()}
    try:
        with received(files, config_of(request).upload_limit) as paths:
            if not paths:
                raise InputError(NO_FILE)
            _check_not_empty(paths)
            requests = [_request(path, chosen) for path in paths]
            try:
                reports = run_imports(vault, case.id, requests)
            except StalkproofError as error:
                raise InputError(_without_folders(error.message, paths)) from None
    except InputError as error:
        return _form_page(request, chosen | {"problem": error.message}, status_code=400)
    return _form_page(request, chosen | {"results": [_result(report) for report in reports]})


def _check_not_empty(paths: list[Path]) -> None:
    for path in paths:
        if path.stat().st_size == 0:
            raise InputError(
                f"{path.name} is empty: there is nothing in it to import. Make the export again."
            )


def _request(path: Path, chosen: dict[str, str]) -> ImportRequest:
    if chosen["source"] and chosen["source"] not in dict(source_choices()):
        raise InputError("Choose the kind of export from the list, or let stalkproof work it out.")
    if chosen["date_order"] and chosen["date_order"] not in dict(DATE_ORDERS):
        raise InputError("Choose the date order from the list, or let stalkproof work it out.")
    return ImportRequest(
        path=path,
        source=chosen["source"] or None,
        zone=chosen["zone"] or None,
        date_order=chosen["date_order"] or None,
        me=chosen["me"] or None,
    )


def _without_folders(message: str, paths: list[Path]) -> str:
    """The services name the file they could not read by its full path: here that is a private temporary
    folder, which means nothing to the person, so only the file's own name is kept."""
    for path in paths:
        message = message.replace(f"{path.parent}/", "")
    return message


def _result(report: ImportReport) -> dict[str, Any]:
    """One upload's report, with each bundled export (a Takeout holding Mail and Chat) as its own part."""
    return {"parts": [report, *report.also]}


def _form_page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    base = {"sources": source_choices(), "date_orders": DATE_ORDERS, "source": "", "date_order": ""}
    return render(request, PAGE, base | context, status_code=status_code)


@router.get("/imports")
def imports_page(request: Request, vault: VaultDep, case: CaseDep) -> Response:
    rows = list_imports(vault, case.id)
    return render(request, "imports/list.html.j2", {"imports": rows, "labels": _labels()})


@router.get("/imports/{import_id}")
def import_detail(request: Request, vault: VaultDep, case: CaseDep, import_id: str) -> Response:
    found = [row for row in list_imports(vault, case.id) if row["id"] == import_id]
    if not found:
        raise NotFoundError("There is no import with that id in this case.")
    context = {"row": found[0], "warnings": list_warnings(vault, import_id), "labels": _labels()}
    return render(request, "imports/detail.html.j2", context)


def _labels() -> dict[str, str]:
    return {name: source.label for name, source in sources().items()}
