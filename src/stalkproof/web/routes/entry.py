"""Getting in and getting out: the one-time link, unlocking or creating the vault, locking, quick exit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from stalkproof.errors import StalkproofError, WrongPassphraseError
from stalkproof.evidence.cases import create_case
from stalkproof.vault.vault import Vault
from stalkproof.web.deps import CsrfChecked
from stalkproof.web.pages import config_of, render, session_of
from stalkproof.web.session import COOKIE_NAME

router = APIRouter()


@router.get("/enter")
def enter(request: Request, key: str = "") -> Response:
    session = session_of(request)
    if not session.redeem(key):
        return render(request, "entry/expired.html.j2", status_code=403)
    response = RedirectResponse("/", status_code=303)
    # No expiry: the cookie dies with the browser session, and with this run (a new run has a new value).
    response.set_cookie(COOKIE_NAME, session.cookie_value, httponly=True, samesite="strict", path="/")
    return response


@router.get("/unlock")
def unlock_page(request: Request) -> Response:
    if not _vault_exists(request):
        return RedirectResponse("/create", status_code=303)
    return render(request, "entry/unlock.html.j2")


@router.post("/unlock", dependencies=[CsrfChecked])
def unlock(
    request: Request,
    passphrase: Annotated[str, Form()] = "",
    recovery_code: Annotated[str, Form()] = "",
) -> Response:
    config = config_of(request)
    try:
        if recovery_code.strip():
            vault = Vault.unlock(config.vault, recovery_code=recovery_code, database_url=config.database_url)
        else:
            vault = Vault.unlock(config.vault, passphrase=passphrase, database_url=config.database_url)
    except WrongPassphraseError as error:
        return render(request, "entry/unlock.html.j2", {"problem": error.message}, status_code=401)
    session_of(request).open(vault)
    return RedirectResponse("/", status_code=303)


@router.get("/create")
def create_page(request: Request) -> Response:
    if _vault_exists(request):
        return RedirectResponse("/unlock", status_code=303)
    return render(request, "entry/create.html.j2")


@router.post("/create", dependencies=[CsrfChecked])
def create(
    request: Request,
    passphrase: Annotated[str, Form()],
    confirm: Annotated[str, Form()],
    case_name: Annotated[str, Form()] = "",
) -> Response:
    config = config_of(request)
    if _vault_exists(request):
        return RedirectResponse("/unlock", status_code=303)
    if passphrase != confirm:
        problem = "The two passphrases are not the same. Type them again."
        return render(request, "entry/create.html.j2", {"problem": problem}, status_code=400)
    try:
        vault, recovery_code = Vault.create(config.vault, passphrase, database_url=config.database_url)
    except StalkproofError as error:
        return render(request, "entry/create.html.j2", {"problem": error.message}, status_code=400)
    session_of(request).open(vault)
    if case_name.strip():
        create_case(vault, case_name.strip())
    # Shown here once, never stored, never shown again.
    return render(request, "entry/recovery_code.html.j2", {"recovery_code": recovery_code})


@router.post("/lock", dependencies=[CsrfChecked])
def lock(request: Request) -> Response:
    session_of(request).close_vault()
    return RedirectResponse("/locked", status_code=303)


@router.get("/locked")
def locked(request: Request, idle: bool = False) -> Response:
    # Reached by the page's own idle timer too: locking is harmless, so a plain link may do it.
    session_of(request).close_vault()
    return render(request, "entry/locked.html.j2", {"idle": idle})


@router.api_route("/quick-exit", methods=["GET", "POST"])
def quick_exit(request: Request) -> Response:
    """Lock at once and leave for the neutral site. Open without the cookie, so it always works."""
    session = session_of(request)
    if session.knows(request.cookies.get(COOKIE_NAME)):
        session.close_vault()
    return RedirectResponse(config_of(request).exit_url, status_code=303)


@router.post("/stop", dependencies=[CsrfChecked])
def stop(request: Request) -> Response:
    session_of(request).close_vault()
    stopper = getattr(request.app.state, "stop", None)
    if stopper is not None:
        stopper()
    return render(request, "entry/stopped.html.j2")


def _vault_exists(request: Request) -> bool:
    try:
        Vault.check_exists(config_of(request).vault)
    except StalkproofError:
        return False
    return True
