"""The demo case: built end to end through the real services, including imports of real export formats."""

from __future__ import annotations

from pathlib import Path

from conftest import FAST_KDF
from stalkproof.demo.build import build_demo
from stalkproof.evidence.events import TimelineFilter, timeline
from stalkproof.evidence.parties import list_accounts
from stalkproof.vault.vault import Vault


def test_the_demo_imports_a_chat_an_sms_backup_and_a_mailbox_into_one_timeline(tmp_path: Path) -> None:
    result = build_demo(tmp_path / "demo", kdf=FAST_KDF)
    imports = {item["source"]: item for item in result.outputs if item["kind"] == "import"}
    assert set(imports) == {"whatsapp", "sms_backup", "email"}
    assert all(item["records"] > 0 and item["exhibit"] for item in imports.values())
    (verified,) = [item for item in result.outputs if item["kind"] == "verify"]
    assert verified["ok"] is True
    with Vault.unlock(result.vault, passphrase=result.passphrase) as vault:
        with vault.read() as connection:
            rows = timeline(connection, result.case_id, TimelineFilter())
        accounts = list_accounts(vault, result.case_id)
    assert {"whatsapp", "sms", "email", "diary"} <= {row["channel"] or row["kind"] for row in rows}
    suspect = "Alex Morgan (former partner)"
    used = {(a.platform, a.identifier) for a in accounts if a.party == suspect and a.events}
    expected = {("whatsapp", "Alex Morgan"), ("sms", "+447700900666"), ("email", "alex.m.2026@example.net")}
    assert expected <= used


def test_the_demo_shows_the_escalation_the_flags_and_the_charts(tmp_path: Path) -> None:
    result = build_demo(tmp_path / "demo", kdf=FAST_KDF)
    (analysis,) = [item for item in result.outputs if item["kind"] == "analysis"]
    assert analysis["escalating"] is True, analysis["escalation"]
    assert {"threat", "surveillance", "stop_request"} <= set(analysis["flags"])
    assert {"Repeated", "Unwanted"} <= set(analysis["four"])
    charts = [Path(path) for path in analysis["charts"]]
    names = ("activity", "time-of-day", "channels", "accounts")
    assert sorted(path.name for path in charts) == sorted(
        f"{n}.{ext}" for n in names for ext in ("png", "svg")
    )
    assert all(path.stat().st_size > 1000 for path in charts)
    (screening,) = [item for item in result.outputs if item["kind"] == "risk screening"]
    assert screening["level"] == "high"


def test_the_demo_checks_sams_phone_and_keeps_the_findings(tmp_path: Path) -> None:
    result = build_demo(tmp_path / "demo", kdf=FAST_KDF)
    (checked,) = [item for item in result.outputs if item["kind"] == "device check"]
    assert checked["verdict"].startswith("Known spying software")
    assert checked["alerts"]["critical"] == 1
    with Vault.unlock(result.vault, passphrase=result.passphrase) as vault, vault.read() as connection:
        findings = timeline(connection, result.case_id, TimelineFilter(kind="finding"))
    assert len(findings) == checked["findings on the timeline"] >= 1
    assert any("TheTruthSpy" in (row["text"] or "") for row in findings)


def test_the_demo_cleans_the_location_from_a_photo(tmp_path: Path) -> None:
    result = build_demo(tmp_path / "demo", kdf=FAST_KDF)
    (photo,) = [item for item in result.outputs if item["kind"] == "photo check"]
    assert "Keswick" in photo["reveals"]
    assert photo["verified"] is True and photo["location left"] is False
    assert Path(photo["cleaned copy"]).parent == tmp_path / "demo" / "cleaned"


def test_the_demo_ends_with_a_verified_evidence_pack(tmp_path: Path) -> None:
    result = build_demo(tmp_path / "demo", kdf=FAST_KDF)
    pack = result.outputs[-1]
    assert pack["kind"] == "evidence pack" and pack["verified"] is True
    assert Path(pack["pdf"]).stat().st_size > 10_000
    assert (Path(pack["folder"]) / "VERIFY.txt").is_file()
