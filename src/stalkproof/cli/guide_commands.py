"""The guide and the referral directory: read in the terminal, no vault needed."""

from __future__ import annotations

import difflib
from typing import Annotated, Any

import typer
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table

from stalkproof.cli.common import JsonOption, emit, out
from stalkproof.errors import InputError, NotFoundError
from stalkproof.guide.listing import alert_note, grouped
from stalkproof.guide.pages import Page, find_page, load_pages
from stalkproof.guide.referrals import NEEDS, Service, referrals_for
from stalkproof.guide.search import search


def guide(
    topic: Annotated[
        str | None,
        typer.Argument(
            metavar="TOPIC",
            help="A page id (e.g. gathering-evidence) or a topic (e.g. digital).",
            show_default=False,
        ),
    ] = None,
    word: Annotated[
        str | None, typer.Option("--search", metavar="WORD", help="Find the pages that mention a word.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Guidance on stalking: what it is, evidence, reporting, safety and digital safety."""
    if word is not None:
        if topic:
            raise InputError("Give either a page to read or --search WORD, not both.")
        _search(word, as_json)
    elif topic is None:
        _list(load_pages(), as_json)
    elif page := find_page(topic):
        emit(as_json, _page_json(page) | {"body": page.body}, lambda: _show_page(page))
    elif tagged := [page for page in load_pages() if topic in page.topics]:
        _list(tagged, as_json)
    else:
        raise NotFoundError(_not_found(topic))


def _not_found(topic: str) -> str:
    names = [page.id for page in load_pages()] + sorted({tag for page in load_pages() for tag in page.topics})
    close = difflib.get_close_matches(topic, names, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else "; run 'stalkproof guide' to see every page."
    return f"There is no guide page or topic called '{topic}'" + hint


def _page_json(page: Page) -> dict[str, Any]:
    return page.model_dump(mode="json", exclude={"body"}) | {"topic": page.topic}


def _list(pages: tuple[Page, ...] | list[Page], as_json: bool) -> None:
    def show() -> None:
        for name, members in grouped(pages).items():
            table = Table("page", "what it covers", title=name.capitalize(), title_justify="left")
            for page in members:
                table.add_row(page.id, escape(page.summary))
            out.print(table)
        out.print("Read a page with: stalkproof guide PAGE    Search with: stalkproof guide --search WORD")

    emit(as_json, [_page_json(page) for page in pages], show)


def _show_page(page: Page) -> None:
    out.print(Markdown(f"# {page.title}"))
    out.print(f"[italic]{alert_note(page)}[/italic]")
    out.print(Markdown(page.body))
    sources = "; ".join(f"{source.title} ({source.url})" for source in page.sources)
    out.print(f"\nSources: {sources}", markup=False)
    out.print(f"Reviewed {page.reviewed.isoformat()} by {page.reviewer}.", markup=False)


def _search(word: str, as_json: bool) -> None:
    found = search(word)

    def show() -> None:
        if not found:
            out.print(f"No page mentions '{word}'. Try a shorter or different word.", markup=False)
            return
        table = Table("page", "title", "where it says so")
        for page, snippet in found:
            table.add_row(page.id, escape(page.title), escape(snippet))
        out.print(table)

    emit(as_json, [{"id": page.id, "title": page.title, "snippet": snippet} for page, snippet in found], show)


def referrals(
    jurisdiction: Annotated[
        str | None,
        typer.Option(
            "--jurisdiction", metavar="CODE", help="Only services for this place, e.g. gb-sct or us-ny."
        ),
    ] = None,
    need: Annotated[
        list[str] | None,
        typer.Option(
            "--need", metavar="KIND", help=f"Only services for this kind of help: {', '.join(NEEDS)}."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Services that can help: helplines, emergency numbers, specialist support."""
    services = referrals_for(jurisdiction, need or ())

    def show() -> None:
        table = Table("service", "contact", "hours", "helps with")
        for service in services:
            contacts = "\n".join(contact.value for contact in service.contact)
            about = escape(f"{service.name}\n{service.what}")
            table.add_row(about, escape(contacts), escape(service.hours), ", ".join(service.when))
        out.print(table if services else "No service in the directory matches that.")
        out.print("Numbers and hours change: check them before you rely on them.")

    emit(as_json, [_service_json(service) for service in services], show)


def _service_json(service: Service) -> dict[str, Any]:
    return service.model_dump(mode="json", by_alias=True)
