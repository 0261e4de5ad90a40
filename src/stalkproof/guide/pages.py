"""The knowledge base: Markdown pages with YAML front matter, checked against one schema when loaded."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.errors import InputError
from stalkproof.law.loader import Jurisdictions

PAGES_DIR = Path(__file__).with_name("pages")
FENCE = "---"
IN_SHORT = "## In short"
REQUIRED_SECTIONS = (IN_SHORT, "## Could this alert the person stalking you?", "## Where to get help")
SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class Page(BaseModel):
    """One page: its front matter, then the Markdown body."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    audience: list[Literal["victim", "adviser", "friend"]] = Field(min_length=1)
    jurisdictions: Jurisdictions
    topics: list[str] = Field(min_length=1)
    alerts_stalker: Literal["yes", "no", "some"]
    sources: list[Source] = Field(min_length=1)
    reviewed: date
    reviewer: str = Field(min_length=1)
    version: int = Field(ge=1)
    body: str

    @field_validator("alerts_stalker", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        # YAML 1.1 reads a bare yes or no as true or false; the page author meant the word.
        return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value

    @property
    def topic(self) -> str:
        """The page's main topic, the first listed: pages are grouped by it."""
        return self.topics[0]


def load_page(path: Path) -> Page:
    """Read and check one page file: front matter schema, id matching the file name, required sections."""
    text = path.read_text(encoding="utf-8")
    front, body, body_line = _split(text, path)
    data, tree = read_yaml(path, front, first_line=2)
    if not isinstance(data, dict):
        raise InputError(
            "the front matter between the '---' lines must be a set of 'field: value' lines.", path, 2
        )
    page = validate(Page, {**data, "body": body.strip("\n") + "\n"}, path, tree, first_line=2)
    if page.id != path.stem:
        raise InputError(f"the page id '{page.id}' must match the file name '{path.stem}'.", path, 2)
    _check_sections(body, path, body_line)
    return page


def _split(text: str, path: Path) -> tuple[str, str, int]:
    """Front matter, body, and the file line where the body starts."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        raise InputError("a page must start with a '---' line, then its front matter.", path, 1)
    try:
        end = next(number for number, line in enumerate(lines[1:], start=1) if line.strip() == FENCE)
    except StopIteration:
        raise InputError("the front matter has no closing '---' line.", path, 1) from None
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1 :]), end + 2


def headings(body: str) -> list[tuple[int, str]]:
    """(0-based line, heading) for each Markdown heading outside fenced code blocks."""
    found, fenced = [], False
    for number, line in enumerate(body.splitlines()):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            found.append((number, line.strip()))
    return found


def _check_sections(body: str, path: Path, body_line: int) -> None:
    found = headings(body)
    titles = [title for _, title in found]
    for section in REQUIRED_SECTIONS:
        if section not in titles:
            raise InputError(f"the page needs a section headed '{section}'.", path)
    if titles[0] != IN_SHORT:
        raise InputError(f"the first section must be '{IN_SHORT}'.", path, body_line + found[0][0])


@cache
def load_pages(folder: Path = PAGES_DIR) -> tuple[Page, ...]:
    """Every page in `folder`, checked, in file-name order. Cached: the pages ship with the program."""
    pages = tuple(load_page(path) for path in sorted(folder.glob("*.md")))
    return pages


def find_page(page_id: str) -> Page | None:
    return next((page for page in load_pages() if page.id == page_id), None)
