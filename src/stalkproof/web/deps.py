"""What routes ask for: the unlocked vault, the case in hand, and a checked CSRF token on every change."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from stalkproof.evidence.cases import Case
from stalkproof.vault.vault import Vault
from stalkproof.web.pages import session_of
from stalkproof.web.security import CSRF_FIELD, CSRF_HEADER, SAFE_METHODS


async def require_csrf(request: Request) -> None:
    """Every request that changes something carries the session's token, in a header (HTMX) or a form field
    (plain forms, which work without JavaScript)."""
    if request.method in SAFE_METHODS:
        return
    offered = request.headers.get(CSRF_HEADER)
    if offered is None and _is_form(request):
        value = (await request.form()).get(CSRF_FIELD)
        offered = value if isinstance(value, str) else None
    if not session_of(request).csrf_ok(offered):
        raise HTTPException(403, "This form has expired. Go back, reload the page and try again.")


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def unlocked_vault(request: Request) -> Vault:
    return session_of(request).vault()


def current_case(request: Request) -> Case:
    return session_of(request).case()


VaultDep = Annotated[Vault, Depends(unlocked_vault)]
CaseDep = Annotated[Case, Depends(current_case)]
CsrfChecked = Depends(require_csrf)
