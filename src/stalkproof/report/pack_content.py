"""Everything the evidence pack PDF shows, gathered once from the vault's services into plain data.

The template only lays this out: no query, count or wording decision happens in it, so what the PDF says
can be tested without rendering it, and the same facts can later feed other formats.
"""

from __future__ import annotations

import base64
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, select

from stalkproof.analysis.course import Analysis, analyse_case
from stalkproof.analysis.event_flags import flags_for_rows
from stalkproof.analysis.figures import write_charts
from stalkproof.analysis.flags import Flagger
from stalkproof.analysis.load import WhoIsWho
from stalkproof.clock import now_iso
from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.evidence.cases import find_case
from stalkproof.evidence.diary import DiaryVersion, entry_versions
from stalkproof.evidence.events import TimelineFilter, decode_list, timeline
from stalkproof.evidence.time import parse_when, range_end, range_start
from stalkproof.law.case_view import case_law_view
from stalkproof.law.loader import load_jurisdiction
from stalkproof.report.exhibit_entries import ExhibitEntry
from stalkproof.report.redacted_copies import RedactedCopy, redacted_copies
from stalkproof.report.selection import PackSelection
from stalkproof.risk import store
from stalkproof.vault.ledger import row_hash
from stalkproof.vault.schema import parties
from stalkproof.vault.vault import Vault

WORDING_FILE = Path(__file__).with_name("pack_wording.yaml")
# Columns the timeline adds by joining the sender's account: not part of the stored row, so not hashed.
_JOINED = ("sender_platform", "sender_identifier")
STATUS_WORDS = {
    "apparently_present": "apparently present",
    "needs_judgement": "needs judgement",
    "not_shown": "not shown",
}


class Wording(BaseModel):
    """The pack's fixed wording: sections of short texts and lists, reviewed like the other data files."""

    model_config = ConfigDict(extra="allow", frozen=True)

    version: int
    reviewed: date
    licence: str
    source: list[Source] = Field(min_length=1)
    cover: dict[str, str]
    summary: dict[str, str]
    chronology: dict[str, str]
    diary: dict[str, str]
    exhibits: dict[str, str]
    impact: dict[str, str]
    statement: dict[str, str | list[str]]
    law: dict[str, str]
    risk: dict[str, str]
    hash: dict[str, str | list[str]]
    verify: dict[str, str | list[str]]
    selection: dict[str, str]
    redacted: dict[str, str]


def load_wording(path: Path = WORDING_FILE) -> Wording:
    data, tree = read_yaml(path)
    return validate(Wording, data, path, tree)


@dataclass(frozen=True)
class ChronologyRow:
    ref: str  # exhibit reference(s), or the diary number for a diary entry without one
    when: str
    channel: str
    sender: str
    text: str
    flags: tuple[str, ...]
    source: str
    sha256: str
    sha256_of: str  # "record in source file" or "ledger record"
    entry_id: str
    kind: str


@dataclass(frozen=True)
class DiaryVersionView:
    version: int
    recorded_at: str
    when: str
    fields: tuple[tuple[str, str], ...]  # (label, value) pairs actually filled in
    change_note: str | None
    redacted: bool


@dataclass(frozen=True)
class DiaryEntryView:
    label: str
    versions: tuple[DiaryVersionView, ...]


@dataclass(frozen=True)
class Impact:
    label: str
    when: str
    text: str


@dataclass(frozen=True)
class Chart:
    name: str
    data_uri: str


@dataclass(frozen=True)
class Summary:
    lines: tuple[str, ...]
    events: int
    behaviours: tuple[tuple[str, int], ...]
    channels: tuple[tuple[str, int], ...]
    escalation: str
    four: tuple[dict[str, Any], ...]
    disclaimer: str


@dataclass(frozen=True)
class Scope:
    """What part of the case the pack covers, in words: `limits` are (label, value) pairs, empty for the
    whole case."""

    whole_case: bool
    limits: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PackContent:
    case_name: str
    reference: str
    period: str
    prepared: str
    summary: Summary
    charts: tuple[Chart, ...]
    chronology: tuple[ChronologyRow, ...]
    diary: tuple[DiaryEntryView, ...]
    impacts: tuple[Impact, ...]
    exhibits: tuple[ExhibitEntry, ...]
    wording: Wording
    scope: Scope = Scope(True, ())
    redacted: tuple[RedactedCopy, ...] = ()
    law: dict[str, Any] | None = None
    risk: dict[str, Any] | None = None
    notes: tuple[str, ...] = field(default=())


def gather(
    vault: Vault,
    case_id: str,
    selection: PackSelection,
    exhibits: Sequence[ExhibitEntry],
    include_law: str | None = None,
    include_risk: bool = False,
) -> PackContent:
    """What the PDF shows for `selection`; the law view (for that jurisdiction code) and the risk screening
    only when asked for, since the person may not want them disclosed."""
    with vault.read() as connection:
        case = find_case(connection, case_id)
        rows = _selected_rows(connection, case_id, selection)
        flags = flags_for_rows(rows, WhoIsWho.of_case(connection, case_id), Flagger.load())
        party = _party_name(connection, selection.party_id) if selection.party_id else None
    chronology = tuple(
        chronology_row(row, sorted({flag.label for flag in found}))
        for row, found in zip(rows, flags, strict=True)
    )
    diary = _diary(vault, case_id, rows)
    # The summary describes what the pack holds: a selection's figures must not count what it leaves out.
    entries = None if selection.everything else {str(row["entry_id"]) for row in rows}
    analysis = analyse_case(vault, case_id, entries=entries)
    wording = load_wording()
    return PackContent(
        case_name=case.name,
        reference=case.reference or f"case {case.id}",
        period=_period(selection, rows),
        prepared=format_when(now_iso()[:10], "day"),
        summary=_summary(analysis),
        charts=_charts(analysis),
        chronology=chronology,
        diary=tuple(_diary_view(versions) for versions in diary),
        impacts=tuple(_impacts(diary)),
        exhibits=tuple(exhibits),
        wording=wording,
        scope=_scope(selection, party, wording),
        redacted=redacted_copies(exhibits),
        law=_law(vault, case_id, include_law) if include_law else None,
        risk=_risk(vault, case_id) if include_risk else None,
    )


def format_when(local: str | None, precision: str, zone: str | None = None) -> str:
    """A local date and time as a person would write it, no more precise than it was given."""
    if not local:
        return "time not known"
    moment = datetime.fromisoformat(local)
    day = f"{moment.day} {moment:%B %Y}"
    if precision == "day":
        text = day
    elif precision == "approximate":
        text = f"about {day}" + (f", {moment:%H:%M}" if len(local) > 10 else "")
    elif precision == "second":
        text = f"{day}, {moment:%H:%M:%S}"
    else:
        text = f"{day}, {moment:%H:%M}"
    return f"{text} ({zone})" if zone and precision != "day" else text


def chronology_row(row: dict[str, Any], flags: Sequence[str]) -> ChronologyRow:
    refs = decode_list(row["exhibit_refs"])
    label = f"D{row['number']}" if row["number"] else ""
    sha, sha_of = (
        (row["raw_sha256"], "record in source file")
        if row["raw_sha256"]
        else (_stored_hash(row), "ledger record")
    )
    sender = f"{row['sender_platform']}:{row['sender_identifier']}" if row["sender_platform"] else ""
    return ChronologyRow(
        ref=", ".join(refs) or label,
        when=format_when(row["occurred_local"], row["precision"], row["occurred_zone"]),
        channel=row["channel"] or row["kind"],
        sender=sender or ("the person's diary" if row["kind"] == "diary" else ""),
        text=row["text"] or "",
        flags=tuple(label.replace("_", " ") for label in flags),
        source=_source(row, label),
        sha256=sha,
        sha256_of=sha_of,
        entry_id=row["entry_id"],
        kind=row["kind"],
    )


def _stored_hash(row: dict[str, Any]) -> str:
    """The SHA-256 the ledger holds for this row (its canonical form), so a reader can match the two."""
    return row_hash("events", {key: value for key, value in row.items() if key not in _JOINED})


def _source(row: dict[str, Any], label: str) -> str:
    locator = json.loads(row["locator"]) if row["locator"] else {}
    if not locator.get("file"):
        return (
            f"diary entry {label}, version {row['version']}"
            if label
            else f"recorded in the vault ({row['kind']})"
        )
    where = str(locator["file"])
    if locator.get("line"):
        last = locator.get("end_line")
        lines = (
            f"lines {locator['line']}-{last}"
            if last and last != locator["line"]
            else f"line {locator['line']}"
        )
        return f"{where}, {lines}"
    return f"{where}, {locator['path']}" if locator.get("path") else where


def _selected_rows(connection: Connection, case_id: str, selection: PackSelection) -> list[dict[str, Any]]:
    chosen = TimelineFilter(
        since=range_start(selection.since) if selection.since else None,
        until=range_end(selection.until) if selection.until else None,
        party_id=selection.party_id,
    )
    rows = timeline(connection, case_id, chosen)
    if not selection.exhibit_refs:
        return rows
    # With chosen exhibits only, an event from another exhibit would disclose what the pack leaves out.
    wanted = set(selection.exhibit_refs)
    return [row for row in rows if not (refs := decode_list(row["exhibit_refs"])) or wanted & set(refs)]


def _party_name(connection: Connection, party_id: str) -> str:
    name = connection.execute(select(parties.c.name).where(parties.c.id == party_id)).scalar_one_or_none()
    return str(name) if name else party_id


def _scope(selection: PackSelection, party: str | None, wording: Wording) -> Scope:
    """The selection in plain words, with labels from the wording file."""
    words = wording.selection
    limits = []
    if selection.since:
        limits.append((words["since"], _moment_words(selection.since)))
    if selection.until:
        limits.append((words["until"], _moment_words(selection.until)))
    if party:
        limits.append((words["party"], party))
    if selection.exhibit_refs:
        limits.append((words["exhibits"], ", ".join(selection.exhibit_refs)))
    return Scope(selection.everything, tuple(limits))


def _moment_words(text: str) -> str:
    moment = parse_when(text)
    return format_when(moment.local, moment.precision)


def _period(selection: PackSelection, rows: Sequence[dict[str, Any]]) -> str:
    first = selection.since or (rows[0]["occurred_local"] if rows else None)
    last = selection.until or (rows[-1]["occurred_local"] if rows else None)
    if not (first and last):
        return "no events recorded"
    return f"{format_when(first[:10], 'day')} to {format_when(last[:10], 'day')}"


def _diary(vault: Vault, case_id: str, rows: Sequence[dict[str, Any]]) -> list[list[DiaryVersion]]:
    """Every version of each diary entry the selection holds, in the order things happened."""
    return [entry_versions(vault, case_id, row["entry_id"]) for row in rows if row["kind"] == "diary"]


DIARY_FIELDS = (
    ("What happened", "what"),
    ("Where", "where"),
    ("Platform", "platform"),
    ("Behaviours", "behaviours"),
    ("Witnesses", "witnesses"),
    ("Effect on me", "impact"),
    ("What I did", "actions"),
    ("How it was saved", "how_saved"),
    ("Risk", "risk_notes"),
    ("Exhibits", "exhibits"),
)


def _diary_view(versions: Sequence[DiaryVersion]) -> DiaryEntryView:
    views = []
    for version in versions:
        data = version.as_json()
        filled = []
        for label, key in DIARY_FIELDS:
            value = data[key]
            text = ", ".join(value) if isinstance(value, list) else value
            if text:
                filled.append((label, str(text)))
        views.append(
            DiaryVersionView(
                version=version.version,
                recorded_at=version.recorded_at,
                when=format_when(data["occurred_local"], data["precision"], data["zone"]),
                fields=tuple(filled),
                change_note=data["change_note"],
                redacted=data["redacted"],
            )
        )
    return DiaryEntryView(label=f"D{versions[0].number}", versions=tuple(views))


def _impacts(diary: Sequence[Sequence[DiaryVersion]]) -> list[Impact]:
    """The newest words on impact of each entry: a correction replaces what it corrects here, while the
    diary section still shows every version."""
    found = []
    for versions in diary:
        data = versions[-1].as_json()
        if data["impact"] and not data["redacted"]:
            when = format_when(data["occurred_local"], data["precision"], data["zone"])
            found.append(Impact(data["label"], when, data["impact"]))
    return found


def _summary(analysis: Analysis) -> Summary:
    data = analysis.to_json()
    return Summary(
        lines=tuple(data["summary"]),
        events=int(data["events"]),
        behaviours=tuple((item["label"], int(item["events"])) for item in data["behaviours"]),
        channels=tuple((item["channel"], int(item["count"])) for item in data["channels"]["used"]),
        escalation=analysis.escalation.describe(),
        four=tuple(data["four"]),
        disclaimer=data["disclaimer"],
    )


def _charts(analysis: Analysis) -> tuple[Chart, ...]:
    """The analysis charts as SVG (vector, sharp at any zoom), embedded so nothing is fetched."""
    if not int(analysis.conduct.sum()):
        return ()
    with tempfile.TemporaryDirectory(prefix="stalkproof-charts-") as folder:
        paths = write_charts(analysis, Path(folder), formats=("svg",))
        return tuple(
            Chart(path.stem, "data:image/svg+xml;base64," + base64.b64encode(path.read_bytes()).decode())
            for path in paths
        )


def _law(vault: Vault, case_id: str, code: str) -> dict[str, Any]:
    result = case_law_view(vault, case_id, load_jurisdiction(code))
    data = result.view.to_json()
    for offence in data["offences"]:
        for element in offence["elements"]:
            element["status_words"] = STATUS_WORDS[element["status"]]
            element["event_labels"] = [result.labels.get(event, event) for event in element["events"]]
    return data


def _risk(vault: Vault, case_id: str) -> dict[str, Any]:
    saved = store.latest(vault, case_id, store.SCREENING)
    if saved is None:
        return {}
    screening = store.as_screening(saved)
    return {
        "title": screening.title,
        "saved": saved.created_at,
        "version": saved.version,
        "level": screening.level,
        "reasons": [reason.text for reason in screening.reasons],
        "actions": screening.actions,
        "unknowns": [unknown.text for unknown in screening.unknowns],
        "disclaimer": screening.disclaimer,
    }
