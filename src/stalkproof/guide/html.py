"""A guide page's Markdown as HTML for the web app. Raw HTML in the Markdown is shown as text, never passed
through; links that are not web or mail addresses stay plain text; images are not loaded. So even a page
edited by mistake cannot run anything in the browser or make it fetch from another host."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

SAFE_SCHEMES = ("https://", "http://", "mailto:", "#", "/")


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.validateLink = _safe_link  # type: ignore[method-assign]
    # An image would be fetched from another host as the page opens, and the app makes no such request:
    # its description is shown instead.
    parser.add_render_rule("image", _image_as_text)
    return parser


def _image_as_text(
    _renderer: RendererHTML, tokens: Sequence[Token], idx: int, _options: OptionsDict, _env: EnvType
) -> str:
    return escapeHtml(tokens[idx].content)


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(SAFE_SCHEMES)


def body_html(markdown: str) -> str:
    """The page body as HTML. Its headings start at h2: the page title is the h1."""
    html: str = _parser().render(markdown)
    return html
