"""A check's findings kept in the case: the report and inputs as exhibits, findings as timeline events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from conftest import VaultSetup
from stalkproof.evidence.cases import current_case
from stalkproof.evidence.events import TimelineFilter, timeline
from stalkproof.evidence.exhibits import export_exhibit, list_exhibits
from stalkproof.evidence.findings import FINDING, FindingNote, save_check


def test_findings_become_events_pointing_at_the_kept_report(case_setup: VaultSetup, tmp_path: Path) -> None:
    checked = tmp_path / "packages.txt"
    checked.write_text("package:/data/app/base.apk=com.thetruth installer=null uid:10123\n")
    report: dict[str, Any] = {"check": "device", "alerts": [{"level": "critical", "message": "TheTruthSpy"}]}
    notes = [FindingNote("critical", "TheTruthSpy (stalkerware) is installed.", {"rule": "app_id"})]
    vault = case_setup.open()
    try:
        case = current_case(vault, None)
        saved = save_check(vault, case.id, "device", report, notes, [checked])
        exhibits = {item.ref: item for item in list_exhibits(vault, case.id)}
        assert set(exhibits) == {saved.report_ref, *saved.input_refs}
        assert exhibits[saved.input_refs[0]].original_name == "packages.txt"
        kept = tmp_path / "kept.json"
        with kept.open("wb") as target:
            export_exhibit(vault, case.id, saved.report_ref, target)
        assert orjson.loads(kept.read_bytes()) == report
        with vault.read() as connection:
            rows = timeline(connection, case.id, TimelineFilter(kind=FINDING))
    finally:
        vault.close()
    assert [row["id"] for row in rows] == saved.event_ids
    event = rows[0]
    assert event["text"] == "TheTruthSpy (stalkerware) is installed."
    assert event["channel"] == "device"
    assert saved.report_ref in str(event)


def test_findings_show_in_the_timeline_and_the_vault_still_verifies(case_setup: VaultSetup, cli: Any) -> None:
    vault = case_setup.open()
    try:
        case = current_case(vault, None)
        save_check(vault, case.id, "network", {"check": "network"}, [FindingNote("high", "C2 contact")])
    finally:
        vault.close()
    events = cli("events", "--kind", FINDING, "--json").json()
    assert [event["text"] for event in events] == ["C2 contact"]
    assert cli("verify", "--json").json()["ok"] is True
