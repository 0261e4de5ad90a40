"""Rendering a page: one Jinja2 environment, and the context every page needs (the way out, the CSRF
token, the window title, the case in hand)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from stalkproof import __version__
from stalkproof.errors import StalkproofError
from stalkproof.evidence.cases import Case
from stalkproof.web.config import NEUTRAL_TITLE, WebConfig
from stalkproof.web.session import LocalSession

TEMPLATES = Path(__file__).parent / "templates"
APP_TITLE = "stalkproof"

templates = Jinja2Templates(directory=TEMPLATES)
# Starlette escapes only *.html names; ours end in .html.j2 and show text people and stalkers wrote.
templates.env.autoescape = True
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def session_of(request: Request) -> LocalSession:
    session: LocalSession = request.app.state.session
    return session


def config_of(request: Request) -> WebConfig:
    config: WebConfig = request.app.state.config
    return config


def wants_fragment(request: Request) -> bool:
    """HTMX asks for a piece of a page; a plain browser (or no JavaScript) asks for the whole page."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> Response:
    return templates.TemplateResponse(
        request, template, {**common_context(request), **(context or {})}, status_code=status_code
    )


def common_context(request: Request) -> dict[str, Any]:
    session = session_of(request)
    config = config_of(request)
    return {
        "app_title": NEUTRAL_TITLE if session.neutral_title else APP_TITLE,
        "neutral_title": session.neutral_title,
        "csrf_token": session.csrf_token,
        "exit_url": config.exit_url,
        "idle_seconds": int(config.idle_seconds),
        "unlocked": session.unlocked,
        "case": _case_or_none(session),
        "version": __version__,
        "path": request.url.path,
    }


def _case_or_none(session: LocalSession) -> Case | None:
    if not session.unlocked:
        return None
    try:
        return session.case()
    except StalkproofError:
        return None  # no case yet: the home page offers to start one
