"""The guide: every page grouped by topic, a search, and each page rendered safely from its Markdown."""

from __future__ import annotations

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from stalkproof.errors import NotFoundError
from stalkproof.guide.html import body_html
from stalkproof.guide.listing import alert_note, grouped
from stalkproof.guide.pages import find_page, load_pages
from stalkproof.guide.search import search
from stalkproof.web.pages import render

router = APIRouter()


@router.get("/guide")
def guide_list(request: Request, q: str = "") -> Response:
    word = q.strip()
    return render(
        request,
        "guide/list.html.j2",
        {
            "groups": grouped(load_pages()),
            "word": word,
            "found": search(word) if word else None,
        },
    )


@router.get("/guide/{slug}")
def guide_page(request: Request, slug: str) -> Response:
    page = find_page(slug)
    if page is None:
        raise NotFoundError("There is no guide page with that name. The list of guides has every page.")
    return render(
        request,
        "guide/page.html.j2",
        {
            "page": page,
            "alert": alert_note(page),
            # Safe: the Markdown renderer escapes any HTML in the page and drops unsafe links.
            "body": Markup(body_html(page.body)),  # noqa: S704
        },
    )
