"""Saving what a digital check found into the case: report and inputs as exhibits, each finding an event.

A check's findings are evidence in their own right ("stalkerware was on her phone on 3 March"), so they are
kept like everything else: the full JSON report becomes an exhibit, the files the check read can be kept as
exhibits beside it, and every finding worth a look becomes a `finding` event on the timeline that points back
to the report. Nothing here decides what a finding means; the checks did that.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from stalkproof import __version__
from stalkproof.clock import utc_iso
from stalkproof.evidence.events import EventDraft, add_events
from stalkproof.evidence.exhibits import ExhibitDetails, store_exhibit
from stalkproof.evidence.time import Moment
from stalkproof.vault.vault import Vault

FINDING = "finding"

# The shared behaviour each kind of check is evidence of (the law files read these codes).
BEHAVIOUR_OF_CHECK = {
    "device": "monitor_electronic",
    "network": "monitor_electronic",
    "computer": "monitor_electronic",
    "media": "monitor_electronic",
    "accounts": "account_access",
}

CHECK_NAMES = {
    "device": "phone check",
    "network": "network check",
    "computer": "computer check",
    "media": "photo and video location check",
    "accounts": "account sign-in check",
}


@dataclass(frozen=True)
class FindingNote:
    """One finding to put on the timeline: its level and plain message, and the details behind it."""

    level: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SavedCheck:
    report_ref: str
    input_refs: list[str]
    event_ids: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"report": self.report_ref, "inputs": self.input_refs, "events": self.event_ids}


def save_check(
    vault: Vault,
    case_id: str,
    check: str,
    report: dict[str, Any],
    findings: Sequence[FindingNote],
    inputs: Sequence[Path] = (),
) -> SavedCheck:
    """Keep `report` (and `inputs`, when given) as exhibits and add one event per finding, in one
    transaction: either all of it is in the case afterwards, or none of it."""
    now = datetime.now(UTC)
    name = CHECK_NAMES.get(check, f"{check} check")
    with tempfile.TemporaryDirectory(prefix="stalkproof-check-") as folder:
        report_file = Path(folder) / f"{check}-check-{now:%Y%m%dT%H%M%SZ}.json"
        _write_private(report_file, orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        with vault.write() as writer:
            report_exhibit = store_exhibit(
                writer, case_id, report_file, _details(f"Report of the {name}", now)
            )
            kept = [
                store_exhibit(writer, case_id, path, _details(f"File read by the {name}", now)).ref
                for path in inputs
            ]
            drafts = [_finding_event(check, note, now, report_exhibit.ref) for note in findings]
            event_ids = add_events(writer, case_id, drafts)
    return SavedCheck(report_exhibit.ref, kept, event_ids)


def _details(description: str, now: datetime) -> ExhibitDetails:
    return ExhibitDetails(
        description=description,
        captured_by=f"stalkproof {__version__}",
        captured_at=utc_iso(now),
        capture_method="stalkproof digital check",
        source_app="stalkproof",
    )


def _finding_event(check: str, note: FindingNote, now: datetime, report_ref: str) -> EventDraft:
    moment = Moment(
        utc=utc_iso(now), local=now.replace(tzinfo=None).isoformat(), zone="UTC", precision="second"
    )
    behaviour = BEHAVIOUR_OF_CHECK.get(check)
    return EventDraft(
        kind=FINDING,
        moment=moment,
        text=note.message,
        channel=check,
        behaviours=(behaviour,) if behaviour else (),
        how_saved=f"stalkproof {CHECK_NAMES.get(check, check)}",
        exhibit_refs=(report_ref,),
        details={"level": note.level, "check": check, **note.details},
    )


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
