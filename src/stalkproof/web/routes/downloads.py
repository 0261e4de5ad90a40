"""Serving what Downloads offers, as an attachment (never shown inline, never cached)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from stalkproof.web.pages import session_of

router = APIRouter()


@router.get("/downloads/{token}")
def download(request: Request, token: str) -> Response:
    item = session_of(request).downloads.find(token)
    return FileResponse(item.path, media_type=item.media_type, filename=item.filename)
