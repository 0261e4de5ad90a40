"""Flags to review: each message a rule flagged, why, and the person's decision on it (kept as an
assessment; the message itself is never changed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Request
from sqlalchemy import Connection
from starlette.responses import RedirectResponse, Response

from stalkproof.analysis.event_flags import FlaggedEvent, flagged_events, searched_text
from stalkproof.analysis.flag_review import review_flag
from stalkproof.analysis.flags import Flag, Flagger
from stalkproof.errors import StalkproofError
from stalkproof.evidence.events import timeline_rows_of
from stalkproof.evidence.flag_reviews import DECISIONS, FlagReview, latest_reviews
from stalkproof.vault.vault import Vault
from stalkproof.web.case_cache import kept
from stalkproof.web.deps import CaseDep, CsrfChecked, VaultDep
from stalkproof.web.pages import render, wants_fragment

router = APIRouter()

PER_PAGE = 25
SHOWS = {"open": "Not reviewed yet", "all": "All flags", "confirmed": "Confirmed", "dismissed": "Dismissed"}


@dataclass(frozen=True)
class FlagItem:
    """One flag on one event, with the event's row, the words that raised it, and the review if any."""

    entry_id: str
    flag: Flag
    row: dict[str, Any]
    matched: str
    review: FlagReview | None

    @property
    def anchor(self) -> str:
        return f"flag-{self.entry_id}-{self.flag.label}"


@router.get("/flags")
def flags_page(
    request: Request, vault: VaultDep, case: CaseDep, label: str = "", show: str = "open", page: int = 1
) -> Response:
    show = show if show in SHOWS else "open"
    flagger = Flagger.load()
    label = label if label in flagger.labels() else ""
    with vault.read() as connection:
        reviews = latest_reviews(connection, case.id)
        chosen = [
            (entry_id, flag)
            for entry_id, flag in _each_flag(_flagged(vault, connection, case.id, flagger))
            if (not label or flag.label == label) and _shown(reviews.get((entry_id, flag.label)), show)
        ]
        pages = max(1, -(-len(chosen) // PER_PAGE))
        page = min(max(page, 1), pages)
        items = _items(connection, case.id, chosen[(page - 1) * PER_PAGE : page * PER_PAGE], reviews)
    context = {
        "items": items,
        "total": len(chosen),
        "labels": flagger.labels(),
        "label": label,
        "show": show,
        "shows": SHOWS,
        "page_number": page,
        "pages": pages,
        "previous_url": _url(label, show, page - 1) if page > 1 else None,
        "next_url": _url(label, show, page + 1) if page < pages else None,
        "back": _query(label, show, page),
        "saved": request.query_params.get("saved"),
    }
    return render(request, "flags/flags.html.j2", context)


@router.post("/flags/review", dependencies=[CsrfChecked])
def review(
    request: Request,
    vault: VaultDep,
    case: CaseDep,
    event_id: Annotated[str, Form()],
    label: Annotated[str, Form()],
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    problem = None
    if decision not in DECISIONS:
        problem = "Choose 'Confirm' or 'Dismiss' to save your review."
    else:
        try:
            review_flag(vault, case.id, event_id, label, decision, note)
        except StalkproofError as error:
            problem = error.message
    if wants_fragment(request):
        return _item_fragment(request, vault, case.id, event_id, label, problem, back)
    if problem is not None:
        return render(request, "error.html.j2", {"message": problem}, status_code=400)
    query = "&".join(part for part in (_safe_back(back), urlencode({"saved": decision})) if part)
    return RedirectResponse(f"/flags?{query}#flag-{event_id}-{label}", status_code=303)


def _item_fragment(
    request: Request, vault: Vault, case_id: str, event_id: str, label: str, problem: str | None, back: str
) -> Response:
    with vault.read() as connection:
        reviews = latest_reviews(connection, case_id)
        found = [
            (entry_id, flag)
            for entry_id, flag in _each_flag(_flagged(vault, connection, case_id, Flagger.load()))
            if entry_id == event_id and flag.label == label
        ]
        items = _items(connection, case_id, found, reviews)
    context = {
        "item": items[0] if items else None,
        "problem": problem,
        "back": back,
        "just_saved": problem is None,
    }
    return render(request, "flags/_item.html.j2", context, status_code=400 if problem else 200)


def _flagged(vault: Vault, connection: Connection, case_id: str, flagger: Flagger) -> list[FlaggedEvent]:
    return kept(vault, connection, case_id, "flagged", lambda: flagged_events(connection, case_id, flagger))


def _each_flag(flagged: list[FlaggedEvent]) -> list[tuple[str, Flag]]:
    """One item per label on an event: two rules finding the same threat are one thing to review."""
    found: list[tuple[str, Flag]] = []
    for event in flagged:
        seen: set[str] = set()
        for flag in event.flags:
            if flag.label not in seen:
                seen.add(flag.label)
                found.append((event.entry_id, flag))
    return found


def _shown(review: FlagReview | None, show: str) -> bool:
    if show == "all":
        return True
    if show == "open":
        return review is None
    return review is not None and review.decision == show


def _items(
    connection: Connection,
    case_id: str,
    chosen: list[tuple[str, Flag]],
    reviews: dict[tuple[str, str], FlagReview],
) -> list[FlagItem]:
    rows = {row["entry_id"]: row for row in timeline_rows_of(connection, case_id, [e for e, _ in chosen])}
    items = []
    for entry_id, flag in chosen:
        row = rows.get(entry_id)
        if row is None:
            continue
        text, _ = searched_text(row)
        matched = (text or "")[flag.start : flag.end]
        items.append(FlagItem(entry_id, flag, row, matched, reviews.get((entry_id, flag.label))))
    return items


def _query(label: str, show: str, page: int) -> str:
    fields = {"label": label, "show": show if show != "open" else "", "page": str(page) if page > 1 else ""}
    return urlencode({name: value for name, value in fields.items() if value})


def _url(label: str, show: str, page: int) -> str:
    query = _query(label, show, page)
    return f"/flags?{query}" if query else "/flags"


def _safe_back(back: str) -> str:
    """Only our own list's query goes back into a redirect: never a whole address from a form."""
    allowed = {"label", "show", "page"}
    return urlencode({name: value for name, value in parse_qsl(back) if name in allowed})
