"""Building and downloading the evidence pack, and checking a zipped pack someone hands over.

The same services as `stalkproof pack build` and `pack verify`: the route reads the form into PackChoices,
builds into a private downloads folder, zips it, checks it, and offers the zip and the PDF.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

from stalkproof.errors import StalkproofError
from stalkproof.evidence.cases import Case
from stalkproof.evidence.exhibits import list_exhibits
from stalkproof.evidence.parties import list_parties
from stalkproof.law.loader import jurisdictions
from stalkproof.report.bundle.build import PackResult
from stalkproof.report.make_pack import PackChoices, make_pack
from stalkproof.report.pack_archive import unzip_pack, zip_pack
from stalkproof.report.pack_content import load_wording
from stalkproof.report.verify_pack import PackCheck, verify_pack
from stalkproof.vault.vault import Vault
from stalkproof.web.deps import CaseDep, CsrfChecked, VaultDep
from stalkproof.web.downloads import Download
from stalkproof.web.pages import config_of, render, session_of, wants_fragment
from stalkproof.web.uploads import received, safe_name

router = APIRouter()

PACK_FOLDER = "evidence-pack"
TITLES = {
    "form": "Evidence pack",
    "result": "Evidence pack ready",
    "verify": "Check a pack",
    "verify_result": "Pack checked",
}


@dataclass(frozen=True)
class BuiltPack:
    result: PackResult
    check: PackCheck
    zipped: Download
    pdf: Download | None
    zip_size: int


# -- building ----------------------------------------------------------------------------------------


@router.get("/pack")
def pack_page(request: Request, vault: VaultDep, case: CaseDep) -> Response:
    return _page(request, "form", _form_context(vault, case, PackChoices(), None))


@router.post("/pack", dependencies=[CsrfChecked])
def build(
    request: Request,
    vault: VaultDep,
    case: CaseDep,
    since: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    party: Annotated[str, Form()] = "",
    exhibits: Annotated[list[str] | None, Form()] = None,
    law: Annotated[str, Form()] = "",
    risk: Annotated[bool, Form()] = False,
    case_uco: Annotated[bool, Form()] = False,
) -> Response:
    offered = [exhibit.ref for exhibit in list_exhibits(vault, case.id)]
    chosen = [ref for ref in offered if ref in set(exhibits or ())]
    # Every exhibit ticked is the whole case: naming them all would make the pack call itself a part.
    refs = () if len(chosen) == len(offered) else tuple(chosen)
    choices = PackChoices(
        since.strip() or None, until.strip() or None, party or None, refs, law or None, risk, case_uco
    )
    errors = _form_errors(choices, offered, chosen)
    if not errors:
        try:
            built = _build(request, vault, case, choices)
        except StalkproofError as error:
            errors = {"": error.message}
        else:
            return _page(request, "result", {"built": built, "wording": load_wording()})
    context = _form_context(vault, case, choices, errors, chosen=set(chosen))
    return _page(request, "form", context, status_code=400)


def _form_errors(choices: PackChoices, offered: list[str], chosen: list[str]) -> dict[str, str]:
    errors = {}
    if choices.since and choices.until and choices.since > choices.until:
        errors["until"] = "The last date is before the first date. Change one of them."
    if offered and not chosen:
        errors["exhibits"] = "Choose at least one exhibit. To include them all, tick every one."
    return errors


def _build(request: Request, vault: Vault, case: Case, choices: PackChoices) -> BuiltPack:
    session = session_of(request)
    folder = session.downloads.new_place(PACK_FOLDER)
    result = make_pack(vault, case.id, folder, choices)
    archive = zip_pack(folder, folder.parent / f"{PACK_FOLDER}.zip")
    # The check a police officer would run, on the very folder that was zipped.
    check = verify_pack(folder)
    stem = f"{'notes' if session.neutral_title else PACK_FOLDER}-{date.today().isoformat()}"
    zipped = session.downloads.offer(archive, f"{stem}.zip", "application/zip")
    pdf = session.downloads.offer(result.pdf, f"{stem}.pdf", "application/pdf") if result.pdf else None
    return BuiltPack(result, check, zipped, pdf, archive.stat().st_size)


def _form_context(
    vault: Vault,
    case: Case,
    choices: PackChoices,
    errors: dict[str, str] | None,
    chosen: set[str] | None = None,
) -> dict[str, Any]:
    exhibits = list_exhibits(vault, case.id)
    return {
        "choices": choices,
        "errors": errors or {},
        "parties": list_parties(vault, case.id),
        "exhibits": exhibits,
        "chosen": chosen if chosen is not None else {exhibit.ref for exhibit in exhibits},
        "jurisdictions": [(law.jurisdiction, law.name) for law in jurisdictions()],
    }


# -- checking a zipped pack --------------------------------------------------------------------------


@router.get("/pack/verify")
def verify_page(request: Request) -> Response:
    return _page(request, "verify", {})


@router.post("/pack/verify", dependencies=[CsrfChecked])
def verify_upload(request: Request, pack: Annotated[UploadFile | None, File()] = None) -> Response:
    try:
        with received([pack] if pack else [], config_of(request).upload_limit) as saved:
            if not saved:
                problem = "Choose the zip file of the pack first."
                return _page(request, "verify", {"problem": problem}, status_code=400)
            check = _check_zip(saved[0])
    except StalkproofError as error:
        return _page(request, "verify", {"problem": error.message}, status_code=400)
    name = safe_name(pack.filename if pack else None)
    return _page(request, "verify_result", {"check": check, "name": name, "wording": load_wording()})


def _check_zip(archive: Path) -> PackCheck:
    with tempfile.TemporaryDirectory(prefix="stalkproof-pack-check-") as scratch:
        return verify_pack(unzip_pack(archive, Path(scratch)))


# -- pages and fragments -----------------------------------------------------------------------------


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """The whole page, or for HTMX the part inside #pack-page. htmx swaps only 2xx answers, so a form
    with a mistake goes back as 200 to a fragment request (the page itself says what is wrong)."""
    partial = f"pack/_{name}.html.j2"
    if wants_fragment(request):
        return render(request, partial, context)
    page = {**context, "partial": partial, "page_title": TITLES[name]}
    return render(request, "pack/page.html.j2", page, status_code=status_code)
