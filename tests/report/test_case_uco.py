"""The CASE/UCO export: a small fictional case's pack as one JSON-LD graph, with every event and exhibit,
the stored hashes, no dangling ids, and nothing from exhibits the pack leaves out."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import VaultSetup
from stalkproof.cli.pack_commands import pack_app
from stalkproof.evidence.cases import current_case
from stalkproof.evidence.exhibits import list_exhibits
from stalkproof.report import make_pack
from stalkproof.report.bundle import build_pack
from stalkproof.report.case_uco import CONTEXT, FILE_NAME, case_uco_document, write_case_uco
from stalkproof.report.selection import PackSelection
from stalkproof.report.verify_pack import verify_pack

CHAT = """\
01/12/2025, 19:02 - Alex Morgan: Hi Sam
01/12/2025, 19:05 - Sam Carter: Please stop contacting me.
03/12/2025, 08:00 - Alex Morgan: If you go to the police I will kill you
"""
CREATED = "2026-01-05T10:00:00.000000Z"
PREFIXED = re.compile(r"^([a-z][a-z-]*):[^/]")


def _case(cli: Any, folder: Path) -> None:
    chat = folder / "WhatsApp Chat with Alex Morgan.txt"
    chat.write_text(CHAT, encoding="utf-8")
    for name, role in (("Sam Carter", "subject"), ("Alex Morgan", "suspect"), ("Jo Bloggs", "witness")):
        assert cli("party", "add", name, "--role", role, "--account", f"whatsapp:{name}").code == 0
    result = cli("import", str(chat), "--zone", "Europe/London", "--date-order", "dmy", "--json")
    assert result.code == 0, result.err
    for ref, name, content in (("SC-1", "screenshot.png", b"first synthetic"), ("SC-2", "note.txt", b"2nd")):
        (folder / name).write_bytes(content)
        assert (
            cli("exhibit", "add", str(folder / name), "--describe", f"Synthetic {name}", "--ref", ref).code
            == 0
        )
    for when, what, ref in (
        ("2025-12-02T18:30", "Waiting outside my work.", "SC-1"),
        ("2025-12-04", "A note.", "SC-2"),
    ):
        result = cli(
            "diary", "add", "--when", when, "--zone", "Europe/London", "--what", what, "--exhibit", ref
        )
        assert result.code == 0, result.err


def _document(setup: VaultSetup, out: Path, selection: PackSelection) -> tuple[dict[str, Any], list[Any]]:
    """The graph for the pack built into `out`, from the pack's own exhibits and chronology.json."""
    with setup.open() as vault:
        case_id = current_case(vault, None).id
        result = build_pack(vault, case_id, out, selection)
        events = json.loads((out / "chronology.json").read_text(encoding="utf-8"))["events"]
        document = case_uco_document(
            vault, case_id, selection, result.exhibits, events=events, created_at=CREATED
        )
    return document, events


@pytest.fixture
def whole(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> tuple[dict[str, Any], list[Any]]:
    _case(cli, tmp_path)
    return _document(case_setup, tmp_path / "pack", PackSelection())


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in the document, nested ones (facets, hashes) included."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _nodes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _nodes(item)


def _typed(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [node for node in _nodes(document["@graph"]) if node.get("@type") == kind]


def _facet(node: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(facet for facet in node["uco-core:hasFacet"] if facet["@type"] == kind)


def test_every_event_and_exhibit_is_in_the_graph(whole: tuple[dict[str, Any], list[Any]]) -> None:
    document, events = whole
    texts = [_facet(node, "uco-observable:MessageFacet")["uco-observable:messageText"]
             for node in _typed(document, "uco-observable:Message")]  # fmt: skip
    notes = [_facet(node, "uco-observable:NoteFacet")["uco-observable:text"]
             for node in _typed(document, "uco-observable:Note")]  # fmt: skip
    assert sorted(texts + notes) == sorted(event["text"] for event in events) and len(events) == 5
    files = {node["uco-core:name"] for node in _typed(document, "uco-observable:File")}
    assert files == {"EX-001", "SC-1", "SC-2"}  # the imported chat file is an exhibit too
    numbers = {
        node.get("case-investigation:exhibitNumber")
        for node in _typed(document, "case-investigation:ProvenanceRecord")
    }
    assert files <= numbers
    action = _typed(document, "case-investigation:InvestigativeAction")
    assert any(node["uco-core:name"].startswith("evidence pack created by stalkproof ") for node in action)


def test_messages_keep_sender_time_and_source(whole: tuple[dict[str, Any], list[Any]]) -> None:
    document, _ = whole
    threat = next(
        node for node in _typed(document, "uco-observable:Message")
        if "kill you" in _facet(node, "uco-observable:MessageFacet")["uco-observable:messageText"]
    )  # fmt: skip
    facet = _facet(threat, "uco-observable:MessageFacet")
    assert facet["uco-observable:sentTime"]["@type"] == "xsd:dateTime"
    assert "time-precision:minute" in threat["uco-core:tag"] and "flag:threat" in threat["uco-core:tag"]
    accounts = {node["@id"]: node for node in _typed(document, "uco-observable:DigitalAccount")}
    assert accounts[facet["uco-observable:from"]["@id"]]["uco-core:name"] == "whatsapp:Alex Morgan"
    record = next(
        node for node in _typed(document, "case-investigation:ProvenanceRecord")
        if {"@id": threat["@id"]} in node["uco-core:object"]
    )  # fmt: skip
    assert "source-line:3" in record["uco-core:tag"]
    # Only the people behind accounts that sent something in the pack: the witness sent nothing.
    names = {node["uco-core:name"] for node in _typed(document, "uco-identity:Identity")}
    assert {"Sam Carter", "Alex Morgan"} <= names and "Jo Bloggs" not in names


def test_a_date_alone_is_not_given_as_a_moment(whole: tuple[dict[str, Any], list[Any]]) -> None:
    document, _ = whole
    note = next(
        node for node in _typed(document, "uco-observable:Note")
        if _facet(node, "uco-observable:NoteFacet")["uco-observable:text"] == "A note."
    )  # fmt: skip
    assert "time-precision:day" in note["uco-core:tag"]
    assert "sentTime" not in json.dumps(note)


def test_hashes_are_the_stored_sha256(
    whole: tuple[dict[str, Any], list[Any]], case_setup: VaultSetup
) -> None:
    document, _ = whole
    with case_setup.open() as vault:
        stored = {
            exhibit.ref: exhibit.sha256 for exhibit in list_exhibits(vault, current_case(vault, None).id)
        }
    for node in _typed(document, "uco-observable:File"):
        content = _facet(node, "uco-observable:ContentDataFacet")
        (digest,) = content["uco-observable:hash"]
        assert digest["uco-types:hashMethod"] == "SHA256"
        assert digest["uco-types:hashValue"] == {
            "@type": "xsd:hexBinary",
            "@value": stored[node["uco-core:name"]],
        }
        size = _facet(node, "uco-observable:FileFacet")["uco-observable:sizeInBytes"]
        assert size == content["uco-observable:sizeInBytes"] > 0


def test_every_reference_is_defined_and_every_prefix_declared(
    whole: tuple[dict[str, Any], list[Any]],
) -> None:
    document, _ = whole
    defined = {node["@id"] for node in _nodes(document["@graph"]) if "@id" in node and len(node) > 1}
    referenced = {node["@id"] for node in _nodes(document["@graph"]) if set(node) == {"@id"}}
    assert referenced and referenced <= defined
    investigation = _typed(document, "case-investigation:Investigation")[0]
    tops = {node["@id"] for node in document["@graph"]} - {investigation["@id"]}
    assert {item["@id"] for item in investigation["uco-core:object"]} == tops
    used = set()
    for node in _nodes(document["@graph"]):
        for key, value in node.items():
            for text in [key, value] if isinstance(value, str) and key in ("@id", "@type") else [key]:
                if match := PREFIXED.match(text):
                    used.add(match.group(1))
    assert used and used <= set(document["@context"]) == set(CONTEXT)
    for prefix in document["@context"]:
        assert document["@context"][prefix].endswith(("/", "#", ":"))


def test_the_same_pack_gives_the_same_bytes(
    whole: tuple[dict[str, Any], list[Any]], case_setup: VaultSetup, tmp_path: Path
) -> None:
    document, _ = whole
    again, _ = _document(case_setup, tmp_path / "again", PackSelection())
    write_case_uco(tmp_path / "one.jsonld", document)
    write_case_uco(tmp_path / "two.jsonld", again)
    assert (tmp_path / "one.jsonld").read_bytes() == (tmp_path / "two.jsonld").read_bytes()


def test_a_partial_pack_names_no_other_exhibit(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    _case(cli, tmp_path)
    with case_setup.open() as vault:
        hidden = next(e.sha256 for e in list_exhibits(vault, current_case(vault, None).id) if e.ref == "SC-2")
    document, _ = _document(case_setup, tmp_path / "partial", PackSelection(exhibit_refs=("SC-1",)))
    text = json.dumps(document)
    assert "SC-1" in text and "SC-2" not in text and hidden not in text


def test_it_parses_as_json_ld(whole: tuple[dict[str, Any], list[Any]]) -> None:
    rdflib = pytest.importorskip("rdflib")
    document, _ = whole
    graph = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    uco = "https://ontology.unifiedcyberontology.org/uco/"
    messages = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef(f"{uco}observable/Message")))
    assert len(graph) > 100 and len(messages) == 3
    hex_values = list(graph.objects(None, rdflib.URIRef(f"{uco}types/hashValue")))
    assert all(value.datatype == rdflib.XSD.hexBinary for value in hex_values) and hex_values


def test_pack_build_case_uco_puts_the_graph_in_the_signed_pack(
    case_setup: VaultSetup, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _case(cli, tmp_path)

    def no_pdf(vault: Any, case_id: str, selection: Any, path: Path, entries: Any, **options: Any) -> Path:
        path.write_bytes(b"%PDF-1.7 stand-in\n")  # the PDF is tested elsewhere; this test is about the graph
        return path

    monkeypatch.setattr(make_pack, "render_pdf", no_pdf)
    runner = CliRunner()
    out = tmp_path / "cli-pack"
    built = runner.invoke(pack_app, ["build", "--out", str(out), "--case-uco", "--json"])
    assert built.exit_code == 0, built.output
    document = json.loads((out / FILE_NAME).read_text(encoding="utf-8"))
    assert len(_typed(document, "uco-observable:File")) == 3
    manifest = json.loads((out / "manifest.json").read_bytes())
    listed = {record["path"]: record["sha256"] for record in manifest["files"]}
    assert listed[FILE_NAME] == hashlib.sha256((out / FILE_NAME).read_bytes()).hexdigest()
    assert verify_pack(out).ok
    plain = tmp_path / "plain-pack"
    assert runner.invoke(pack_app, ["build", "--out", str(plain), "--json"]).exit_code == 0
    assert not (plain / FILE_NAME).exists()
