"""The pack as one CASE/UCO JSON-LD graph (CASE 1.4 / UCO 1.4 vocabulary), for forensic tools that read it.

The graph says what the pack says, nothing more: the investigation (the case reference), each packed
exhibit as a `uco-observable:File` with its name, size and SHA-256, each chronology event as a
`uco-observable:Message` (or a `uco-observable:Note` when nobody sent it, e.g. a diary entry) with the text
exactly as found, the accounts that sent them and the people they are attributed to, and the
`case-investigation:InvestigativeAction` of making the pack. Events come from the pack's own chronology,
so a pack of some exhibits names no others here either.

UCO has no property for a time's precision or a line number: those go in `uco-core:tag` as `key:value`
text. A message's `uco-observable:sentTime` is given only when the time is known to the minute or second,
so a date alone is never dressed up as a moment. Ids are UUID5 of the vault's own ids: the same pack gives
the same graph.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from stalkproof import __version__
from stalkproof.clock import now_iso, utc_iso
from stalkproof.evidence.cases import find_case
from stalkproof.evidence.parties import Party, list_parties
from stalkproof.report.bundle.chronology import chronology
from stalkproof.report.exhibit_entries import ExhibitEntry
from stalkproof.report.selection import PackSelection
from stalkproof.vault.vault import Vault

FILE_NAME = "case-uco.jsonld"
UCO = "https://ontology.unifiedcyberontology.org/uco/"
CONTEXT = {
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "kb": "urn:stalkproof:",
    "uco-action": f"{UCO}action/",
    "uco-core": f"{UCO}core/",
    "uco-identity": f"{UCO}identity/",
    "uco-observable": f"{UCO}observable/",
    "uco-tool": f"{UCO}tool/",
    "uco-types": f"{UCO}types/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
# Fixed for good: every stalkproof id is a UUID5 in this namespace, so ids never change between versions.
ID_NAMESPACE = uuid.UUID("5f0b7c1e-2d6a-5b8e-9c41-7a3e0d2f6b19")
TIMED_PRECISIONS = frozenset({"second", "minute"})
Node = dict[str, Any]
ExtraFiles = Callable[[Path, list[ExhibitEntry], list[dict[str, Any]]], None]


@dataclass
class _Graph:
    """The nodes by id; adding the same id twice keeps the first (an account named by many events)."""

    vault_id: str
    nodes: dict[str, Node] = field(default_factory=dict)

    def id(self, kind: str, key: str) -> str:
        return f"kb:{kind}-{uuid.uuid5(ID_NAMESPACE, f'{self.vault_id}/{kind}/{key}')}"

    def add(self, node: Node) -> str:
        self.nodes.setdefault(node["@id"], node)
        return str(node["@id"])


def case_uco_document(
    vault: Vault,
    case_id: str,
    selection: PackSelection,
    exhibits: Sequence[ExhibitEntry],
    *,
    events: Sequence[Mapping[str, Any]] | None = None,
    created_at: str | None = None,
) -> dict[str, Any]:
    """`events` are the pack's chronology (`report.bundle.chronology.chronology`); given, they are used
    as they are, else the same selection is read again."""
    if events is None:
        packed = {entry.ref for entry in exhibits} if selection.exhibit_refs else None
        with vault.read() as connection:
            events = chronology(connection, case_id, selection, packed)
    with vault.read() as connection:
        case = find_case(connection, case_id)
    graph = _Graph(vault.header.vault_id)
    files = {entry.ref: _exhibit(graph, entry) for entry in exhibits}
    records = [_exhibit_record(graph, entry, files[entry.ref]) for entry in exhibits]
    records += [record for event in events if (record := _event(graph, event, files))]
    _people(graph, list_parties(vault, case_id))
    _pack_action(graph, case_id, created_at or now_iso(), list(files.values()), records)
    graph.add(
        {
            "@id": graph.id("investigation", case_id),
            "@type": "case-investigation:Investigation",
            "uco-core:name": case.reference or case.name,
            "uco-core:object": _refs(sorted(graph.nodes)),
        }
    )
    return {"@context": dict(CONTEXT), "@graph": [graph.nodes[key] for key in sorted(graph.nodes)]}


def write_case_uco(path: Path, document: Mapping[str, Any]) -> None:
    """Sorted keys and a fixed layout: the same document is always the same bytes."""
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")


def case_uco_writer(vault: Vault, case_id: str, selection: PackSelection) -> ExtraFiles:
    """For `build_pack(extra_files=...)`: writes the graph into the pack folder from the pack's own
    exhibits and chronology, before the manifest is made, so the manifest lists and signs it."""

    def write(folder: Path, exhibits: list[ExhibitEntry], events: list[dict[str, Any]]) -> None:
        document = case_uco_document(vault, case_id, selection, exhibits, events=events)
        write_case_uco(folder / FILE_NAME, document)

    return write


def _ref(node_id: str) -> Node:
    return {"@id": node_id}


def _refs(node_ids: Iterable[str]) -> list[Node]:
    return [_ref(node_id) for node_id in node_ids]


def _when(moment: str) -> Node:
    return {"@type": "xsd:dateTime", "@value": moment}


def _sha256(graph: _Graph, owner: str, hex_digest: str) -> Node:
    return {
        "@id": graph.id("hash", f"{owner}/{hex_digest}"),
        "@type": "uco-types:Hash",
        "uco-types:hashMethod": "SHA256",
        "uco-types:hashValue": {"@type": "xsd:hexBinary", "@value": hex_digest},
    }


def _content(graph: _Graph, owner: str, hex_digest: str, size: int | None = None) -> Node:
    facet: Node = {
        "@id": graph.id("content-data-facet", owner),
        "@type": "uco-observable:ContentDataFacet",
        "uco-observable:hash": [_sha256(graph, owner, hex_digest)],
    }
    if size is not None:
        facet["uco-observable:sizeInBytes"] = size
    return facet


def _exhibit(graph: _Graph, entry: ExhibitEntry) -> str:
    key = f"{entry.ref}/{entry.sha256}"
    file_facet: Node = {
        "@id": graph.id("file-facet", key),
        "@type": "uco-observable:FileFacet",
        "uco-observable:fileName": entry.original_name or entry.pack_path.rsplit("/", 1)[-1],
        "uco-observable:filePath": entry.pack_path,
        "uco-observable:sizeInBytes": entry.size,
    }
    content = _content(graph, key, entry.sha256, entry.size)
    if entry.media_type:
        content["uco-observable:mimeType"] = entry.media_type
    node: Node = {
        "@id": graph.id("exhibit", key),
        "@type": "uco-observable:File",
        "uco-core:name": entry.ref,
        "uco-core:hasFacet": [file_facet, content],
    }
    if entry.description:
        node["uco-core:description"] = entry.description
    return graph.add(node)


def _exhibit_record(graph: _Graph, entry: ExhibitEntry, file_id: str) -> str:
    """The exhibit's provenance record and, when the vault knows it, how it was captured."""
    record = graph.add(
        {
            "@id": graph.id("provenance-record", f"exhibit/{entry.ref}/{entry.sha256}"),
            "@type": "case-investigation:ProvenanceRecord",
            "case-investigation:exhibitNumber": entry.ref,
            "uco-core:object": [_ref(file_id)],
        }
    )
    if entry.captured_at or entry.captured_by or entry.capture_method:
        graph.add(_capture(graph, entry, record))
    return record


def _capture(graph: _Graph, entry: ExhibitEntry, record: str) -> Node:
    action: Node = {
        "@id": graph.id("capture", f"{entry.ref}/{entry.sha256}"),
        "@type": "case-investigation:InvestigativeAction",
        "uco-action:result": [_ref(record)],
    }
    if entry.capture_method:
        action["uco-core:name"] = entry.capture_method
    if entry.captured_at:
        # Typed as a time only when it is one with its zone; as the person wrote it otherwise.
        moment = _utc(entry.captured_at)
        if moment:
            action["uco-action:startTime"] = _when(moment)
        else:
            action["uco-core:tag"] = [f"captured-at:{entry.captured_at}"]
    if entry.captured_by:
        action["uco-action:performer"] = _ref(
            _identity(graph, f"capturer/{entry.captured_by}", entry.captured_by)
        )
    return action


def _utc(text: str) -> str | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return utc_iso(moment) if moment.tzinfo else None


def _identity(graph: _Graph, key: str, name: str, tags: Sequence[str] = ()) -> str:
    node: Node = {"@id": graph.id("identity", key), "@type": "uco-identity:Identity", "uco-core:name": name}
    if tags:
        node["uco-core:tag"] = list(tags)
    return graph.add(node)


def _application(graph: _Graph, name: str) -> str:
    return graph.add(
        {"@id": graph.id("application", name), "@type": "uco-observable:Application", "uco-core:name": name}
    )


def _account(graph: _Graph, text: str) -> str:
    """`text` is `platform:identifier`, as the chronology's "from" gives it."""
    platform, _, identifier = text.partition(":")
    return graph.add(
        {
            "@id": graph.id("account", text),
            "@type": "uco-observable:DigitalAccount",
            "uco-core:name": text,
            "uco-core:hasFacet": [
                {
                    "@id": graph.id("account-facet", text),
                    "@type": "uco-observable:AccountFacet",
                    "uco-observable:accountIdentifier": identifier,
                },
                {
                    "@id": graph.id("application-account-facet", text),
                    "@type": "uco-observable:ApplicationAccountFacet",
                    "uco-observable:application": _ref(_application(graph, platform)),
                },
            ],
        }
    )


def _people(graph: _Graph, parties: Sequence[Party]) -> None:
    """Only the people behind accounts the graph already holds: the pack names no one else."""
    for party in parties:
        held = [graph.id("account", f"{a.platform}:{a.identifier}") for a in party.accounts]
        held = [account for account in held if account in graph.nodes]
        if not held:
            continue
        person = _identity(graph, f"party/{party.id}", party.name, [f"role:{party.role}"])
        for account in held:
            graph.add(
                {
                    "@id": graph.id("has-account", f"{party.id}/{account}"),
                    "@type": "uco-core:Relationship",
                    "uco-core:source": [_ref(person)],
                    "uco-core:target": _ref(account),
                    "uco-core:kindOfRelationship": "Has_Account",
                    "uco-core:isDirectional": True,
                }
            )


def _event(graph: _Graph, event: Mapping[str, Any], files: Mapping[str, str]) -> str | None:
    """The event's node, its links to its exhibits, and its provenance record (None if it has none)."""
    event_id = graph.add(_event_node(graph, event))
    refs = [ref for ref in event["exhibits"] if ref in files]
    exhibits = [files[ref] for ref in refs]
    for file_id in exhibits:
        graph.add(
            {
                "@id": graph.id("related", f"{event['id']}/{file_id}"),
                "@type": "uco-observable:ObservableRelationship",
                "uco-core:source": [_ref(event_id)],
                "uco-core:target": _ref(file_id),
                "uco-core:kindOfRelationship": "Related_To",
                "uco-core:isDirectional": True,
            }
        )
    return _event_record(graph, event, event_id, refs, exhibits)


def _event_node(graph: _Graph, event: Mapping[str, Any]) -> Node:
    key = str(event["id"])
    sent = bool(event["from"]) or event["kind"] == "message"
    facet: Node = {
        "@id": graph.id("message-facet" if sent else "note-facet", key),
        "@type": "uco-observable:MessageFacet" if sent else "uco-observable:NoteFacet",
    }
    if event["text"] is not None:
        facet["uco-observable:messageText" if sent else "uco-observable:text"] = event["text"]
    if event["channel"]:
        facet["uco-observable:application"] = _ref(_application(graph, event["channel"]))
    if sent and event["from"]:
        facet["uco-observable:from"] = _ref(_account(graph, event["from"]))
    if sent and event["precision"] in TIMED_PRECISIONS and event["occurred_at"]:
        facet["uco-observable:sentTime"] = _when(event["occurred_at"])
    facets = [facet]
    if event["source"]["sha256"]:
        facets.append(_content(graph, f"event/{key}", event["source"]["sha256"]))
    node: Node = {
        "@id": graph.id("event", key),
        "@type": "uco-observable:Message" if sent else "uco-observable:Note",
        "uco-core:hasFacet": facets,
        "uco-core:tag": _event_tags(event),
    }
    if event["label"]:
        node["uco-core:name"] = event["label"]
    return node


def _event_tags(event: Mapping[str, Any]) -> list[str]:
    """What UCO has no property for, as `key:value` text; the time exactly as precise as it was given."""
    pairs = [
        ("kind", event["kind"]),
        ("channel", event["channel"]),
        ("time-local", event["occurred_local"]),
        ("time-zone", event["zone"]),
        ("time-precision", event["precision"]),
        ("time-utc", event["occurred_at"]),
    ]
    tags = [f"{key}:{value}" for key, value in pairs if value]
    return tags + [f"flag:{flag}" for flag in event["flags"]]


def _event_record(
    graph: _Graph, event: Mapping[str, Any], event_id: str, refs: Sequence[str], exhibits: Sequence[str]
) -> str | None:
    source = event["source"]
    if not (source["file"] or exhibits):
        return None
    record: Node = {
        "@id": graph.id("provenance-record", f"event/{event['id']}"),
        "@type": "case-investigation:ProvenanceRecord",
        "uco-core:object": _refs([event_id, *exhibits]),
    }
    if len(refs) == 1:
        record["case-investigation:exhibitNumber"] = refs[0]
    tags = [f"source-file:{source['file']}" if source["file"] else None]
    tags.append(f"source-line:{source['line']}" if source["line"] is not None else None)
    if any(tags):
        record["uco-core:tag"] = [tag for tag in tags if tag]
    return graph.add(record)


def _pack_action(
    graph: _Graph, case_id: str, created_at: str, files: Sequence[str], records: Sequence[str]
) -> str:
    tool = graph.add(
        {
            "@id": graph.id("tool", f"stalkproof/{__version__}"),
            "@type": "uco-tool:Tool",
            "uco-core:name": "stalkproof",
            "uco-tool:version": __version__,
        }
    )
    return graph.add(
        {
            "@id": graph.id("pack-action", f"{case_id}/{created_at}"),
            "@type": "case-investigation:InvestigativeAction",
            "uco-core:name": f"evidence pack created by stalkproof {__version__}",
            "uco-action:startTime": _when(created_at),
            "uco-action:endTime": _when(created_at),
            "uco-action:instrument": [_ref(tool)],
            "uco-action:object": _refs(files),
            "uco-action:result": _refs(records),
        }
    )
