"""PDF and Office documents: scanning finds who wrote them, stripping removes it (older PDF revisions
included) while the text stays as it was, and unsafe zips are refused."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import json
import random
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import cast

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from digital import bmff_fixtures as fx
from stalkproof.digital.media import docx, pdf
from stalkproof.digital.media.model import MediaFormatError

EXIFTOOL = Path("/usr/bin/exiftool")
HAS_XMP_READER = importlib.util.find_spec("stalkproof.digital.media.xmp") is not None
EDITOR = "Sam Example"
PAGE_TEXT = b"BT /F1 12 Tf 72 720 Td (Notes of the meeting on Tuesday) Tj ET"


def succeeds_or_says_one_sentence(call: Callable[[], object], path: Path) -> None:
    """`call` works, or raises MediaFormatError: one line naming `path`, the file the person chose."""
    try:
        call()
    except MediaFormatError as error:
        assert str(error).startswith(f"{path}: ") and "\n" not in str(error)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def empty_target(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    target.touch()
    return target


# --- PDF -------------------------------------------------------------------------------------------


def _name(value: str) -> NameObject:
    return NameObject(value)


def pdf_with_author(path: Path, *, incremental_update: bool = True) -> Path:
    """A one-page PDF with text, an author, company and creator, XMP with GPS, a comment by a named
    person and a form field; then (optionally) an incremental update that changes the author, leaving the
    first author inside the file."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    font = DictionaryObject(
        {
            _name("/Type"): _name("/Font"),
            _name("/Subtype"): _name("/Type1"),
            _name("/BaseFont"): _name("/Helvetica"),
        }
    )
    page[_name("/Resources")] = DictionaryObject(
        {_name("/Font"): DictionaryObject({_name("/F1"): writer._add_object(font)})}
    )
    content = DecodedStreamObject()
    content.set_data(PAGE_TEXT)
    page[_name("/Contents")] = writer._add_object(content)
    rectangle = ArrayObject([NumberObject(n) for n in (72, 600, 200, 650)])
    comment = DictionaryObject(
        {_name("/Type"): _name("/Annot"), _name("/Subtype"): _name("/Text"), _name("/Rect"): rectangle,
         _name("/T"): TextStringObject(fx.PERSON), _name("/Contents"): TextStringObject("see page 2")}
    )  # fmt: skip
    field = DictionaryObject(
        {_name("/Type"): _name("/Annot"), _name("/Subtype"): _name("/Widget"), _name("/Rect"): rectangle,
         _name("/T"): TextStringObject("reference_number"), _name("/FT"): _name("/Tx")}
    )  # fmt: skip
    page[_name("/Annots")] = ArrayObject([writer._add_object(comment), writer._add_object(field)])
    writer.add_metadata({"/Author": fx.PERSON, "/Creator": "ExampleWriter 3", "/Company": "Example Ltd"})
    writer.xmp_metadata = fx.xmp_packet(51.5074, -0.1278)
    writer.write(path)
    if incremental_update:
        update = PdfWriter(path, incremental=True)
        update.add_metadata({"/Author": EDITOR})
        update.write(path)
    return path


def test_pdf_scan_finds_authors_xmp_and_older_revisions(tmp_path: Path) -> None:
    document = pdf_with_author(tmp_path / "letter.pdf")

    found = pdf.scan(document)

    identities = {item.value for item in found.of_kind("identity")}
    assert {EDITOR, "Example Ltd", fx.PERSON} <= identities  # fx.PERSON: the comment's author
    assert "ExampleWriter 3" in {item.value for item in found.of_kind("device")}
    assert "reference_number" not in identities  # a form field's name is not a person
    assert any("incremental updates" in note for note in found.notes)
    assert pdf.count_revisions(document) == 2
    if HAS_XMP_READER:
        assert found.locations and fx.PLACE in {item.value for item in found.of_kind("place")}


def test_pdf_strip_writes_one_clean_revision_with_the_text_intact(tmp_path: Path) -> None:
    document = pdf_with_author(tmp_path / "letter.pdf")
    before = sha256(document)
    target = empty_target(tmp_path, "clean.pdf")

    removed = pdf.strip(document, target)

    assert sha256(document) == before
    assert "author (PDF document information)" in removed
    assert "older saved versions (incremental updates)" in removed
    cleaned = target.read_bytes()
    for secret in (fx.PERSON.encode(), EDITOR.encode(), b"Example Ltd", b"ExampleWriter", fx.PLACE.encode()):
        assert secret not in cleaned
    assert pdf.count_revisions(target) == 1
    reader = PdfReader(target)
    assert reader.trailer.get("/Info") is None
    assert "/Metadata" not in reader.root_object
    assert "Notes of the meeting on Tuesday" in reader.pages[0].extract_text()
    assert reader.pages[0].get_contents().get_data() == PAGE_TEXT  # type: ignore[union-attr]
    annotations = cast(ArrayObject, reader.pages[0]["/Annots"].get_object())
    titles = {str(annotation.get_object()["/T"]) for annotation in annotations}
    assert titles == {pdf.NEUTRAL_AUTHOR, "reference_number"}
    found = pdf.scan(target)
    assert found.locations == [] and found.items == [] and found.notes == []


@pytest.mark.skipif(not EXIFTOOL.exists(), reason="ExifTool is not installed")
def test_exiftool_finds_no_author_in_the_stripped_pdf(tmp_path: Path) -> None:
    document = pdf_with_author(tmp_path / "letter.pdf")
    target = empty_target(tmp_path, "clean.pdf")
    pdf.strip(document, target)
    for path, expect_some in ((document, True), (target, False)):
        output = subprocess.run(
            [str(EXIFTOOL), "-j", "-G1", "-a", str(path)], capture_output=True, text=True, check=True
        ).stdout
        keys = [k for k in json.loads(output)[0] if any(w in k for w in ("Author", "Creator", "GPS", "City"))]
        assert bool(keys) == expect_some, keys


def test_damaged_pdf_is_refused_with_nothing_written(tmp_path: Path) -> None:
    document = tmp_path / "broken.pdf"
    document.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << >>\n%%EOF")
    target = empty_target(tmp_path, "clean.pdf")
    with pytest.raises(MediaFormatError, match="damaged"):
        pdf.strip(document, target)
    assert target.read_bytes() == b""


def test_password_protected_pdf_is_left_unchanged(tmp_path: Path) -> None:
    document = pdf_with_author(tmp_path / "letter.pdf", incremental_update=False)
    writer = PdfWriter(clone_from=document)
    try:
        writer.encrypt(user_password="", owner_password="owner secret", algorithm="RC4-128")
    except Exception as error:  # pypdf needs an extra package for some algorithms
        pytest.skip(f"pypdf cannot encrypt here: {error}")
    buffer = io.BytesIO()
    writer.write(buffer)
    document.write_bytes(buffer.getvalue())
    target = empty_target(tmp_path, "clean.pdf")
    with pytest.raises(MediaFormatError, match="password"):
        pdf.strip(document, target)


def test_pdf_detection() -> None:
    assert pdf.matches(b"%PDF-1.7\n%\xe2\xe3")
    assert not pdf.matches(b"PK\x03\x04" + bytes(60))


# --- Office documents -------------------------------------------------------------------------------

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)
CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.'
    'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"'
    ' xmlns:dcterms="http://purl.org/dc/terms/"><dc:title>Diary</dc:title>'
    f"<dc:creator>{fx.PERSON}</dc:creator><cp:lastModifiedBy>{EDITOR}</cp:lastModifiedBy>"
    "<dcterms:created>2026-03-01T09:30:00Z</dcterms:created></cp:coreProperties>"
).encode()
APP = (
    b'<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/extended-properties"><Application>ExampleOffice</Application>'
    b"<Company>Example Ltd</Company><Manager>Jo Example</Manager></Properties>"
)
CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
    b'2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Owner">'
    b"<vt:lpwstr>alex@example.com</vt:lpwstr></property></Properties>"
)
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
DOCUMENT = (
    f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body><w:p><w:r><w:t xml:space="preserve">'
    'The author="Pat" line stays as written.</w:t></w:r>'
    f'<w:ins w:id="1" w:author="{EDITOR}" w:date="2026-03-02T10:00:00Z"><w:r><w:t>added</w:t></w:r></w:ins>'
    '<w:bookmarkStart w:id="0" w:name="first"/></w:p></w:body></w:document>'
).encode()
COMMENTS = (
    f'<?xml version="1.0" encoding="UTF-8"?><w:comments {W}><w:comment w:id="0" w:author="{fx.PERSON}"'
    ' w:initials="AE"><w:p><w:r><w:t>check this</w:t></w:r></w:p></w:comment></w:comments>'
).encode()
PEOPLE = (
    '<?xml version="1.0" encoding="UTF-8"?><w15:people xmlns:w15="http://schemas.microsoft.com/office/word/'
    f'2012/wordml"><w15:person w15:author="{fx.PERSON}"><w15:presenceInfo w15:providerId="AD"'
    ' w15:userId="S::alex@example.com::0000"/></w15:person></w15:people>'
).encode()
PNG = bytes.fromhex("89504e470d0a1a0a") + bytes(24)
DOCX_MEMBERS = {
    "[Content_Types].xml": CONTENT_TYPES,
    "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
    "docProps/core.xml": CORE,
    "docProps/app.xml": APP,
    "docProps/custom.xml": CUSTOM,
    "word/document.xml": DOCUMENT,
    "word/comments.xml": COMMENTS,
    "word/people.xml": PEOPLE,
    "word/media/image1.png": PNG,
}
NAMES = (fx.PERSON.encode(), EDITOR.encode(), b"Example Ltd", b"Jo Example", b"alex@example.com", b"AE")


def write_zip(path: Path, members: dict[str, bytes], comment: bytes = b"") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
        archive.comment = comment
    return path


def docx_with_authors(path: Path) -> Path:
    """A small DOCX with authors in its properties, a tracked change, a comment and the reviewer list."""
    return write_zip(path, DOCX_MEMBERS, comment=b"made by Alex Example")


def test_docx_scan_finds_every_name(tmp_path: Path) -> None:
    document = docx_with_authors(tmp_path / "diary.docx")

    found = docx.scan(document)

    assert found.format == "docx"
    by_field = {(item.field, item.value) for item in found.of_kind("identity")}
    assert ("author", fx.PERSON) in by_field
    assert ("last modified by", EDITOR) in by_field
    assert ("company", "Example Ltd") in by_field and ("manager", "Jo Example") in by_field
    assert ("custom property Owner", "alex@example.com") in by_field
    assert ("revision author", EDITOR) in by_field
    assert ("comment author", fx.PERSON) in by_field and ("comment author", "AE") in by_field
    assert ("reviewer", "S::alex@example.com::0000") in by_field
    assert "Pat" not in {value for _field, value in by_field}  # text in the document is not an attribute
    assert any("1 picture" in note for note in found.notes)


def test_docx_strip_replaces_names_and_copies_everything_else(tmp_path: Path) -> None:
    document = docx_with_authors(tmp_path / "diary.docx")
    before = sha256(document)
    target = empty_target(tmp_path, "clean.docx")

    removed = docx.strip(document, target)

    assert sha256(document) == before
    assert "author (docProps/core.xml)" in removed and "zip comment" in removed
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == list(DOCX_MEMBERS)
        assert archive.comment == b""
        contents = {member: archive.read(member) for member in archive.namelist()}
    for member in ("[Content_Types].xml", "_rels/.rels", "word/media/image1.png"):
        assert contents[member] == DOCX_MEMBERS[member]
    assert contents["docProps/core.xml"] == docx.EMPTY_CORE
    assert contents["docProps/app.xml"] == docx.EMPTY_APP
    assert contents["docProps/custom.xml"] == docx.EMPTY_CUSTOM
    assert contents["word/document.xml"] == DOCUMENT.replace(EDITOR.encode(), b"Author")
    assert b'w:author="Author" w:initials="A"' in contents["word/comments.xml"]
    for member, data in contents.items():
        for name in NAMES:
            assert name not in data, (member, name)
    assert docx.scan(target).of_kind("identity") == []


@pytest.mark.skipif(not EXIFTOOL.exists(), reason="ExifTool is not installed")
def test_exiftool_finds_no_author_in_the_stripped_docx(tmp_path: Path) -> None:
    document = docx_with_authors(tmp_path / "diary.docx")
    target = empty_target(tmp_path, "clean.docx")
    docx.strip(document, target)
    for path, expect_some in ((document, True), (target, False)):
        output = subprocess.run(
            [str(EXIFTOOL), "-j", "-G1", "-a", str(path)], capture_output=True, text=True, check=True
        ).stdout
        words = ("Creator", "LastModifiedBy", "Company", "Manager", "Owner")
        keys = [k for k in json.loads(output)[0] if any(w in k for w in words)]
        assert bool(keys) == expect_some, keys


def test_xlsx_and_pptx_comment_authors(tmp_path: Path) -> None:
    xlsx = write_zip(
        tmp_path / "sheet.xlsx",
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "xl/workbook.xml": b"<workbook/>",
            "xl/comments1.xml": b"<comments><authors><author>" + fx.PERSON.encode() + b"</author></authors>"
            b"</comments>",
        },
    )
    pptx = write_zip(
        tmp_path / "slides.pptx",
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "ppt/presentation.xml": b'<p:presentation xmlns:p="urn:example"/>',
            "ppt/commentAuthors.xml": (
                f'<p:cmAuthorLst xmlns:p="urn:example"><p:cmAuthor id="1" name="{fx.PERSON}"'
                ' initials="AE" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>'
            ).encode(),
        },
    )
    for document, format_name in ((xlsx, "xlsx"), (pptx, "pptx")):
        found = docx.scan(document)
        assert found.format == format_name
        assert fx.PERSON in {item.value for item in found.of_kind("identity")}
        target = empty_target(tmp_path, "clean-" + document.name)
        docx.strip(document, target)
        with zipfile.ZipFile(target) as archive:
            assert all(fx.PERSON.encode() not in archive.read(name) for name in archive.namelist())


@pytest.mark.parametrize("bad_name", ["../outside.xml", "/etc/passwd", "word/../../outside.xml", "C:/x.xml"])
def test_zip_with_a_name_outside_the_folder_is_refused(tmp_path: Path, bad_name: str) -> None:
    document = write_zip(tmp_path / "evil.docx", {**DOCX_MEMBERS, bad_name: b"<x/>"})
    target = empty_target(tmp_path, "clean.docx")
    with pytest.raises(MediaFormatError, match="points outside it"):
        docx.strip(document, target)
    with pytest.raises(MediaFormatError):
        docx.scan(document)
    assert target.read_bytes() == b""


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    document = write_zip(tmp_path / "bomb.docx", {**DOCX_MEMBERS, "word/fill.xml": bytes(8 * 1024 * 1024)})
    with pytest.raises(MediaFormatError, match="zip bomb"):
        docx.scan(document)


def test_damaged_or_foreign_zips_are_refused(tmp_path: Path) -> None:
    cut = docx_with_authors(tmp_path / "cut.docx")
    cut.write_bytes(cut.read_bytes()[:200])
    with pytest.raises(MediaFormatError, match="damaged"):
        docx.scan(cut)
    plain = write_zip(tmp_path / "plain.zip", {"readme.txt": b"hello"})
    with pytest.raises(MediaFormatError, match="Content_Types"):
        docx.scan(plain)


def test_part_with_a_dtd_is_refused(tmp_path: Path) -> None:
    core = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><cp:coreProperties/>'
    document = write_zip(tmp_path / "dtd.docx", {**DOCX_MEMBERS, "docProps/core.xml": core})
    with pytest.raises(MediaFormatError, match="DTD"):
        docx.scan(document)


@pytest.mark.parametrize(("module", "count"), [(docx, 150), (pdf, 40)], ids=["docx", "pdf"])
def test_damaged_documents_give_a_sentence_never_a_traceback(
    tmp_path: Path, module: ModuleType, count: int
) -> None:
    build = docx_with_authors if module is docx else pdf_with_author
    original = build(tmp_path / "original").read_bytes()
    rng = random.Random(11)
    damaged, target = tmp_path / "damaged", tmp_path / "clean"
    for _ in range(count):
        data = bytearray(original)
        for _ in range(3):
            data[rng.randrange(len(data))] = rng.randrange(256)
        damaged.write_bytes(bytes(data[: rng.randrange(len(data) // 2, len(data) + 1)]))
        target.write_bytes(b"")
        succeeds_or_says_one_sentence(functools.partial(module.scan, damaged), damaged)
        succeeds_or_says_one_sentence(functools.partial(module.strip, damaged, target), damaged)


def test_office_detection(tmp_path: Path) -> None:
    head = docx_with_authors(tmp_path / "a.docx").read_bytes()[:64]
    assert docx.matches(head)
    assert not docx.matches(write_zip(tmp_path / "b.zip", {"readme.txt": b"x"}).read_bytes()[:64])
    assert not docx.matches(b"%PDF-1.7" + bytes(56))
