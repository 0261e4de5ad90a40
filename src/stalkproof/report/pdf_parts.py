"""Laying a long PDF out in parts, on both cores, and joining them with page marks added last.

WeasyPrint's layout grows in time and memory with the document (a 10,000-event chronology took minutes and
gigabytes as one document). Each part is an HTML document of its own, laid out to PDF bytes in a worker
process; the parts are joined in order with pypdf. Page numbers need the total, known only after joining,
so the running header and "page X of Y" footer are laid out afterwards as a document of empty pages that
has nothing but those marks, and each of its pages is drawn over the matching joined page.

Each part is laid out tagged (a structure tree of headings, paragraphs, lists and tables for screen
readers); the trees are taken out in the worker and joined under one Document element (see pdf_tags.py).
The page marks are drawn as artifacts, outside the tree, as running headers should be.
"""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jinja2
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    PdfObject,
)

from stalkproof.report.pdf_tags import PartTags, join_tags, tagging_finisher
from stalkproof.report.weasy import weasyprint

TEMPLATES = Path(__file__).with_name("templates")
LOCAL_SCHEMES = frozenset({"file", "data"})
WORKERS = 2
MARK = NameObject("/StalkproofPageMarks")
# Tagged as PDF 1.7: WeasyPrint would add a PDF 2.0 namespace to the tree when no version is given.
PDF_VERSION = "1.7"


@dataclass(frozen=True)
class Part:
    """A part laid out: its PDF without its tag tree, and the tag tree on its own."""

    pdf: bytes
    tags: PartTags


class LocalOnlyFetcher(weasyprint.URLFetcher):  # type: ignore[misc]
    """Fetches files and embedded data only: a stray web address in a template or a chart is refused."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=LOCAL_SCHEMES, allow_redirects=False)


def part_pdf(html: str, index: int = 0, stylesheet: str = "pack.css") -> Part:
    """Part number `index` laid out and written as PDF bytes, tagged (a worker's job: WeasyPrint documents
    do not pickle)."""
    document = weasyprint.HTML(string=html, base_url=str(TEMPLATES), url_fetcher=LocalOnlyFetcher())
    css = weasyprint.CSS(filename=str(TEMPLATES / stylesheet), url_fetcher=LocalOnlyFetcher())
    found: list[PartTags] = []
    data: bytes = document.render(stylesheets=[css]).write_pdf(
        pdf_tags=True, pdf_version=PDF_VERSION, finisher=tagging_finisher(index, found)
    )
    return Part(data, found[0])


def render_parts(htmls: Sequence[str], workers: int = WORKERS) -> list[Part]:
    """Each part's PDF, in the order given. Parts go to worker processes only when there are several:
    starting a worker costs about a second, more than a short pack takes to lay out."""
    if len(htmls) <= 1 or workers <= 1:
        return [part_pdf(html, index) for index, html in enumerate(htmls)]
    # Started fresh ("spawn"): a forked copy of a process holding an open vault would share its state.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        # The biggest parts go first so that neither core is left with a long one at the end.
        order = sorted(range(len(htmls)), key=lambda index: -len(htmls[index]))
        futures = {index: pool.submit(part_pdf, htmls[index], index) for index in order}
        return [futures[index].result() for index in range(len(htmls))]


def join_with_marks(
    parts: Sequence[Part], reference: str, target: Path, title: str | None = None, lang: str = "en"
) -> int:
    """Join the parts into `target`, tagged, with the case reference and "page X of Y" on every page; the
    page count is returned. `title` is the document title a reader's window shows (else the reference)."""
    writer = PdfWriter()
    starts = []
    for part in parts:
        starts.append(len(writer.pages))
        writer.append(PdfReader(io.BytesIO(part.pdf)))
    join_tags(writer, [part.tags for part in parts], starts, title or reference, lang)
    wide = [float(page.mediabox.width) > float(page.mediabox.height) for page in writer.pages]
    marks = PdfReader(io.BytesIO(_marks_pdf(reference, wide)))
    if len(marks.pages) != len(writer.pages):
        raise RuntimeError(f"page marks for {len(marks.pages)} pages, but the pack has {len(writer.pages)}")
    for page, mark in zip(writer.pages, marks.pages, strict=True):
        _draw_over(writer, page, mark)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as file:
        writer.write(file)
    return len(writer.pages)


def _marks_pdf(reference: str, wide: Sequence[bool]) -> bytes:
    """Empty pages, portrait or landscape like the pack's, carrying only the running header and footer."""
    # CSS, not HTML: HTML escaping would corrupt it. The one value put in is escaped by css_string.
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False)  # noqa: S701
    css = environment.get_template("page_marks.css.j2").render(reference=css_string(reference))
    pages = "".join(f'<div class="page{" wide" if is_wide else ""}"></div>' for is_wide in wide)
    html = weasyprint.HTML(string=f"<html><body>{pages}</body></html>", url_fetcher=LocalOnlyFetcher())
    data: bytes = html.write_pdf(stylesheets=[weasyprint.CSS(string=css, url_fetcher=LocalOnlyFetcher())])
    return data


def css_string(text: str) -> str:
    """`text` as a quoted CSS string, so a case reference can never end the rule it is put in."""
    escaped = "".join(f"\\{ord(char):x} " if char in '"\\' or ord(char) < 0x20 else char for char in text)
    return f'"{escaped}"'


def _draw_over(writer: PdfWriter, page: PageObject, mark: PageObject) -> None:
    """Draw `mark` over `page` as a form XObject. Unlike pypdf's merge_page this never parses the page's
    own content (long on a chronology page): the old content is wrapped in q/Q and one line appended. The
    marks are tagged as an artifact, as a running header is."""
    form = DecodedStreamObject()
    drawing = mark.get_contents()  # a stream with no keys is falsy: test for None
    form.set_data(drawing.get_data() if drawing is not None else b"")
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): mark.mediabox,
            NameObject("/Resources"): _dictionary(mark["/Resources"]).clone(writer),
        }
    )
    # Copies, so that resources the parts share between pages are not changed for every page.
    own = DictionaryObject(_dictionary(page["/Resources"]))
    xobjects = DictionaryObject(_dictionary(own["/XObject"])) if "/XObject" in own else DictionaryObject()
    xobjects[MARK] = writer._add_object(form)
    own[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = own
    contents = page["/Contents"].get_object()
    streams = list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
    draw = b"\nQ\n/Artifact BMC q " + MARK.encode() + b" Do Q EMC\n"
    before, after = _stream(writer, b"q\n"), _stream(writer, draw)
    page[NameObject("/Contents")] = ArrayObject([before, *streams, after])


def _dictionary(value: object) -> DictionaryObject:
    found = value.get_object() if isinstance(value, PdfObject) else value
    if not isinstance(found, DictionaryObject):
        raise ValueError(f"expected a PDF dictionary, found {type(found).__name__}")
    return found


def _stream(writer: PdfWriter, data: bytes) -> object:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)
