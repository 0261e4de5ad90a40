"""The demo's digital checks: Sam's phone checked at the helpline, its findings saved into the case."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from stalkproof.digital.findings import level_rank
from stalkproof.digital.indicators.store import load_indicators
from stalkproof.digital.phone.check import check_device
from stalkproof.evidence.findings import FindingNote, save_check
from stalkproof.vault.vault import Vault


def check_phone(vault: Vault, case_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run `device check` on the scenario's app list and keep the report, the list and the findings."""
    with tempfile.TemporaryDirectory(prefix="stalkproof-demo-") as folder:
        listing = Path(folder) / spec["file"]
        listing.write_text(spec["content"], encoding="utf-8")
        report = check_device(listing, load_indicators().indicators)
        notes = [
            FindingNote(alert.level, alert.message, {"alert": alert.to_json()})
            for alert in report.sorted_alerts()
            if level_rank(alert.level) >= level_rank("low")
        ]
        saved = save_check(vault, case_id, report.check, report.to_json(), notes, [listing])
    return {
        "kind": "device check",
        "verdict": report.verdict().headline,
        "alerts": dict(Counter(alert.level for alert in report.alerts)),
        "report exhibit": saved.report_ref,
        "findings on the timeline": len(saved.event_ids),
    }
