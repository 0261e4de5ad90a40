"""Identity in PDF documents: the document information dictionary, the XMP metadata stream, comment
authors, and the older copies of all of these that incremental updates leave behind.

A PDF edited and saved "incrementally" keeps every earlier version of the objects it changed: deleting an
author in a PDF editor often only appends a new, empty author after the old one. Stripping therefore
writes the whole document afresh with pypdf (never incrementally), copying the page tree as it is (content
streams untouched, so text stays selectable) without the `/Info` dictionary and the `/Metadata` streams;
comment authors become "Author". The result is read back to check that nothing, and no older revision, is
left.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from stalkproof.digital.media import bmff
from stalkproof.digital.media.model import Item, ItemKind, MediaFormatError, Metadata

name = "pdf"

NEUTRAL_AUTHOR = "Author"
_INFO_FIELDS: dict[str, tuple[ItemKind, str]] = {
    "/Author": ("identity", "author"),
    "/Creator": ("device", "creator application"),
    "/Producer": ("device", "producer application"),
    "/Company": ("identity", "company"),
    "/Manager": ("identity", "manager"),
    "/CreationDate": ("time", "created"),
    "/ModDate": ("time", "modified"),
}
# Standard entries that describe the content rather than who made it; reported as "other", and removed
# with the rest of /Info.
_CONTENT_FIELDS = frozenset({"/Title", "/Subject", "/Keywords"})
_PRINTING_FIELDS = frozenset({"/Trapped"})  # a prepress flag, not about anyone
# Annotation types that are comments by a person; form fields (/Widget) use /T as the field name.
_MARKUP_SUBTYPES = frozenset(
    {"/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight", "/Underline",
     "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink", "/FileAttachment", "/Sound", "/Redact"}
)  # fmt: skip
_STRIPPED_KINDS: frozenset[ItemKind] = frozenset({"location", "place", "identity", "device"})
_REVISION_MARKER = b"startxref"
_CHUNK = 1024 * 1024


def matches(head: bytes) -> bool:
    return b"%PDF-" in head


def scan(path: Path) -> Metadata:
    with _quiet_pypdf():
        reader = _open(path)
        found = Metadata("pdf")
        try:
            _info_items(reader, found)
            _xmp_items(reader, found)
            _annotation_authors(reader, found)
        except Exception as error:  # pypdf reads objects lazily, so damage can surface only here
            raise MediaFormatError("this PDF is damaged and could not be read.", path) from error
    revisions = count_revisions(path)
    if revisions > 1:
        found.notes.append(
            f"This PDF was saved in {revisions} steps (incremental updates), so earlier versions of its "
            "details, such as an author's name, may still be inside the file. Stripping writes a fresh "
            "copy without them."
        )
    return found


def strip(source: Path, target: Path) -> list[str]:
    with _quiet_pypdf():
        reader = _open(source)
        if reader.is_encrypted:
            raise MediaFormatError(
                "this PDF is protected with a password, so stalkproof cannot clean it.", source
            )
        before = scan(source)
        _write_clean_copy(reader, target, source)
        _check_clean(target, source)
    return _removed_words(before)


def count_revisions(path: Path) -> int:
    """How many times the file was saved: one `startxref` per save (a linearized file has two)."""
    count = 0
    tail = b""
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            window = tail + chunk
            count += window.count(_REVISION_MARKER)
            # Keep less than one marker's length so a marker split across chunks is counted once.
            tail = window[-(len(_REVISION_MARKER) - 1) :]
    return max(count, 1)


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    # pypdf logs every repair it makes on imperfect files; the person reading our output cannot act on them.
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _open(path: Path) -> Any:
    from pypdf import PdfReader

    try:
        reader = PdfReader(path, strict=False)
        encrypted = reader.is_encrypted
    except Exception as error:  # pypdf signals damage with many exception types
        raise MediaFormatError("this PDF is damaged and could not be read.", path) from error
    if encrypted:
        _open_without_password(reader, path)
    try:
        _ = reader.root_object, len(reader.pages)
    except Exception as error:
        raise MediaFormatError("this PDF is damaged and could not be read.", path) from error
    return reader


def _open_without_password(reader: Any, path: Path) -> None:
    """Many PDFs are encrypted only to restrict printing or copying, with an empty password to open."""
    try:
        opened = bool(reader.decrypt(""))
    except Exception:  # an algorithm pypdf cannot handle here
        opened = False
    if not opened:
        raise MediaFormatError("this PDF is protected with a password, so it could not be read.", path)


def _text(value: Any) -> str:
    value = value.get_object() if hasattr(value, "get_object") else value
    return str(value).strip()


def _info_items(reader: Any, found: Metadata) -> None:
    info = reader.trailer.get("/Info")
    if info is None:
        return
    info = info.get_object()
    if not hasattr(info, "items"):
        return
    for key, value in info.items():
        text = _text(value)
        if not text or key in _PRINTING_FIELDS:
            continue
        found.items.append(Item(*_info_field(key), text, "PDF document information"))


def _info_field(key: str) -> tuple[ItemKind, str]:
    if key in _CONTENT_FIELDS:
        return "other", key.lstrip("/").lower()
    return _INFO_FIELDS.get(key, ("identity", f"custom entry {key.lstrip('/')}"))


def _xmp_items(reader: Any, found: Metadata) -> None:
    stream = reader.root_object.get("/Metadata")
    if stream is None:
        return
    source = "PDF XMP metadata"
    try:
        packet = stream.get_object().get_data()
    except Exception:  # a damaged stream is still removed by strip; say it could not be read
        found.notes.append("The PDF's XMP metadata could not be decoded.")
        found.items.append(Item("other", "XMP metadata", "(unreadable)", source))
        return
    result = bmff.read_xmp_lazily(packet, source)
    if result is None:
        found.notes.append("The PDF holds XMP metadata that this copy of stalkproof could not read.")
        found.items.append(Item("other", "XMP metadata", f"{len(packet)} bytes", source))
    else:
        bmff.merge(found, result)
        if not (result.items or result.locations):
            found.items.append(Item("other", "XMP metadata", f"{len(packet)} bytes", source))


def _markup_annotations(pages: Any) -> Iterator[Any]:
    for page in pages:
        annotations = page.get("/Annots")
        if annotations is None:
            continue
        for reference in annotations.get_object():
            annotation = reference.get_object()
            if hasattr(annotation, "get") and annotation.get("/Subtype") in _MARKUP_SUBTYPES:
                yield annotation


def _annotation_authors(reader: Any, found: Metadata) -> None:
    seen: set[str] = set()
    for annotation in _markup_annotations(reader.pages):
        author = _text(annotation.get("/T", ""))
        if author and author != NEUTRAL_AUTHOR and author not in seen:
            seen.add(author)
            found.items.append(Item("identity", "comment author", author, "PDF annotation"))


def _write_clean_copy(reader: Any, target: Path, source: Path) -> None:
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    try:
        writer = PdfWriter(clone_from=reader, keep_initial_header=True)
        writer.metadata = None
        root = writer.root_object
        for key in ("/Metadata", "/PieceInfo"):
            root.pop(key, None)
        for page in writer.pages:
            for key in ("/Metadata", "/PieceInfo"):
                page.pop(key, None)
        for annotation in _markup_annotations(writer.pages):
            if "/T" in annotation:
                annotation[NameObject("/T")] = TextStringObject(NEUTRAL_AUTHOR)
        # Objects cloned before their reference was dropped (the XMP stream) would still be written.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        with target.open("wb") as file:
            writer.write(file)
    except Exception as error:  # pypdf fails on some damaged objects only when copying them
        raise MediaFormatError("this PDF could not be rewritten without its metadata.", source) from error


def _check_clean(target: Path, source: Path) -> None:
    """Fail closed: read the copy back; it must have one revision and nothing that identifies anyone."""
    try:
        after = scan(target)
        reader = _open(target)
    except MediaFormatError as error:
        raise MediaFormatError("the cleaned copy could not be read back.", source) from error
    left = [f"{item.field} ({item.source})" for item in after.items if item.kind in _STRIPPED_KINDS]
    if reader.trailer.get("/Info") is not None or "/Metadata" in reader.root_object:
        left.append("document information")
    left += _leftover_objects(reader)
    if count_revisions(target) > 1:
        left.append("an older revision")
    if left:
        raise MediaFormatError(f"some metadata could not be removed ({', '.join(left)}).", source)


def _leftover_objects(reader: Any) -> list[str]:
    """Metadata in any object of the file's cross-reference table, referenced or not."""
    numbers = {number for table in reader.xref.values() for number in table} | set(reader.xref_objStm)
    left = []
    for number in sorted(numbers):
        try:
            obj = reader.get_object(number)
        except Exception:  # pypdf wrote it, so an unreadable object is a reason to stop
            left.append(f"an unreadable object ({number})")
            continue
        if _is_metadata_object(obj):
            left.append(f"an unused metadata object ({number})")
    return left


def _is_metadata_object(obj: Any) -> bool:
    if not hasattr(obj, "get"):
        return False
    return obj.get("/Type") == "/Metadata" or any(key in obj for key in ("/Author", "/Company", "/Producer"))


def _removed_words(before: Metadata) -> list[str]:
    removed: list[str] = []
    for item in before.items:
        label = f"{item.field} ({item.source})"
        if label not in removed:
            removed.append(label)
    for location in before.locations:
        label = f"location ({location.source})"
        if label not in removed:
            removed.append(label)
    if any("incremental updates" in note for note in before.notes):
        removed.append("older saved versions (incremental updates)")
    return removed
