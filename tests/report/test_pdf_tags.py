"""The joined PDF is tagged: one structure tree over every part, a parent tree that maps each page's marked
content and each tagged annotation back to its element exactly once, headings in reading order, and the
page marks kept out of the tree as artifacts. veraPDF is not available here, so the checks are written out.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
)

from stalkproof.report.pdf_parts import join_with_marks, render_parts

MCID = re.compile(rb"/MCID\s+(\d+)")
HEADINGS = ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6")


def structure_problems(pdf: Path) -> tuple[list[str], list[str]]:
    """What is wrong with the tag tree of `pdf` (empty when nothing is), and its headings in reading
    order (e.g. ["/H1", "/H2"])."""
    reader = PdfReader(pdf)
    catalog: Any = reader.trailer["/Root"]
    problems = _catalog_problems(reader, catalog)
    root: Any = catalog["/StructTreeRoot"]
    document = root["/K"][0].get_object()
    if len(root["/K"]) != 1 or document["/S"] != "/Document":
        problems.append("the tree does not have exactly one Document element")
    holders, headings, ids = _walk(document, root["/K"][0], problems)
    problems += [
        f"structure ID {name} used {count} times" for name, count in Counter(ids).items() if count > 1
    ]
    problems += _parent_tree_problems(reader, root, holders)
    return problems, headings


def _catalog_problems(reader: PdfReader, catalog: Any) -> list[str]:
    problems = []
    if not _is_true(catalog.get("/MarkInfo", {}).get("/Marked")):
        problems.append("MarkInfo /Marked is not true")
    if not str(catalog.get("/Lang", "")):
        problems.append("no /Lang")
    if not _is_true(catalog.get("/ViewerPreferences", {}).get("/DisplayDocTitle")):
        problems.append("DisplayDocTitle is not set")
    if not (reader.metadata and reader.metadata.title):
        problems.append("no document title")
    return problems


def _is_true(value: object) -> bool:
    return isinstance(value, BooleanObject) and value.value is True


def _walk(
    document: DictionaryObject, reference: IndirectObject, problems: list[str]
) -> tuple[dict[tuple[int, int], int], list[str], list[str]]:
    """Every element in reading order: which element holds each (page, MCID), the headings, the IDs;
    each element's /P must be the element it was reached from."""
    holders: dict[tuple[int, int], int] = {}
    headings: list[str] = []
    ids: list[str] = []
    stack: list[tuple[Any, int | None, int | None]] = [(reference, None, None)]
    while stack:
        node, parent, page = stack.pop()
        element = node.get_object()
        number = node.idnum
        if parent is not None and element.raw_get("/P").idnum != parent:
            problems.append(f"element {number} does not name its parent {parent}")
        page = element.raw_get("/Pg").idnum if "/Pg" in element else page
        if element.get("/S") in HEADINGS:
            headings.append(str(element["/S"]))
        if "/ID" in element:
            ids.append(str(element["/ID"]))
        kids = element.get("/K", ArrayObject())
        kids = kids if isinstance(kids, ArrayObject) else ArrayObject([kids])
        for kid in reversed(kids):
            if isinstance(kid, int):
                if page is None or (page, int(kid)) in holders:
                    problems.append(f"MCID {kid} of element {number} has no page or is held twice")
                else:
                    holders[(page, int(kid))] = number
            elif kid.get_object().get("/Type") == "/OBJR":
                holders[(-kid.get_object().raw_get("/Obj").idnum, -1)] = number
            else:
                stack.append((kid, number, page))
    return holders, headings, ids


def _parent_tree_problems(reader: PdfReader, root: Any, holders: dict[tuple[int, int], int]) -> list[str]:
    problems = []
    nums: Any = root["/ParentTree"]["/Nums"]
    keys = [int(nums[at]) for at in range(0, len(nums), 2)]
    tree = {int(nums[at]): nums[at + 1] for at in range(0, len(nums), 2)}
    if len(set(keys)) != len(keys):
        problems.append("a parent tree key is used twice")
    if int(root["/ParentTreeNextKey"]) <= max(keys, default=-1):
        problems.append("ParentTreeNextKey is not past the last key")
    used = []
    page: Any
    for index, page in enumerate(reader.pages):
        if "/StructParents" not in page:
            problems.append(f"page {index + 1} has no StructParents key")
            continue
        key = int(page["/StructParents"])
        used.append(key)
        number = page.indirect_reference.idnum
        content = page.get_contents().get_data()
        marked = {int(found) for found in MCID.findall(content)}
        mapped = tree.get(key, ArrayObject())
        for mcid in marked:
            held = holders.get((number, mcid))
            if held is None or mcid >= len(mapped) or mapped[mcid].idnum != held:
                problems.append(f"page {index + 1}: MCID {mcid} is not mapped to the element holding it")
        if not content.rstrip().endswith(b"/Artifact BMC q /StalkproofPageMarks Do Q EMC"):
            problems.append(f"page {index + 1}: the page marks are not an artifact")
        for annotation in page.get("/Annots", ()):
            found = annotation.get_object()
            if "/StructParent" in found:
                key = int(found["/StructParent"])
                used.append(key)
                if tree.get(key) is None or tree[key].idnum != holders.get((-annotation.idnum, -1)):
                    problems.append(f"page {index + 1}: an annotation is not mapped to its element")
    if sorted(used) != sorted(keys):
        problems.append("the parent tree keys are not exactly the pages' and annotations' keys")
    return problems


FRONT = """<html lang="en"><body><section><h1>Evidence pack</h1><p>Front words</p>
<table><thead><tr><th>Behaviour</th><th>Events</th></tr></thead><tbody><tr><td>calls</td><td>3</td></tr>
</tbody></table></section><section><h2>Summary</h2><ul><li>one</li><li>two</li></ul>
<p><a href="#later">a link to the end</a></p></section></body></html>"""
SLICE = (
    """<html lang="en"><body><section class="chronology"><h2>Chronology</h2>{rows}</section></body></html>"""
)
BACK = """<html lang="en"><body><section><h2>Exhibit list</h2><table><thead><tr><th>Exhibit</th><th>Size</th>
</tr></thead><tbody><tr><td>EX-001</td><td>10</td></tr></tbody></table></section>
<section id="later"><h2>How to check this pack</h2>
<p>Back words, <a href="https://example.org/x">a web link</a></p></section></body></html>"""


def test_parts_joined_tagged_form_one_valid_tree(tmp_path: Path) -> None:
    rows = "".join(f'<div class="event"><p><strong>EX-{n}</strong> event {n}</p></div>' for n in range(200))
    htmls = [FRONT, SLICE.format(rows=rows), BACK]
    target = tmp_path / "tagged.pdf"
    pages = join_with_marks(render_parts(htmls), "SP/1", target, "Evidence pack: SP/1")
    problems, headings = structure_problems(target)
    assert problems == []
    assert headings == ["/H1", "/H2", "/H2", "/H2", "/H2"]
    reader = PdfReader(target)
    assert len(reader.pages) == pages > 3
    assert reader.metadata is not None and reader.metadata.title == "Evidence pack: SP/1"
    annotated: list[Any] = [page for page in reader.pages if "/Annots" in page]
    assert annotated and all(
        "/StructParent" in item.get_object() for page in annotated for item in page["/Annots"]
    )
    text = subprocess.run(["pdftotext", str(target), "-"], check=True, capture_output=True, text=True).stdout
    assert all(f"event {n}" in text for n in range(200))


def test_the_checker_finds_a_page_left_out_of_the_parent_tree(tmp_path: Path) -> None:
    target = tmp_path / "one.pdf"
    join_with_marks(render_parts([FRONT]), "SP/1", target)
    writer = PdfWriter(clone_from=PdfReader(target))
    writer.pages[0][NameObject("/StructParents")] = NumberObject(99)
    broken = tmp_path / "broken.pdf"
    writer.write(broken)
    assert structure_problems(target)[0] == []
    problems = structure_problems(broken)[0]
    assert "the parent tree keys are not exactly the pages' and annotations' keys" in problems
