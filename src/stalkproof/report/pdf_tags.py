"""The tag tree (PDF structure tree) of a PDF laid out in parts, taken out of each part and joined.

WeasyPrint tags each part it lays out. pypdf can join the parts' pages but not their structure trees, and
cloning a tree through pypdf means parsing and rebuilding some 11,000 objects per 1,000 events in the one
process that joins, which would cost the 10,000-event pack about ten seconds. So the tree is taken out in
the worker instead, while WeasyPrint still holds it as Python objects: each object of the tree is written
out as PDF bytes with its references to other objects marked (`\\0N\\0`), and the part's PDF is written
without it. Joining is then linear: the marked numbers are swapped for the joined file's numbers, the
tree objects are written as they are, and the parts' top elements go under one Document element.

WeasyPrint adds the whole tree (parent tree, root, Document element, then the elements) after every other
object of the part, so the tree is the tail of the part's object list; `take_tags` checks that.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)

_REFERENCE = re.compile(rb"^(\d+) 0 R$")
_MARKED = re.compile(rb"\x00(\d+)\x00")


@dataclass(frozen=True)
class PartTags:
    """One part's tag tree, by the part's own object numbers. `objects[i]` is object `first + i`;
    `parent_tree` holds (key, value) pairs; `annotations` maps a StructParent key to its annotation."""

    first: int
    objects: tuple[bytes, ...]
    pages: tuple[int, ...]
    document: int
    kids: tuple[int, ...]
    parent_tree: tuple[tuple[int, bytes], ...]
    annotations: tuple[tuple[int, int], ...]


class RawObject(PdfObject):
    """An object already written as PDF bytes: pypdf writes it as it is and never looks inside."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def write_to_stream(self, stream: Any, encryption_key: object = None) -> None:
        stream.write(self.data)


def tagging_finisher(part: int, found: list[PartTags]) -> Callable[[Any, Any], None]:
    """A WeasyPrint `finisher` that takes the tag tree out of the part before it is written and appends
    it to `found`. Table header IDs get the part's number, so that they stay unique once joined."""

    def finish(_document: Any, pdf: Any) -> None:
        found.append(take_tags(pdf, f"p{part}-"))

    return finish


def take_tags(pdf: Any, prefix: str) -> PartTags:
    """Take the tag tree out of a pydyf PDF (WeasyPrint's, before it is written)."""
    objects = pdf.objects
    root = objects[_number(pdf.catalog["StructTreeRoot"])]
    parent_tree = objects[_number(root["ParentTree"])]
    document = objects[_number(root["K"][0])]
    first = parent_tree.number
    if min(root.number, document.number) < first:
        raise RuntimeError("WeasyPrint laid out the tag tree in an unexpected order")
    # pydyf numbers an object by its place in the list.
    annotations = tuple(
        (int(item["StructParent"]), number)
        for number, item in enumerate(objects[:first])
        if isinstance(item, dict) and "StructParent" in item
    )
    nums = parent_tree["Nums"]
    pairs = tuple((int(nums[at]), _marked(nums[at + 1])) for at in range(0, len(nums), 2))
    kids = tuple(_number(kid) for kid in document["K"])
    # The part's own root, parent tree and Document element are replaced by the joined file's.
    replaced = {root.number, parent_tree.number, document.number}
    written = tuple(
        b"null" if item.number in replaced else _written(item, prefix) for item in objects[first:]
    )
    del objects[first:]
    for key in ("StructTreeRoot", "MarkInfo"):
        pdf.catalog.pop(key, None)
    pages = tuple(_number(reference) for reference in pdf.page_references)
    return PartTags(first, written, pages, document.number, kids, pairs, annotations)


def _number(reference: bytes) -> int:
    found = _REFERENCE.match(reference)
    if found is None:
        raise RuntimeError(f"expected an object reference, found {reference!r}")
    return int(found.group(1))


def _written(item: Any, prefix: str) -> bytes:
    if isinstance(item, dict):
        _prefix_ids(item, prefix)
    data: bytes = _mark(item).data
    return data


def _prefix_ids(element: dict[str, Any], prefix: str) -> None:
    """Table headers are named "<object number>-<row>-<column>": unique in a part, not across parts."""
    if "ID" in element:
        element["ID"] = type(element["ID"])(prefix + element["ID"].string)
    attributes = element.get("A")
    if isinstance(attributes, dict) and "Headers" in attributes:
        attributes["Headers"][:] = [type(name)(prefix + name.string) for name in attributes["Headers"]]


def _mark(value: Any) -> Any:
    """`value` with every reference turned into a marker, changed in place (the part is discarded)."""
    if isinstance(value, bytes):
        found = _REFERENCE.match(value)
        return b"\x00%d\x00" % int(found.group(1)) if found else value
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = _mark(item)
    elif isinstance(value, list):
        value[:] = [_mark(item) for item in value]
    return value


def _marked(value: Any) -> bytes:
    marked = _mark(value)
    data: bytes = marked.data if hasattr(marked, "data") else marked
    return data


def join_tags(
    writer: PdfWriter, parts: Sequence[PartTags], starts: Sequence[int], title: str, lang: str
) -> None:
    """Put the parts' tag trees into `writer`, whose pages are the parts' pages in order (part i's pages
    from `starts[i]`), under one Document element; mark the file as tagged."""
    root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    root_reference = writer._add_object(root)
    document_reference = writer._add_object(RawObject(b"null"))
    kids: list[bytes] = []
    nums: list[bytes] = []
    key = 0
    for part, start in zip(parts, starts, strict=True):
        used = _join_part(writer, part, start, key, document_reference.idnum)
        kids.extend(used.kids)
        nums.extend(used.nums)
        key = used.next_key
    parent_tree = writer._add_object(RawObject(b"<</Nums[" + b" ".join(nums) + b"]>>"))
    root.update(
        {
            NameObject("/K"): ArrayObject([document_reference]),
            NameObject("/ParentTree"): parent_tree,
            NameObject("/ParentTreeNextKey"): NumberObject(key),
        }
    )
    document = b"<</Type/StructElem/S/Document/P %d 0 R/K[%s]>>" % (root_reference.idnum, b" ".join(kids))
    writer._objects[document_reference.idnum - 1] = RawObject(document)
    catalog = writer._root_object
    catalog[NameObject("/StructTreeRoot")] = root_reference
    catalog[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})
    catalog[NameObject("/Lang")] = TextStringObject(lang)
    catalog[NameObject("/ViewerPreferences")] = DictionaryObject(
        {NameObject("/DisplayDocTitle"): BooleanObject(True)}
    )
    writer.add_metadata({"/Title": title})


@dataclass(frozen=True)
class _Joined:
    kids: list[bytes]
    nums: list[bytes]
    next_key: int


def _join_part(writer: PdfWriter, part: PartTags, start: int, key: int, document: int) -> _Joined:
    """Write one part's tree objects; give its pages and annotations keys from `key` on."""
    base = len(writer._objects) + 1 - part.first
    pages = writer.pages[start : start + len(part.pages)]
    numbers = {old: _idnum(new.indirect_reference) for old, new in zip(part.pages, pages, strict=True)}
    numbers[part.document] = document
    for number, page in enumerate(pages):
        page[NameObject("/StructParents")] = NumberObject(key + number)
    numbers.update(_annotations(pages, dict(part.annotations), key))
    last = part.first + len(part.objects)

    def swap(found: re.Match[bytes]) -> bytes:
        old = int(found.group(1))
        new = numbers.get(old) or (base + old if part.first <= old < last else None)
        return b"%d 0 R" % new if new else b"null"

    for data in part.objects:
        writer._add_object(RawObject(_MARKED.sub(swap, data)))
    kids = [_MARKED.sub(swap, b"\x00%d\x00" % kid) for kid in part.kids]
    nums = [b"%d %s" % (key + old_key, _MARKED.sub(swap, value)) for old_key, value in part.parent_tree]
    return _Joined(kids, nums, key + max((old_key for old_key, _ in part.parent_tree), default=-1) + 1)


def _idnum(reference: IndirectObject | None) -> int:
    if reference is None:
        raise RuntimeError("a joined page is not an indirect object")
    return reference.idnum


def _annotations(pages: Iterable[Any], by_key: dict[int, int], key: int) -> dict[int, int]:
    """The joined file's numbers of the part's tagged annotations (found by their StructParent key,
    which pypdf copies), renumbered from `key`."""
    numbers = {}
    for page in pages:
        for reference in page.get("/Annots", ()):
            annotation = reference.get_object()
            old_key = annotation.get("/StructParent")
            if old_key is None or int(old_key) not in by_key or not isinstance(reference, IndirectObject):
                continue
            numbers[by_key[int(old_key)]] = reference.idnum
            annotation[NameObject("/StructParent")] = NumberObject(key + int(old_key))
    return numbers
