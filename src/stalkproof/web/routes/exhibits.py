"""Exhibits: the original files kept in the vault, with their fingerprints, and a way to save a copy."""

from __future__ import annotations

import shutil

from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, Response

from stalkproof.evidence.exhibits import capture_details, export_exhibit, list_exhibits
from stalkproof.web.deps import CaseDep, VaultDep
from stalkproof.web.pages import render, session_of
from stalkproof.web.uploads import safe_name

router = APIRouter()


@router.get("/exhibits")
def exhibits_page(request: Request, vault: VaultDep, case: CaseDep) -> Response:
    context = {"exhibits": list_exhibits(vault, case.id), "capture": capture_details(vault, case.id)}
    return render(request, "exhibits/list.html.j2", context)


# `:path` because people may choose labels such as "AB/1".
@router.get("/exhibits/{ref:path}/download")
def download(request: Request, vault: VaultDep, case: CaseDep, ref: str) -> Response:
    place = session_of(request).downloads.new_place("exhibit")
    try:
        with place.open("xb") as target:
            exhibit = export_exhibit(vault, case.id, ref, target)
    except BaseException:
        shutil.rmtree(place.parent, ignore_errors=True)  # never leave a partial copy behind
        raise
    # Always an attachment of no particular type, so the browser saves the bytes and never opens them.
    return FileResponse(
        place,
        media_type="application/octet-stream",
        filename=safe_name(exhibit.original_name, fallback=safe_name(exhibit.ref, "exhibit")),
        background=BackgroundTask(shutil.rmtree, place.parent, ignore_errors=True),
    )
