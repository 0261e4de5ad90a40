"""People in the case and the accounts they use: say which accounts (seen in imports, or known already)
belong to the person you are worried about. The same services as `stalkproof party add/link/accounts`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from stalkproof.errors import InputError
from stalkproof.evidence.cases import Case
from stalkproof.evidence.parties import add_party, link_accounts, list_accounts, list_parties
from stalkproof.evidence.vocabulary import ROLES
from stalkproof.vault.vault import Vault
from stalkproof.web.deps import CaseDep, CsrfChecked, VaultDep
from stalkproof.web.pages import render

router = APIRouter()

ROLE_LABELS = {
    "suspect": "The person I am worried about",
    "subject": "Me (the person affected)",
    "witness": "A witness",
    "other": "Someone else",
}
NO_ACCOUNT = "Tick at least one account, or type one in."


@router.get("/people")
def people_page(request: Request, vault: VaultDep, case: CaseDep, done: str = "") -> Response:
    return _page(request, vault, case, {"done": done})


@router.post("/people", dependencies=[CsrfChecked])
def add_person(
    request: Request,
    vault: VaultDep,
    case: CaseDep,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "suspect",
    accounts: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies the default
    other_accounts: Annotated[str, Form()] = "",
) -> Response:
    chosen = [*accounts, *_typed(other_accounts)]
    try:
        party = add_party(vault, case.id, name.strip(), role, chosen)
    except InputError as error:
        form = {"name": name, "role": role, "ticked": accounts, "other_accounts": other_accounts}
        return _page(request, vault, case, {"add_problem": error.message, "form": form}, status_code=400)
    return RedirectResponse(f"/people?done={party.id}", status_code=303)


@router.post("/people/link", dependencies=[CsrfChecked])
def link_to_person(
    request: Request,
    vault: VaultDep,
    case: CaseDep,
    party_id: Annotated[str, Form()] = "",
    accounts: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies the default
) -> Response:
    try:
        if not party_id:
            raise InputError("Choose who these accounts belong to.")
        if not accounts:
            raise InputError(NO_ACCOUNT)
        party = link_accounts(vault, case.id, party_id, accounts)
    except InputError as error:
        form = {"party_id": party_id, "ticked": accounts}
        return _page(
            request, vault, case, {"link_problem": error.message, "link_form": form}, status_code=400
        )
    return RedirectResponse(f"/people?done={party.id}", status_code=303)


def _typed(text: str) -> list[str]:
    """Accounts typed one to a line (or separated by commas), as PLATFORM:ID."""
    return [item.strip() for line in text.splitlines() for item in line.split(",") if item.strip()]


def _page(
    request: Request, vault: Vault, case: Case, extra: dict[str, Any], status_code: int = 200
) -> Response:
    people = list_parties(vault, case.id)
    done = next((party for party in people if party.id == extra.get("done")), None)
    context = {
        "people": people,
        "accounts": list_accounts(vault, case.id),
        "roles": [(role, ROLE_LABELS.get(role, role)) for role in ROLES],
        "role_labels": ROLE_LABELS,
        "form": {"role": "suspect", "ticked": []},
        "link_form": {"ticked": []},
    }
    return render(request, "people/people.html.j2", context | extra | {"done": done}, status_code=status_code)
