"""Keeping what a digital check found in the case: which findings go on the timeline, which files become
exhibits. The command line (`--save`) and the web page save the same way."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stalkproof.digital.findings import CheckReport, Level, level_rank
from stalkproof.digital.media.scan import ScanResult
from stalkproof.digital.media.summary import revealing
from stalkproof.evidence.findings import FindingNote, SavedCheck, save_check
from stalkproof.vault.vault import Vault

SAVED_FROM: Level = "low"  # informational notes stay in the saved report but are not put on the timeline


def save_report(
    vault: Vault, case_id: str, report: CheckReport, data: dict[str, Any], inputs: Sequence[Path] = ()
) -> SavedCheck:
    """Keep a check's report (`data`, its JSON) as an exhibit, each finding worth a look as an event, and
    `inputs` (the files it read) as exhibits when given."""
    notes = [
        FindingNote(alert.level, alert.message, {"alert": alert.to_json()})
        for alert in report.sorted_alerts()
        if level_rank(alert.level) >= level_rank(SAVED_FROM)
    ]
    return save_check(vault, case_id, report.check, data, notes, inputs)


def save_media_scan(
    vault: Vault, case_id: str, results: Sequence[ScanResult], data: list[dict[str, Any]]
) -> SavedCheck:
    """Files that reveal a place or a person become exhibits; what each reveals becomes a finding event."""
    kept = revealing(results)
    notes = [
        FindingNote(
            "medium" if result.reveals_location else "low",
            f"{result.path.name}: {result.findings[0] if result.findings else 'metadata found'}",
            {"path": str(result.path), "sha256": result.sha256},
        )
        for result in kept
    ]
    report = {"check": "media", "results": data}
    return save_check(vault, case_id, "media", report, notes, [result.path for result in kept])
