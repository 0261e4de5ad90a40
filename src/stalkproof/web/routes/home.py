"""The home page (every journey a few clicks away), cases, and the run's settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from stalkproof.evidence.cases import create_case, list_cases, use_case
from stalkproof.web.deps import CsrfChecked, VaultDep
from stalkproof.web.journeys import journeys
from stalkproof.web.pages import render, session_of

router = APIRouter()


@router.get("/")
def home(request: Request) -> Response:
    return render(request, "home.html.j2", {"groups": journeys().groups})


@router.get("/cases")
def cases_page(request: Request, vault: VaultDep) -> Response:
    return render(request, "cases.html.j2", {"cases": list_cases(vault)})


@router.post("/cases", dependencies=[CsrfChecked])
def new_case(
    vault: VaultDep, name: Annotated[str, Form(min_length=1)], reference: Annotated[str, Form()] = ""
) -> Response:
    case = create_case(vault, name.strip(), reference.strip() or None)
    use_case(vault, case.id)
    return RedirectResponse("/", status_code=303)


@router.post("/cases/use", dependencies=[CsrfChecked])
def choose_case(vault: VaultDep, case_id: Annotated[str, Form()]) -> Response:
    use_case(vault, case_id)
    return RedirectResponse("/", status_code=303)


@router.get("/settings")
def settings_page(request: Request) -> Response:
    return render(request, "settings.html.j2")


@router.post("/settings", dependencies=[CsrfChecked])
def save_settings(request: Request, neutral_title: Annotated[bool, Form()] = False) -> Response:
    session_of(request).neutral_title = neutral_title
    return RedirectResponse("/settings?saved=1", status_code=303)
