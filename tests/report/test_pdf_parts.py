"""The PDF laid out in parts: joined in order, every page marked with the reference and "page X of Y"."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pypdf import PdfReader

from stalkproof.report.pdf_parts import css_string, join_with_marks, render_parts

TRICKY_REFERENCE = 'SP/2026 "Elm Road" \\ 7'


def part(words: str, wide: bool = False) -> str:
    section = ' class="chronology"' if wide else ""
    return f"<html><body><section{section}><p>{words}</p></section></body></html>"


def test_parts_are_joined_in_order_with_marks_on_every_page(tmp_path: Path) -> None:
    htmls = [part("front matter here"), part("first slice", wide=True), part("back matter here")]
    target = tmp_path / "joined.pdf"
    pages = join_with_marks(render_parts(htmls), TRICKY_REFERENCE, target)
    text = subprocess.run(["pdftotext", str(target), "-"], check=True, capture_output=True, text=True).stdout
    texts = text.split("\f")[:-1]
    assert pages == len(texts) == 3
    for number, (page, words) in enumerate(
        zip(texts, ("front", "first slice", "back"), strict=True), start=1
    ):
        assert words in page
        assert f"Case reference: {TRICKY_REFERENCE}" in page and f"page {number} of 3" in page
    sizes = [(float(page.mediabox.width), float(page.mediabox.height)) for page in PdfReader(target).pages]
    assert sizes[1][0] > sizes[1][1] and sizes[0][0] < sizes[0][1]  # the chronology stays landscape


def test_a_reference_cannot_break_out_of_its_css_string() -> None:
    assert css_string('a"b\\c\nd') == '"a\\22 b\\5c c\\a d"'
