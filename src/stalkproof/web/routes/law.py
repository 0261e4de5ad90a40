"""The law view: how a jurisdiction's offences may apply to the events of the case in hand. Information,
not legal advice, and every page says so."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from stalkproof.law.case_view import case_law_view
from stalkproof.law.engine import APPARENTLY_PRESENT, DISCLAIMER, NEEDS_JUDGEMENT, NOT_SHOWN
from stalkproof.law.loader import DEFAULT_JURISDICTION, jurisdictions, load_jurisdiction
from stalkproof.web.deps import CaseDep, VaultDep
from stalkproof.web.pages import render

router = APIRouter()

# Words, never colour alone, carry each status.
STATUS_WORDS = {
    APPARENTLY_PRESENT: "Your records may show this",
    NEEDS_JUDGEMENT: "Needs a person's judgement",
    NOT_SHOWN: "Not shown by your records",
}


@router.get("/law")
def law_page(
    request: Request, vault: VaultDep, case: CaseDep, jurisdiction: str = DEFAULT_JURISDICTION
) -> Response:
    # Checked first: an unknown code is a plain 400 page, with nothing read from the vault.
    law = load_jurisdiction(jurisdiction)
    result = case_law_view(vault, case.id, law)
    return render(
        request,
        "law/view.html.j2",
        {
            "view": result.view,
            "labels": result.labels,
            "disclaimer": DISCLAIMER,
            "status_words": STATUS_WORDS,
            "places": {item.jurisdiction: item.name for item in jurisdictions()},
            "place": law.jurisdiction,
        },
    )
