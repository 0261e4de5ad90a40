"""A readable plain-text copy of an HTML email, for search and for reading in a terminal.

The HTML itself stays the evidence text; this copy is only a convenience beside it. Links keep their
address in brackets after the words, because in a harassing or phishing email where a link really goes
matters more than what it says.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "footer"),
        *("form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre"),
        *("section", "table", "tr", "ul"),
    }
)
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")
_AROUND_NEWLINES = re.compile(r" *\n *")
_BLANK_RUNS = re.compile(r"\n{3,}")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.hidden = 0
        self.preformatted = 0
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.pieces.append("\n")
        if tag == "pre":
            self.preformatted += 1
        elif tag == "a":
            self.links.append(values.get("href"))
        elif tag == "img" and values.get("alt"):
            self.pieces.append(f"[image: {values['alt']}]")
        elif tag in ("td", "th"):
            self.pieces.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.pieces.append("\n")
        if tag == "pre":
            self.preformatted = max(0, self.preformatted - 1)
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href and href.startswith(("http:", "https:", "mailto:")) and href not in self._recent():
                self.pieces.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        self.pieces.append(data if self.preformatted else _SPACES.sub(" ", data))

    def _recent(self) -> str:
        return self.pieces[-1] if self.pieces else ""


def html_to_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    text = "".join(collector.pieces)
    text = _AROUND_NEWLINES.sub("\n", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()
