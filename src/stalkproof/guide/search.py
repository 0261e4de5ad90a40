"""Searching the knowledge base: every word asked for must appear; pages that match in their title or topics
rank above pages that only mention the words in passing."""

from __future__ import annotations

import re
from collections.abc import Iterable

from stalkproof.errors import InputError
from stalkproof.guide.pages import Page, load_pages

# A match in the title says more about a page than one in its body: these weights rank by that.
WEIGHTS = {"title": 8, "topics": 6, "summary": 3, "body": 1}
BODY_HITS_COUNTED = 5  # past a few mentions, a long page is not more relevant than a short one
SNIPPET_WIDTH = 70
MARKUP = re.compile(r"^\s*[-+*]\s+|^\s*\d+\.\s+|[*_`#>\[\]]+|\(https?://[^)]*\)", re.MULTILINE)


def search(words: str, pages: Iterable[Page] | None = None) -> list[tuple[Page, str]]:
    """Pages containing every word of `words` (case-insensitive), best first, each with a short snippet."""
    terms = words.lower().split()
    if not terms:
        raise InputError("Give a word to search for, for example: stalkproof guide --search tracker.")
    scored = []
    for page in load_pages() if pages is None else pages:
        score = _score(page, terms)
        if score:
            scored.append((score, page))
    scored.sort(key=lambda item: (-item[0], item[1].title))
    return [(page, snippet(page, terms[0])) for _, page in scored]


def _score(page: Page, terms: list[str]) -> int:
    fields = {
        "title": page.title.lower(),
        "topics": " ".join(page.topics).lower(),
        "summary": page.summary.lower(),
        "body": page.body.lower(),
    }
    total = 0
    for term in terms:
        hits = {name: min(text.count(term), BODY_HITS_COUNTED) for name, text in fields.items()}
        if not any(hits.values()):
            return 0  # every word must appear somewhere
        total += sum(WEIGHTS[name] * count for name, count in hits.items())
    return total


def snippet(page: Page, term: str) -> str:
    """The words around the first mention in the body (else the summary), without Markdown marks."""
    for text in (plain(page.body), page.summary):
        at = text.lower().find(term)
        if at >= 0:
            start = _word_start(text, max(0, at - SNIPPET_WIDTH // 2))
            end = min(len(text), at + len(term) + SNIPPET_WIDTH)
            end = text.rfind(" ", at + len(term), end) if end < len(text) else end
            return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
    return page.summary


def _word_start(text: str, at: int) -> int:
    """`at`, moved forward to the start of a word so a snippet does not begin mid-word."""
    if at == 0 or text[at - 1] == " ":
        return at
    space = text.find(" ", at)
    return space + 1 if space >= 0 else at


def plain(markdown: str) -> str:
    """Markdown as one line of plain text, for snippets."""
    return " ".join(MARKUP.sub("", markdown).split())
