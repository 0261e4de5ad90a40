"""Risk screening: the instrument's questions, the case's saved screenings, and each result with every
reason behind it. Needs the vault: each screening is kept in the case, with what the evidence shows."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from stalkproof.errors import InputError
from stalkproof.risk.answers import AnswerValue
from stalkproof.risk.case_screening import history_rows, saved_screening, screen_case
from stalkproof.risk.instrument import default_instrument
from stalkproof.web.deps import CaseDep, CsrfChecked, VaultDep
from stalkproof.web.pages import render
from stalkproof.web.routes.help import chosen_place, places

router = APIRouter()

YES_NO = (("yes", "Yes"), ("no", "No"), ("unknown", "Not sure"))


@router.get("/risk")
def risk_page(request: Request, vault: VaultDep, case: CaseDep) -> Response:
    rows = history_rows(vault, case.id)
    return render(
        request, "risk/index.html.j2", {"instrument": default_instrument(), "rows": list(reversed(rows))}
    )


@router.get("/risk/new")
def new_screening_page(request: Request, vault: VaultDep, case: CaseDep) -> Response:
    return render(request, "risk/screen.html.j2", _form_context(""))


@router.post("/risk/new", dependencies=[CsrfChecked])
async def new_screening(request: Request, vault: VaultDep, case: CaseDep) -> Response:
    form = await request.form()
    instrument = default_instrument()
    chosen = form.get("jurisdiction")
    # An empty answer means "not known", as in the terminal: skipping never lowers the level.
    answers: dict[str, AnswerValue] = {}
    for item in instrument.items:
        value = form.get(item.id)
        answers[item.id] = value.strip() if isinstance(value, str) and value.strip() else "unknown"
    try:
        place = chosen_place(chosen if isinstance(chosen, str) else None)
        screened = screen_case(vault, case.id, instrument, answers, place)
    except InputError as error:
        context = _form_context(chosen if isinstance(chosen, str) else "") | {"problem": error.message}
        return render(request, "risk/screen.html.j2", context, status_code=400)
    return RedirectResponse(f"/risk/{screened.saved.id}", status_code=303)


@router.get("/risk/{screening_id}")
def screening_page(request: Request, screening_id: str, vault: VaultDep, case: CaseDep) -> Response:
    screened = saved_screening(vault, case.id, screening_id)
    return render(
        request,
        "risk/result.html.j2",
        {
            "result": screened.result,
            "saved": screened.saved,
            "changed": screened.changed,
            "instrument": default_instrument(),
        },
    )


def _form_context(place: str) -> dict[str, Any]:
    return {"instrument": default_instrument(), "yes_no": YES_NO, "places": places(), "place": place}
