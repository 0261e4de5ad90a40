"""The diary: a list of entries, adding one (with files kept as exhibits), every version of one entry, and
amending it. Entries are never changed in place: an amendment is a new version, and the old one stays."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from stalkproof.errors import InputError
from stalkproof.evidence.cases import Case
from stalkproof.evidence.diary import (
    DiaryVersion,
    add_entry,
    amend_entry,
    diary_draft,
    entry_versions,
    list_entries,
)
from stalkproof.evidence.events import EventDraft
from stalkproof.evidence.exhibits import ExhibitDetails, list_exhibits
from stalkproof.evidence.parties import list_parties
from stalkproof.evidence.vocabulary import behaviours
from stalkproof.vault.vault import Vault
from stalkproof.web.deps import CaseDep, CsrfChecked, VaultDep
from stalkproof.web.pages import config_of, render
from stalkproof.web.routes.diary_form import (
    DiaryForm,
    changes,
    details,
    read_times,
    until_local,
    uploads,
)
from stalkproof.web.uploads import received

router = APIRouter()

NOTHING_CHANGED = "Nothing was changed. Change at least one thing, or attach a file, before saving."
NO_REASON = "Say briefly why you are correcting or adding to this entry. It is kept with the new version."
WITHDRAWN = "This entry was withdrawn, so it cannot be amended."
# Fields compared between versions, with the names the page uses for them.
SHOWN_FIELDS = (
    ("occurred_local", "When"),
    ("occurred_until", "Until"),
    ("precision", "How exact the time is"),
    ("zone", "Time zone"),
    ("what", "What happened"),
    ("where", "Where"),
    ("platform", "App or channel"),
    ("behaviours", "Behaviours"),
    ("parties", "People involved"),
    ("witnesses", "Witnesses"),
    ("impact", "How it affected you"),
    ("actions", "What you did"),
    ("how_saved", "How you saved it"),
    ("risk_notes", "Worries about your safety"),
    ("exhibits", "Exhibits"),
)


@router.get("/diary")
def diary_list(request: Request, vault: VaultDep, case: CaseDep) -> Response:
    # The service lists in the order things happened; the page shows the most recent first.
    names = _party_names(vault, case)
    entries = [_view(item, names) for item in reversed(list_entries(vault, case.id))]
    return render(request, "diary/list.html.j2", {"entries": entries, "labels": behaviours()})


@router.get("/diary/new")
def new_page(request: Request, vault: VaultDep, case: CaseDep) -> Response:
    return _form_page(request, vault, case, DiaryForm())


@router.post("/diary/new", dependencies=[CsrfChecked])
async def add(request: Request, vault: VaultDep, case: CaseDep) -> Response:
    sent = await request.form()
    form = DiaryForm.from_form(sent)
    reading = read_times(form)
    if reading.problems or reading.moment is None:
        return _form_page(request, vault, case, form, problems=reading.problems, status_code=400)
    try:
        draft = diary_draft(reading.moment, form.what, until=reading.until, **details(form))
        entry = await run_in_threadpool(
            _add, vault, case.id, draft, uploads(sent), form.capture(), config_of(request).upload_limit
        )
    except InputError as error:
        return _form_page(request, vault, case, form, problem=_plain(error), status_code=400)
    return RedirectResponse(f"/diary/D{entry.number}?saved=1", status_code=303)


@router.get("/diary/{entry}")
def entry_page(request: Request, vault: VaultDep, case: CaseDep, entry: str) -> Response:
    versions = entry_versions(vault, case.id, entry)
    names = _party_names(vault, case)
    shown = [_view(version, names) for version in versions]
    for earlier, later in pairwise(shown):
        later["changed"] = [label for key, label in SHOWN_FIELDS if earlier[key] != later[key]]
    context = {"versions": shown, "newest": shown[-1], "labels": behaviours()}
    return render(request, "diary/entry.html.j2", context)


@router.get("/diary/{entry}/amend")
def amend_page(request: Request, vault: VaultDep, case: CaseDep, entry: str) -> Response:
    newest = _newest(vault, case, entry)
    return _form_page(request, vault, case, DiaryForm.from_version(newest.as_json()), amending=newest)


@router.post("/diary/{entry}/amend", dependencies=[CsrfChecked])
async def amend(request: Request, vault: VaultDep, case: CaseDep, entry: str) -> Response:
    newest = _newest(vault, case, entry)
    sent = await request.form()
    form = DiaryForm.from_form(sent)
    reading = read_times(form)
    if not form.reason:
        reading.problems["reason"] = NO_REASON
    found = changes(DiaryForm.from_version(newest.as_json()), form, reading)
    files = uploads(sent)
    problem = "" if found or files or reading.problems else NOTHING_CHANGED
    if reading.problems or problem:
        return _form_page(
            request, vault, case, form, amending=newest, problems=reading.problems, problem=problem
        )
    try:
        amended = await run_in_threadpool(
            _amend,
            vault,
            case.id,
            newest,
            found,
            form.reason,
            files,
            form.capture(),
            config_of(request).upload_limit,
        )
    except InputError as error:
        return _form_page(request, vault, case, form, amending=newest, problem=_plain(error))
    return RedirectResponse(f"/diary/D{amended.number}?amended={amended.version}", status_code=303)


def _add(
    vault: Vault,
    case_id: str,
    draft: EventDraft,
    files: list[UploadFile],
    capture: ExhibitDetails,
    limit: int,
) -> DiaryVersion:
    with received(files, limit) as paths:
        return add_entry(vault, case_id, draft, [(path, capture) for path in paths])


def _amend(
    vault: Vault,
    case_id: str,
    newest: DiaryVersion,
    found: dict[str, Any],
    reason: str,
    files: list[UploadFile],
    capture: ExhibitDetails,
    limit: int,
) -> DiaryVersion:
    with received(files, limit) as paths:
        kept = [(path, capture) for path in paths]
        return amend_entry(vault, case_id, newest.entry_id, found, reason, kept)


def _newest(vault: Vault, case: Case, entry: str) -> DiaryVersion:
    newest = entry_versions(vault, case.id, entry)[-1]
    if newest.row["redacted"]:
        raise InputError(WITHDRAWN)
    return newest


def _form_page(
    request: Request,
    vault: Vault,
    case: Case,
    form: DiaryForm,
    *,
    amending: DiaryVersion | None = None,
    problems: dict[str, str] | None = None,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    if (problems or problem) and status_code == 200:
        status_code = 400
    context = {
        "form": form,
        "amending": amending,
        "problems": problems or {},
        "problem": problem,
        "behaviour_labels": behaviours(),
        "parties": list_parties(vault, case.id),
        "exhibits": list_exhibits(vault, case.id),
    }
    template = "diary/amend.html.j2" if amending else "diary/new.html.j2"
    return render(request, template, context, status_code=status_code)


def _view(version: DiaryVersion, party_names: dict[str, str]) -> dict[str, Any]:
    data = version.as_json()
    data["occurred_until"] = until_local(data["occurred_until"], str(data["zone"]))
    data["when_text"] = _when_text(data)
    data["party_names"] = [party_names.get(party, party) for party in data["parties"]]
    data["amendments"] = version.version - 1
    data["changed"] = []
    return data


def _when_text(data: dict[str, Any]) -> str:
    local = str(data["occurred_local"])
    # Seconds are shown only when the person gave them.
    text = (local if data["precision"] == "second" else local[:16]).replace("T", " at ")
    if data["precision"] == "approximate":
        text = "About " + text
    if data["occurred_until"]:
        text += " until " + str(data["occurred_until"])[:16].replace("T", " at ")
    zone = str(data["zone"])
    return text + (" (this computer's time zone)" if zone.startswith("local") else f" ({zone})")


def _party_names(vault: Vault, case: Case) -> dict[str, str]:
    return {party.id: party.name for party in list_parties(vault, case.id)}


def _plain(error: InputError) -> str:
    """The service's sentence, naming an uploaded file by its own name rather than its temporary path."""
    if error.path is None:
        return error.message
    return error.message.replace(str(error.path), Path(error.path).name) + " Nothing was saved."
