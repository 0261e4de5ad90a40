"""The digital checks through the command line: contract JSON, reports written with --out, findings saved
into the case with --save, and bad input as one sentence with exit code 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import VaultSetup
from digital.accounts_fixtures import google_takeout, intrusion_story
from digital.media_fixtures import jpeg_with_everything
from digital.network_fixtures import scenario_frames, write_pcap
from digital.phone_fixtures import write_androidqf, write_pm_list


def test_computer_check_prints_the_contract_json(cli: Any) -> None:
    result = cli("computer", "check", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert {"alerts", "inputs", "verdict", "checked", "not_checked"} <= set(data)
    assert all({"path", "sha256"} <= set(item) for item in data["inputs"])
    assert "clean" not in data["verdict"]["headline"].lower()


def test_network_check_writes_mvt_style_files_and_saves_findings(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    recording = write_pcap(tmp_path / "phone.pcap", scenario_frames())
    result = cli("network", "check", str(recording), "--out", str(tmp_path / "out"), "--save", "--json")
    assert result.code == 0, result.err
    data = result.json()
    levels = {alert["level"] for alert in data["alerts"]}
    assert "high" in levels
    first = data["alerts"][0]
    assert {"level", "module", "message", "matched_indicator"} <= set(first)
    alerts = json.loads((tmp_path / "out" / "alerts.json").read_text())
    assert {"level", "module", "message", "event_time", "event", "matched_indicator"} == set(alerts[0])
    info = json.loads((tmp_path / "out" / "info.json").read_text())
    assert info["inputs"][0]["sha256"] == data["inputs"][0]["sha256"]
    saved = data["saved"]
    findings = cli("events", "--kind", "finding", "--json").json()
    assert sorted(event["id"] for event in findings) == sorted(saved["events"])
    # Informational notes (a website visit) stay in the saved report, not on the timeline.
    assert len(findings) == sum(alert["level"] != "informational" for alert in data["alerts"])
    exhibits = cli("exhibit", "list", "--json").json()
    assert saved["report"] in {item["ref"] for item in exhibits}


def test_accounts_check_gives_sessions_and_findings(cli: Any, tmp_path: Path) -> None:
    export = google_takeout(tmp_path / "takeout", intrusion_story())
    result = cli("accounts", "check", str(export), "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert {"sessions", "findings", "verdict"} <= set(data)
    assert data["sessions"] and data["findings"]
    assert any(finding["removal_risk"] for finding in data["findings"])


@pytest.mark.parametrize("command", ["network", "accounts"])
def test_a_file_that_is_not_an_export_is_one_sentence(cli: Any, tmp_path: Path, command: str) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("just some words\n")
    result = cli(command, "check", str(junk))
    assert result.code == 1
    assert "notes.txt" in result.err and "Traceback" not in result.err
    assert result.err.strip().count("\n") <= 1


def test_a_missing_path_is_one_sentence(cli: Any, tmp_path: Path) -> None:
    result = cli("network", "check", str(tmp_path / "absent.pcap"))
    assert result.code == 1 and "absent.pcap" in result.err


def test_indicators_list_names_the_shipped_echap_lists(cli: Any) -> None:
    data = cli("indicators", "list", "--json").json()
    echap = data["sources"][0]
    assert echap["name"] == "echap" and echap["counts"]["app_id"] > 600
    assert "CC BY 4.0" in echap["licence"]


def test_indicators_update_offline_changes_nothing(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STALKPROOF_INDICATORS", str(tmp_path / "lists"))
    result = cli("indicators", "update", "--from", "http://127.0.0.1:9/")
    assert result.code == 1 and "Nothing was changed" in result.err
    assert cli("indicators", "list", "--json").json()["sources"][0]["shipped"] is True


def test_device_check_puts_the_safety_note_before_the_findings(cli: Any, tmp_path: Path) -> None:
    acquisition = write_androidqf(tmp_path / "androidqf")
    result = cli("device", "check", str(acquisition))
    assert result.code == 0, result.err
    text = " ".join(result.out.split())
    assert text.index("Before you change anything") < text.index("TheTruthSpy")
    assert "Check whether you agreed to this" in text


def test_device_check_json_and_saving_with_inputs(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    packages = write_pm_list(tmp_path / "packages.txt")
    result = cli("device", "check", str(packages), "--save", "--keep-inputs", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["alerts"][0]["level"] == "critical"
    assert data["inputs"][0]["path"].endswith("packages.txt")
    kept = {item["ref"]: item for item in cli("exhibit", "list", "--json").json()}
    assert set(data["saved"]["inputs"]) <= set(kept)
    assert cli("verify", "--json").json()["ok"] is True


def test_device_check_refuses_what_is_not_a_phone_copy(cli: Any, tmp_path: Path) -> None:
    folder = tmp_path / "holiday"
    folder.mkdir()
    (folder / "notes.txt").write_text("nothing to see\n")
    result = cli("device", "check", str(folder))
    assert result.code == 1 and "holiday" in result.err and "Traceback" not in result.err


def test_media_scan_save_keeps_revealing_files_as_exhibits(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    received = tmp_path / "received"
    received.mkdir()
    jpeg_with_everything(received / "sent-to-me.jpg", 54.6010, -3.1350)
    (received / "notes.txt").write_text("not a photo\n")
    result = cli("media", "scan", str(received), "--evidence", "--save", "--json")
    assert result.code == 0, result.err
    assert isinstance(result.json(), list)  # the contract's shape, even when saving
    assert "Saved in your case" in result.err
    kept = cli("exhibit", "list", "--json").json()
    assert len(kept) == 2  # the report, and the one photo that reveals something
    findings = cli("events", "--kind", "finding", "--json").json()
    assert len(findings) == 1 and "Keswick" in findings[0]["text"]
