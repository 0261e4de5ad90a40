"""The timeline: everything in the case in the order it happened, filtered and a page at a time; and the
course-of-conduct charts with a text version of each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy import Connection
from starlette.responses import Response

from stalkproof.analysis.event_flags import flagged_events, flags_for_rows
from stalkproof.analysis.flags import Flag, Flagger
from stalkproof.analysis.load import WhoIsWho
from stalkproof.errors import InputError
from stalkproof.evidence.events import (
    TimelineFilter,
    TimelinePage,
    decode_list,
    timeline_choices,
    timeline_count,
    timeline_entry_ids,
    timeline_page,
    timeline_rows_of,
)
from stalkproof.evidence.parties import Party, list_parties
from stalkproof.evidence.time import range_end, range_start
from stalkproof.vault.vault import Vault
from stalkproof.web import charts_view
from stalkproof.web.case_cache import kept
from stalkproof.web.deps import CaseDep, VaultDep
from stalkproof.web.pages import render, wants_fragment

router = APIRouter()

PER_PAGE = 100
WORDS_LIMIT = 200


@dataclass(frozen=True)
class Asked:
    """The filter form as typed (all text, so it can be shown back as it was)."""

    since: str = ""
    until: str = ""
    party: str = ""
    channel: str = ""
    kind: str = ""
    words: str = ""
    flagged: bool = False

    def query(self, page: int = 1) -> str:
        fields = {name: value for name, value in asdict(self).items() if value}
        if self.flagged:
            fields["flagged"] = "1"
        if page > 1:
            fields["page"] = str(page)
        return urlencode(fields)

    @property
    def narrowed(self) -> bool:
        return any(asdict(self).values())


@dataclass(frozen=True)
class ShownRow:
    row: dict[str, Any]
    flags: list[Flag]
    exhibits: list[str]


@router.get("/timeline")
def timeline_view(
    request: Request,
    vault: VaultDep,
    case: CaseDep,
    since: str = "",
    until: str = "",
    party: str = "",
    channel: str = "",
    kind: str = "",
    words: str = "",
    flagged: str = "",
    page: int = 1,
) -> Response:
    asked = Asked(
        since.strip(), until.strip(), party, channel, kind, words.strip()[:WORDS_LIMIT], bool(flagged)
    )
    context: dict[str, Any] = {"asked": asked, "parties": list_parties(vault, case.id)}
    with vault.read() as connection:
        context["channels"], context["kinds"] = kept(
            vault, connection, case.id, "choices", lambda: timeline_choices(connection, case.id)
        )
        try:
            chosen = _filter(asked, context["parties"])
        except InputError as error:
            context.update(problem=error.message, page=None, shown=[])
            return _answer(request, context, status_code=400)
        found = _page(vault, connection, case.id, chosen, asked.flagged, max(page, 1))
        context.update(page=found, shown=_shown(vault, connection, case.id, found.rows))
    context.update(_pager(asked, found))
    return _answer(request, context)


@router.get("/timeline/charts")
def charts_page(request: Request, vault: VaultDep, case: CaseDep) -> Response:
    with vault.read() as connection:
        drawn = kept(vault, connection, case.id, "charts", lambda: charts_view.draw(vault, case.id))
    return render(request, "timeline/charts.html.j2", {"drawn": drawn})


def _answer(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    template = "timeline/_results.html.j2" if wants_fragment(request) else "timeline/timeline.html.j2"
    return render(request, template, context, status_code=status_code)


def _filter(asked: Asked, parties: list[Party]) -> TimelineFilter:
    if asked.party and asked.party not in {party.id for party in parties}:
        raise InputError("That person is not in this case. Choose one from the list.")
    since = _edge(range_start, asked.since, "From") if asked.since else None
    until = _edge(range_end, asked.until, "To") if asked.until else None
    if since and until and since > until:
        raise InputError("The 'From' date is after the 'To' date. Swap them or change one.")
    return TimelineFilter(
        since=since,
        until=until,
        channel=asked.channel or None,
        kind=asked.kind or None,
        party_id=asked.party or None,
        words=asked.words or None,
    )


def _edge(read: Callable[[str], str], text: str, which: str) -> str:
    try:
        return read(text)
    except InputError:
        raise InputError(f"The '{which}' date is not one stalkproof can read. Use the date picker.") from None


def _page(
    vault: Vault, connection: Connection, case_id: str, chosen: TimelineFilter, flagged_only: bool, page: int
) -> TimelinePage:
    offset = (page - 1) * PER_PAGE
    if not flagged_only:
        # The count is the slow part of a page on a large case, and the same for every page of a filter.
        total = kept(
            vault, connection, case_id, ("count", chosen), lambda: timeline_count(connection, case_id, chosen)
        )
        found = timeline_page(connection, case_id, chosen, limit=PER_PAGE, offset=offset, total=total)
        return found
    ids = kept(
        vault,
        connection,
        case_id,
        ("flagged ids", chosen),
        lambda: _flagged_ids(vault, connection, case_id, chosen),
    )
    return TimelinePage(
        timeline_rows_of(connection, case_id, ids[offset : offset + PER_PAGE]), len(ids), offset, PER_PAGE
    )


def _flagged_ids(vault: Vault, connection: Connection, case_id: str, chosen: TimelineFilter) -> list[str]:
    flagged = [item.entry_id for item in _flagged(vault, connection, case_id)]
    if chosen == TimelineFilter():
        return flagged
    wanted = set(flagged)
    return [entry_id for entry_id in timeline_entry_ids(connection, case_id, chosen) if entry_id in wanted]


def _flagged(vault: Vault, connection: Connection, case_id: str) -> list[Any]:
    return kept(
        vault, connection, case_id, "flagged", lambda: flagged_events(connection, case_id, Flagger.load())
    )


def _shown(vault: Vault, connection: Connection, case_id: str, rows: list[dict[str, Any]]) -> list[ShownRow]:
    who = kept(vault, connection, case_id, "who", lambda: WhoIsWho.of_case(connection, case_id))
    found = flags_for_rows(rows, who, Flagger.load())
    return [
        ShownRow(row, flags, decode_list(row["exhibit_refs"])) for row, flags in zip(rows, found, strict=True)
    ]


def _pager(asked: Asked, found: TimelinePage) -> dict[str, Any]:
    page = found.offset // found.limit + 1
    pages = max(1, -(-found.total // found.limit))
    return {
        "page_number": page,
        "pages": pages,
        "first_shown": found.offset + 1 if found.rows else 0,
        "last_shown": found.offset + len(found.rows),
        "previous_url": _url(asked, page - 1) if page > 1 else None,
        "next_url": _url(asked, page + 1) if page < pages else None,
    }


def _url(asked: Asked, page: int) -> str:
    query = asked.query(page)
    return f"/timeline?{query}" if query else "/timeline"
