"""The FastAPI application: security at the door, the routes, the shipped static files."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from stalkproof.web import errors, security
from stalkproof.web.config import WebConfig
from stalkproof.web.routes import ROUTERS
from stalkproof.web.session import COOKIE_NAME, LocalSession

STATIC = Path(__file__).parent / "static"
# Room for the form's other fields around the files themselves.
FORM_OVERHEAD = 1024 * 1024
TOO_BIG = (
    "That upload is too big for the web page, so nothing was saved. "
    "Very large files can be imported with the command line (stalkproof import)."
)


def create_app(config: WebConfig, session: LocalSession, extra_hosts: Collection[str] = ()) -> FastAPI:
    """`extra_hosts` lets in-process tests use their own Host name; the real server never sets it."""
    app = FastAPI(title="stalkproof", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.config = config
    app.state.session = session
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    errors.install(app)
    _guard(app, config, session, frozenset(extra_hosts))
    return app


def _guard(app: FastAPI, config: WebConfig, session: LocalSession, extra_hosts: frozenset[str]) -> None:
    @app.middleware("http")
    async def door(request: Request, call_next: security.Next) -> Response:
        if not security.host_allowed(request.headers.get("host"), extra_hosts):
            return security.refuse(421, "stalkproof only answers on this computer's own address.")
        if request.method not in security.SAFE_METHODS and security.cross_site(request):
            return security.refuse(403, "Another website tried to send this form, so it was refused.")
        if not security.is_open_path(request.url.path) and not session.knows(
            request.cookies.get(COOKIE_NAME)
        ):
            return security.refuse(
                403, "This page opens only from the link stalkproof printed when it started. Start it again."
            )
        if _too_big(request, config.upload_limit):
            response = errors.error_page(request, TOO_BIG, 413)
            security.add_headers(request, response)
            return response
        response = await call_next(request)
        security.add_headers(request, response)
        return response


def _too_big(request: Request, limit: int) -> bool:
    """Refused before a byte is read, from the size the browser declares."""
    declared = request.headers.get("content-length", "")
    return declared.isdigit() and int(declared) > limit + FORM_OVERHEAD
