"""The photo and video location check: upload files, see what each gives away (the place in words, the
people and devices named), then make cleaned copies to download.

The uploads are moved into a private folder among the session's downloads, named by an unguessable
batch number the results page sends back when the person asks for cleaned copies; that folder goes once
the copies are made, and in any case when the vault locks or the app stops."""

from __future__ import annotations

import mimetypes
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

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
from stalkproof.errors import InputError, NotFoundError
from stalkproof.web.deps import CsrfChecked
from stalkproof.web.downloads import Download
from stalkproof.web.pages import config_of, render, session_of, wants_fragment
from stalkproof.web.routes.checks_common import keep_in_case, plain_sentence
from stalkproof.web.uploads import received

router = APIRouter()

ORIGINALS = "originals"
BATCH = re.compile(r"[0-9a-f]{16}")
NO_FILES = "Choose at least one photo, video or document to check."
GONE = (
    "Those files are no longer here: they are removed once cleaned copies are made, and when the vault "
    "locks. Choose them again to check them."
)


@router.get("/checks/media")
def media_page(request: Request) -> Response:
    return render(request, "checks/media.html.j2")


@router.post("/checks/media", dependencies=[CsrfChecked])
def media_scan(
    request: Request,
    files: Annotated[list[UploadFile] | None, File()] = None,
    keep_evidence: Annotated[bool, Form()] = False,
) -> Response:
    chosen = [upload for upload in files or [] if upload.filename]
    if not chosen:
        return _problem(request, NO_FILES)
    try:
        with received(chosen, config_of(request).upload_limit) as paths:
            batch, originals = _keep_for_cleaning(request, paths)
    except InputError as error:
        return _problem(request, plain_sentence(error))
    try:
        with _exiftool(keep_evidence) as second_reader:
            results = list(scan_paths(originals, evidence=keep_evidence, exiftool=second_reader))
    except InputError as error:
        _forget(request, batch)
        return _problem(request, plain_sentence(error))
    if all(result.format is None for result in results):
        _forget(request, batch)
        return _problem(request, _unreadable(results))
    context: dict[str, Any] = {"scan": _scan_view(results), "batch": batch}
    if keep_evidence:
        data = [_private_paths_out(result.to_json()) for result in results]
        context["saved"], context["not_kept"] = keep_in_case(
            request, lambda vault, case_id: save_media_scan(vault, case_id, results, data)
        )
    return _page(request, "checks/_media_result.html.j2", context)


@router.post("/checks/media/clean", dependencies=[CsrfChecked])
def media_clean(request: Request, batch: Annotated[str, Form()] = "") -> Response:
    folder = _batch_folder(request, batch)
    out_dir = session_of(request).downloads.new_place("cleaned")
    try:
        results = strip_paths(sorted(folder.iterdir()), out_dir)
    except InputError as error:
        return _page(request, "checks/_media_cleaned.html.j2", {"clean_problem": plain_sentence(error)})
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)
    cleaned = [(result, _offer(request, result)) for result in results]
    return _page(request, "checks/_media_cleaned.html.j2", {"cleaned": cleaned})


# --- steps ---------------------------------------------------------------------------------------------


def _keep_for_cleaning(request: Request, paths: list[Path]) -> tuple[str, list[Path]]:
    """Move the uploads into a private batch folder (so they outlive this request), one name each."""
    folder = session_of(request).downloads.new_place(ORIGINALS)
    folder.mkdir()
    moved: list[Path] = []
    for index, path in enumerate(paths):
        target = folder / path.name
        if target.exists():  # two uploads with the same name
            target = folder / f"{index + 1}-{path.name}"
        moved.append(Path(shutil.move(path, target)))
    return folder.parent.name, moved


def _batch_folder(request: Request, batch: str) -> Path:
    if not BATCH.fullmatch(batch):
        raise NotFoundError(GONE)
    folder = session_of(request).downloads.folder() / batch / ORIGINALS
    if not folder.is_dir():
        raise NotFoundError(GONE)
    return folder


def _forget(request: Request, batch: str) -> None:
    shutil.rmtree(session_of(request).downloads.folder() / batch, ignore_errors=True)


def _offer(request: Request, result: StripResult) -> Download | None:
    if not result.verified or result.out is None:
        return None
    kind = mimetypes.guess_type(result.out.name)[0] or "application/octet-stream"
    return session_of(request).downloads.offer(result.out, result.path.name, kind)


@contextmanager
def _exiftool(wanted: bool) -> Iterator[ExifTool | None]:
    """ExifTool's second opinion for files kept as evidence, as the command line gives it with --evidence."""
    tool = ExifTool.start() if wanted else None
    try:
        yield tool
    finally:
        if tool is not None:
            tool.close()


def _scan_view(results: list[ScanResult]) -> dict[str, Any]:
    """What the results page shows, in the command line's order."""
    return {
        "count": len(results),
        "summary": scan_summary(results) if len(results) > 1 else None,
        "shown": shown_in_detail(results),
        "more": len(telling(results)) - len(shown_in_detail(results)),
        "advice": share_advice(results),
        "credit": load_wording().places.credit if names_places(results) else None,
        "cleanable": any(result.format is not None and result.error is None for result in results),
        "revealing": len(revealing(results)),
    }


def _unreadable(results: list[ScanResult]) -> str:
    """Why nothing could be checked: the first file's own sentence."""
    first = results[0]
    return f"{first.path.name}: " + (first.error or " ".join(first.notes) or load_wording().strip.unsupported)


def _private_paths_out(data: dict[str, Any]) -> dict[str, Any]:
    """The saved report names each file by its own name, not the private folder it was read from."""
    return {**data, "path": Path(data["path"]).name}


def _problem(request: Request, problem: str) -> Response:
    # A fragment answers 200 so that HTMX swaps the message in; a whole page says 400.
    status = 200 if wants_fragment(request) else 400
    return _page(request, "checks/_media_result.html.j2", {"problem": problem}, status)


def _page(request: Request, fragment: str, context: dict[str, Any], status: int = 200) -> Response:
    if wants_fragment(request):
        return render(request, fragment, context, status_code=status)
    return render(request, "checks/media.html.j2", context, status_code=status)
