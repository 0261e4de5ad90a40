"""One shape for every error a page can meet: the CLI's plain sentence, a status, and a way on."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from stalkproof.errors import (
    IntegrityError,
    NotFoundError,
    StalkproofError,
    VaultBusyError,
    WrongPassphraseError,
)
from stalkproof.web.pages import render, wants_fragment
from stalkproof.web.session import Locked

STATUS_BY_ERROR: tuple[tuple[type[StalkproofError], int], ...] = (
    (NotFoundError, 404),
    (WrongPassphraseError, 401),
    (VaultBusyError, 409),
    (IntegrityError, 409),
    (StalkproofError, 400),
)


def error_page(request: Request, message: str, status_code: int) -> Response:
    """The whole error page for a browser; for htmx, only the message, swapped in where the answer was due."""
    template = "_error_fragment.html.j2" if wants_fragment(request) else "error.html.j2"
    return render(request, template, {"message": message}, status_code=status_code)


def status_for(error: StalkproofError) -> int:
    return next(status for kind, status in STATUS_BY_ERROR if isinstance(error, kind))


def install(app: FastAPI) -> None:
    app.add_exception_handler(Locked, _locked)
    app.add_exception_handler(StalkproofError, _stalkproof_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_form)


async def _locked(request: Request, _error: Exception) -> Response:
    if wants_fragment(request):
        # HTMX swaps fragments in place; a whole-page move needs its own header.
        return Response(status_code=204, headers={"HX-Redirect": "/unlock"})
    return RedirectResponse("/unlock", status_code=303)


async def _stalkproof_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StalkproofError)
    return error_page(request, error.message, status_for(error))


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    message = {
        404: "There is no page at this address.",
        405: "That page cannot be used this way.",
        413: "That file is too big to upload here.",
    }.get(error.status_code, str(error.detail))
    return error_page(request, message, error.status_code)


async def _invalid_form(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    fields = sorted({str(problem["loc"][-1]) for problem in error.errors() if problem.get("loc")})
    message = "Some of the form was missing or could not be read"
    message += f" ({', '.join(fields)})." if fields else "."
    return error_page(request, message + " Go back and try again.", 400)
