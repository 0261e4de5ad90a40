"""evidence-pack.pdf: every chronology event readable as text, a header on every page, no blank page, a
draft statement left unsigned, and nothing fetched from the network while rendering."""

from __future__ import annotations

import hashlib
import re
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from conftest import VaultSetup
from stalkproof.evidence.cases import current_case
from stalkproof.evidence.exhibits import list_exhibits
from stalkproof.report.bundle.exhibits import chosen_exhibits, copy_exhibits
from stalkproof.report.exhibit_entries import ExhibitEntry
from stalkproof.report.pack_content import format_when, gather
from stalkproof.report.pdf import render_pdf, write_pdf
from stalkproof.report.selection import PackSelection
from stalkproof.vault.vault import Vault

from .test_pdf_tags import structure_problems

CHAT = """\
01/12/2025, 19:02 - Alex Morgan: Hi Sam
01/12/2025, 19:05 - Sam Carter: Please stop contacting me.
02/12/2025, 23:10 - Alex Morgan: I saw you at the station this morning in your blue coat
03/12/2025, 08:00 - Alex Morgan: If you go to the police I will kill you
"""
FIRST_WORDS = "He was waiting by the gate when I came home."
CORRECTED = "He was waiting by the gate when I came home, and followed me to the door."


@dataclass
class Rendered:
    pdf: Path
    reference: str
    texts: list[str]


def exhibit_entries(vault: Vault, case_id: str) -> list[ExhibitEntry]:
    return [
        ExhibitEntry(
            ref=item.ref,
            description=item.description,
            original_name=item.original_name,
            media_type=item.media_type,
            size=item.size,
            sha256=item.sha256,
            captured_by="Sam Carter",
            captured_at="2026-01-06T10:00:00Z",
            capture_method="export from the app",
            pack_path=f"exhibits/{item.ref}-{item.original_name}",
        )
        for item in list_exhibits(vault, case_id)
    ]


def _story(cli: Any, folder: Path) -> None:
    chat = folder / "WhatsApp Chat with Alex Morgan.txt"
    chat.write_text(CHAT, encoding="utf-8")
    assert (
        cli("party", "add", "Sam Carter", "--role", "subject", "--account", "whatsapp:Sam Carter").code == 0
    )
    alex = cli(
        "party", "add", "Alex Morgan", "--role", "suspect", "--account", "whatsapp:Alex Morgan", "--json"
    ).json()["id"]
    result = cli("import", str(chat), "--zone", "Europe/London", "--date-order", "dmy", "--json")
    assert result.code == 0, result.err
    photo = folder / "doorstep.txt"
    photo.write_text("a note left on the doorstep (synthetic)", encoding="utf-8")
    assert cli("exhibit", "add", str(photo), "--describe", "Note left on the doorstep").code == 0
    when = ("--when", "2025-12-05 18:30", "--zone", "Europe/London")
    added = cli("diary", "add", *when, "--what", FIRST_WORDS, "--party", alex, "--impact", "I was shaking.")
    assert added.code == 0, added.err
    assert cli("diary", "amend", "D1", "--what", CORRECTED, "--note", "remembered more").code == 0
    approx = ("--when", "2025-12-07", "--approx", "--what", "His car was parked outside again.")
    assert cli("diary", "add", *approx, "--party", alex).code == 0


def _refuse_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    attempts: list[Any] = []

    def refuse(_self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("network use is not allowed in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))  # type: ignore[arg-type]
    return attempts


@pytest.fixture
def rendered(case_setup: VaultSetup, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Rendered:
    _story(cli, tmp_path)
    attempts = _refuse_network(monkeypatch)
    with case_setup.open() as vault:
        case = current_case(vault)
        texts = [item["text"] for item in cli("events", "--json").json()]
        pdf = render_pdf(
            vault,
            case.id,
            PackSelection(),
            tmp_path / "pack" / "evidence-pack.pdf",
            exhibit_entries(vault, case.id),
        )
    assert attempts == []
    return Rendered(pdf, case.reference or f"case {case.id}", texts)


def pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True)
    return text.stdout.split("\f")[:-1]


def squeezed(text: str) -> str:
    """Text without any white space: a PDF wraps long lines wherever the column ends."""
    return re.sub(r"\s+", "", text)


def test_every_chronology_event_is_searchable_text_and_every_page_has_the_reference(
    rendered: Rendered,
) -> None:
    pages = pdf_pages(rendered.pdf)
    whole = squeezed("".join(pages))
    assert len(rendered.texts) == 6  # four chat messages and two diary entries
    for text in rendered.texts:
        assert squeezed(text) in whole, text
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        assert f"Case reference: {rendered.reference}" in page, f"page {number}"
        assert f"page {number} of {len(pages)}" in page, f"page {number}"


def test_the_diary_shows_every_version_and_the_statement_is_an_unsigned_draft(rendered: Rendered) -> None:
    pages = pdf_pages(rendered.pdf)
    whole = squeezed("".join(pages))
    assert squeezed(FIRST_WORDS) in whole and squeezed(CORRECTED) in whole  # both versions, not merged
    assert squeezed("D1, version 1 of 2") in whole and squeezed("D1, version 2 of 2") in whole
    assert squeezed("about 7 December 2025") in whole
    statement = next(page for page in pages if "DRAFT ONLY - NOT SIGNED" in page)
    signed = [line for line in "".join(pages).splitlines() if re.match(r"\s*(Signature|Date):", line)]
    assert len(signed) == 2 and all(line.split(":", 1)[1].strip() == "" for line in signed)
    assert "not legal advice" in "".join(pages[:1])
    assert "MG11" in statement or "MG11" in "".join(pages)
    assert squeezed("Note left on the doorstep") in whole and squeezed("export from the app") in whole


def test_no_page_is_blank(rendered: Rendered, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(rendered.pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(pdf_pages(rendered.pdf))
    for image in images:
        with Image.open(image) as page:
            dark = sum(page.convert("L").histogram()[:200])  # pixels clearly darker than white
        assert dark > 0, f"{image.name} looks blank"


def test_dates_are_shown_no_more_precisely_than_they_were_given() -> None:
    assert format_when("2026-03-03T14:00:00", "approximate") == "about 3 March 2026, 14:00"
    assert format_when("2026-03-03", "day") == "3 March 2026"
    assert (
        format_when("2026-03-03T14:05:00", "minute", "Europe/London") == "3 March 2026, 14:05 (Europe/London)"
    )
    assert format_when("2026-03-03T14:05:09", "second") == "3 March 2026, 14:05:09"


def test_the_law_view_and_risk_screening_appear_only_when_asked(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _story(cli, tmp_path)
    with case_setup.open() as vault:
        case = current_case(vault)
        plain = render_pdf(vault, case.id, PackSelection(), tmp_path / "plain.pdf", [])
        full = render_pdf(
            vault,
            case.id,
            PackSelection(),
            tmp_path / "full.pdf",
            [],
            include_law="gb-eng-wls",
            include_risk=True,
        )
    plain_text, full_text = "".join(pdf_pages(plain)), "".join(pdf_pages(full))
    assert "Law view" not in plain_text and "Risk screening" not in plain_text
    assert "Law view" in full_text and "Risk screening" in full_text


def test_loading_the_pdf_renderer_keeps_pillow_strict_about_damaged_images() -> None:
    from PIL import ImageFile

    import stalkproof.report.pdf  # noqa: F401

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_a_pack_of_a_period_counts_that_period_only_and_says_so(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _story(cli, tmp_path)
    with case_setup.open() as vault:
        case = current_case(vault)
        whole = gather(vault, case.id, PackSelection(), [])
        part = PackSelection(since="2025-12-05", until="2025-12-31")
        chosen = gather(vault, case.id, part, [])
        pdf = write_pdf(chosen, tmp_path / "part.pdf")
    # Alex's three messages and the two diary entries about him; from 5 December, the diary entries only.
    assert whole.summary.events == 5 and whole.scope.whole_case
    assert chosen.summary.events == 2 and len(chosen.chronology) == 2
    assert dict(whole.summary.channels) == {"whatsapp": 3} and dict(chosen.summary.channels) == {}
    text = squeezed("".join(pdf_pages(pdf)))
    assert squeezed("covers part of the case only") in text
    assert (
        squeezed("Events from: 5 December 2025") in text
        and squeezed("Events up to: 31 December 2025") in text
    )
    assert squeezed("Events counted: 2.") in text and squeezed("Events counted: 5.") not in text


def test_a_pack_for_one_person_and_chosen_exhibits_names_them(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _story(cli, tmp_path)
    parties = cli("party", "list", "--json").json()
    alex = next(party["id"] for party in parties if party["name"] == "Alex Morgan")
    with case_setup.open() as vault:
        case = current_case(vault)
        refs = tuple(item.ref for item in list_exhibits(vault, case.id))[:1]
        content = gather(vault, case.id, PackSelection(party_id=alex, exhibit_refs=refs), [])
    assert not content.scope.whole_case
    assert dict(content.scope.limits) == {
        "Only events involving": "Alex Morgan",
        "Only these exhibits": refs[0],
    }


def test_redacted_copies_are_listed_with_their_original(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Meet me at 12 Orchard Lane.\n", encoding="utf-8")
    assert cli("exhibit", "add", str(note), "--ref", "EX-001", "--describe", "A note").code == 0
    redact = ("exhibit", "redact", "EX-001", "--span", "11:26", "--reason", "an address")
    assert cli(*redact).code == 0
    with case_setup.open() as vault:
        case = current_case(vault)
        copy_only = chosen_exhibits(vault, case.id, ["EX-001-R1"])
        entries = copy_exhibits(vault, case.id, copy_only, tmp_path / "pack")
        content = gather(vault, case.id, PackSelection(exhibit_refs=("EX-001-R1",)), entries)
        pdf = write_pdf(content, tmp_path / "redacted.pdf")
    original = hashlib.sha256(note.read_bytes()).hexdigest()
    (copy,) = content.redacted
    assert (copy.ref, copy.original_ref, copy.original_sha256) == ("EX-001-R1", "EX-001", original)
    assert copy.hidden == "1 passage of text (characters 11-26)" and copy.reason == "an address"
    assert not copy.original_in_pack and copy.sha256 == entries[0].sha256 != original
    text = squeezed("".join(pdf_pages(pdf)))
    assert squeezed("Redacted copies") in text and squeezed("EX-001-R1: redacted copy of EX-001") in text
    assert original in text and copy.sha256 in text
    assert squeezed("The original is unchanged and kept in the vault. It is available to the court") in text
    assert squeezed("1 passage of text (characters 11-26)") in text and squeezed("an address") in text


def test_a_pack_without_redacted_copies_has_no_such_section(rendered: Rendered) -> None:
    assert "Redacted copies" not in "".join(pdf_pages(rendered.pdf))


def test_the_pack_is_tagged_with_its_sections_as_headings_in_order(rendered: Rendered) -> None:
    problems, headings = structure_problems(rendered.pdf)
    assert problems == []
    sections = [heading for heading in headings if heading in ("/H1", "/H2")]
    # The cover's title, then summary, chronology, diary, exhibits, impact, statement, hash, verify.
    assert sections == ["/H1"] + ["/H2"] * 8
