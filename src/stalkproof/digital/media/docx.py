"""Identity in Office documents (DOCX, XLSX, PPTX): who wrote, edited and commented on them.

An Office Open XML document is a zip of XML parts. Names live in `docProps/core.xml` (creator, last
modified by), `docProps/app.xml` (company, manager), `docProps/custom.xml` (custom properties, where
sensitivity labels also put e-mail addresses), and in the author attributes of comments, tracked changes
and the reviewer lists (`word/people.xml`, `xl/persons/`, `ppt/commentAuthors.xml`, `ppt/authors.xml`).

Stripping writes a new zip with the same members in the same order: the three property parts become empty
but valid, every author becomes "Author" (initials "A"), and every other member is copied unchanged. A zip
is checked before anything is read from it: names that climb out of a folder (`../`, absolute paths),
encrypted members, and sizes that only a zip bomb has are refused.
"""

from __future__ import annotations

import html
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath
from xml.etree import ElementTree

from stalkproof.digital.media.model import Item, ItemKind, MediaFormatError, Metadata

name = "office"

MAX_TOTAL_SIZE = 1024**3
MAX_EXPANSION = 200
MAX_MEMBERS = 20_000
NEUTRAL_NAME = "Author"
NEUTRAL_INITIALS = "A"

CONTENT_TYPES = "[Content_Types].xml"
CORE = "docProps/core.xml"
APP = "docProps/app.xml"
CUSTOM = "docProps/custom.xml"
_OFFICE_FIRST_MEMBERS = (CONTENT_TYPES, "_rels/", "docProps/", "word/", "xl/", "ppt/")
_AUTHOR_FOLDERS = ("word/", "xl/", "ppt/")
_PICTURE_FOLDERS = ("word/media/", "xl/media/", "ppt/media/")

EMPTY_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    b' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    b' xmlns:dcmitype="http://purl.org/dc/dcmitype/"'
    b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)
EMPTY_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    b' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'
)
EMPTY_CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
    b' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'
)
_EMPTY_PARTS = {CORE: EMPTY_CORE, APP: EMPTY_APP, CUSTOM: EMPTY_CUSTOM}

_CORE_FIELDS: dict[str, tuple[ItemKind, str]] = {
    "creator": ("identity", "author"),
    "lastModifiedBy": ("identity", "last modified by"),
    "created": ("time", "created"),
    "modified": ("time", "modified"),
    "lastPrinted": ("time", "last printed"),
}
_APP_FIELDS: dict[str, tuple[ItemKind, str]] = {
    "Company": ("identity", "company"),
    "Manager": ("identity", "manager"),
    "Application": ("device", "application"),
}
# Attributes naming a person in comments, tracked changes and reviewer lists, with their neutral value.
_PERSON_ATTRIBUTES = {
    "author": NEUTRAL_NAME,
    "initials": NEUTRAL_INITIALS,
    "userId": NEUTRAL_NAME,
    "providerId": "None",
    "displayName": NEUTRAL_NAME,
}
# `name` is a person only in the reviewer lists; elsewhere it names styles, bookmarks and fonts.
_REVIEWER_PARTS = re.compile(r"^(ppt/commentAuthors\.xml|ppt/authors\.xml|xl/persons/[^/]+\.xml)$")
# A start tag, reading quoted values whole (they may hold ">"), then the attributes inside one tag.
_TAG = re.compile(r"""<[A-Za-z_][^<>"']*(?:(?:"[^"]*"|'[^']*')[^<>"']*)*>""")
_ATTRIBUTE = re.compile(r"""(\s(?:[\w.-]+:)?)([A-Za-z]+)(\s*=\s*)(["'])(.*?)\4""", re.DOTALL)
_AUTHOR_ELEMENT = re.compile(r"(<(?:[\w.-]+:)?author>)(.*?)(</(?:[\w.-]+:)?author>)", re.DOTALL)
_NEUTRAL_VALUES = frozenset({NEUTRAL_NAME, NEUTRAL_INITIALS, "None", ""})
_STRIPPED_KINDS: frozenset[ItemKind] = frozenset({"location", "place", "identity", "device"})


def matches(head: bytes) -> bool:
    if len(head) < 30 or not head.startswith(b"PK\x03\x04"):
        return False
    name_length = int.from_bytes(head[26:28], "little")
    first = head[30 : 30 + name_length].decode("latin-1")
    return first.startswith(_OFFICE_FIRST_MEMBERS)


def scan(path: Path) -> Metadata:
    with open_office_zip(path) as archive:
        found = Metadata(_format_of(archive))
        names = archive.namelist()
        for member in names:
            _scan_member(archive, member, path, found)
        pictures = sum(1 for member in names if member.startswith(_PICTURE_FOLDERS))
    if pictures:
        found.notes.append(
            f"This document contains {pictures} picture(s). Their own details (for example a photo's GPS "
            "position) are not checked or removed here; save them separately and check them if that matters."
        )
    return found


def strip(source: Path, target: Path) -> list[str]:
    before = scan(source)
    with open_office_zip(source) as archive, zipfile.ZipFile(target, "w") as out:
        for info in archive.infolist():
            data = _clean_member(info.filename, _read(archive, info.filename, source))
            copy = zipfile.ZipInfo(info.filename, info.date_time)
            copy.compress_type = info.compress_type
            copy.external_attr = info.external_attr
            copy.create_system = info.create_system
            out.writestr(copy, data)
        had_comment = bool(archive.comment)
    try:
        after = scan(target)
    except MediaFormatError as error:
        raise MediaFormatError("the cleaned copy could not be read back.", source) from error
    left = [f"{item.field} ({item.source})" for item in after.items if item.kind in _STRIPPED_KINDS]
    if left:
        raise MediaFormatError(f"some names could not be removed ({', '.join(left)}).", source)
    removed = _removed_words(before)
    return [*removed, "zip comment"] if had_comment else removed


@contextmanager
def open_office_zip(path: Path) -> Iterator[zipfile.ZipFile]:
    """The zip, after checking it is an Office document that is safe to read."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as error:
        raise MediaFormatError(
            "this document's zip structure is damaged, so it could not be read.", path
        ) from error
    with archive:
        check_zip_safety(archive, path)
        if CONTENT_TYPES not in archive.namelist():
            raise MediaFormatError(
                "this zip has no [Content_Types].xml, so it is not an Office document.", path
            )
        yield archive


def check_zip_safety(archive: zipfile.ZipFile, path: Path) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise MediaFormatError(
            f"this zip has more than {MAX_MEMBERS} members, which no document needs.", path
        )
    seen: set[str] = set()
    for info in infos:
        if _escapes_folder(info.filename):
            raise MediaFormatError(
                f"this zip holds a file named {info.filename!r}, which points outside it.", path
            )
        if info.filename in seen:
            raise MediaFormatError(f"this zip holds two files named {info.filename!r}.", path)
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise MediaFormatError("this zip is encrypted, so it could not be read.", path)
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    if total > MAX_TOTAL_SIZE or total > MAX_EXPANSION * max(packed, 1):
        raise MediaFormatError(
            f"this zip would unpack to {total} bytes from {packed}, which looks like a zip bomb, so it was "
            "not opened.",
            path,
        )


def _escapes_folder(member: str) -> bool:
    if "\0" in member or member.startswith(("/", "\\")) or PureWindowsPath(member).drive:
        return True
    parts = PurePosixPath(member.replace("\\", "/")).parts
    return ".." in parts


def _read(archive: zipfile.ZipFile, member: str, path: Path) -> bytes:
    try:
        return archive.read(member)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as error:
        raise MediaFormatError(f"the member {member!r} of this document could not be read.", path) from error


def _format_of(archive: zipfile.ZipFile) -> str:
    names = archive.namelist()
    for prefix, format_name in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
        if any(member.startswith(prefix) for member in names):
            return format_name
    return "ooxml"


def _scan_member(archive: zipfile.ZipFile, member: str, path: Path, found: Metadata) -> None:
    if member == CORE:
        found.items.extend(_property_items(_read(archive, member, path), _CORE_FIELDS, member, path))
    elif member == APP:
        found.items.extend(_property_items(_read(archive, member, path), _APP_FIELDS, member, path))
    elif member == CUSTOM:
        found.items.extend(_custom_items(_read(archive, member, path), member, path))
    elif _may_name_people(member):
        for field_name, value in _people_in(member, _decode(_read(archive, member, path))[0]):
            item = Item("identity", field_name, value, member)
            if item not in found.items:
                found.items.append(item)


def _may_name_people(member: str) -> bool:
    return member.startswith(_AUTHOR_FOLDERS) and member.endswith(".xml")


def _parse(data: bytes, member: str, path: Path) -> ElementTree.Element:
    # Office parts never carry a DTD; refusing one rules out entity-expansion tricks.
    if b"<!DOCTYPE" in data.upper():
        raise MediaFormatError(f"the part {member} holds a DTD, which Office documents never use.", path)
    try:
        return ElementTree.fromstring(data)  # noqa: S314 - no DTD (checked above), so no entities to expand
    except ElementTree.ParseError as error:
        raise MediaFormatError(f"the part {member} is not well-formed XML.", path) from error


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _property_items(
    data: bytes, fields: dict[str, tuple[ItemKind, str]], member: str, path: Path
) -> list[Item]:
    items = []
    for element in _parse(data, member, path):
        known = fields.get(_local(element.tag))
        text = (element.text or "").strip()
        if known is not None and text:
            items.append(Item(known[0], known[1], text, member))
    return items


def _custom_items(data: bytes, member: str, path: Path) -> list[Item]:
    items = []
    for element in _parse(data, member, path):
        value = "".join(element.itertext()).strip()
        if value:
            items.append(Item("identity", f"custom property {element.get('name', '?')}", value, member))
    return items


def _decode(data: bytes) -> tuple[str, str]:
    """The text of an XML part and the codec that gives back its exact bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    return data.decode("utf-8", errors="surrogateescape"), "utf-8"


def _people_in(member: str, text: str) -> Iterator[tuple[str, str]]:
    field_name = _person_field(member)
    for tag in _TAG.finditer(text):
        for match in _ATTRIBUTE.finditer(tag.group(0)):
            attribute, value = match.group(2), match.group(5)
            # providerId names a sign-in service ("AD"), not a person; strip still neutralises it.
            if (
                attribute != "providerId"
                and _is_person_attribute(member, attribute)
                and value not in _NEUTRAL_VALUES
            ):
                yield field_name, html.unescape(value)
    if member.startswith("xl/comments"):
        for match in _AUTHOR_ELEMENT.finditer(text):
            if match.group(2) not in _NEUTRAL_VALUES:
                yield field_name, html.unescape(match.group(2))


def _person_field(member: str) -> str:
    lowered = member.lower()
    if _REVIEWER_PARTS.match(member) or lowered.endswith("people.xml"):
        return "reviewer"
    return "comment author" if "comment" in lowered else "revision author"


def _is_person_attribute(member: str, attribute: str) -> bool:
    if attribute in _PERSON_ATTRIBUTES:
        return True
    return attribute == "name" and _REVIEWER_PARTS.match(member) is not None


def _clean_member(member: str, data: bytes) -> bytes:
    if member in _EMPTY_PARTS:
        return _EMPTY_PARTS[member]
    if not _may_name_people(member):
        return data
    text, codec = _decode(data)
    cleaned = _TAG.sub(
        lambda tag: _ATTRIBUTE.sub(lambda m: _neutral_attribute(member, m), tag.group(0)), text
    )
    if member.startswith("xl/comments"):
        cleaned = _AUTHOR_ELEMENT.sub(lambda m: m.group(1) + NEUTRAL_NAME + m.group(3), cleaned)
    if cleaned == text:
        return data
    return cleaned.encode(codec, errors="surrogateescape" if codec == "utf-8" else "strict")


def _neutral_attribute(member: str, match: re.Match[str]) -> str:
    attribute = match.group(2)
    if not _is_person_attribute(member, attribute):
        return match.group(0)
    neutral = _PERSON_ATTRIBUTES.get(attribute, NEUTRAL_NAME)
    return f"{match.group(1)}{attribute}{match.group(3)}{match.group(4)}{neutral}{match.group(4)}"


def _removed_words(before: Metadata) -> list[str]:
    removed: list[str] = []
    for item in before.items:
        label = f"{item.field} ({item.source})"
        if label not in removed:
            removed.append(label)
    return removed
