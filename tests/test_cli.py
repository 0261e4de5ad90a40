"""The command-line contract: commands exist with help, JSON shapes, exit codes, one-sentence errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conftest import VaultSetup

COMMANDS = [
    ("init",), ("passphrase", "change"), ("case", "new"), ("case", "list"), ("case", "use"), ("party", "add"),
    ("party", "list"), ("diary", "add"), ("diary", "amend"), ("diary", "list"), ("diary", "show"),
    ("diary", "redact"), ("exhibit", "add"), ("exhibit", "list"), ("exhibit", "export"), ("events",),
    ("verify",), ("export-key",), ("demo",), ("passphrase", "new-recovery-code"), ("guide",), ("referrals",),
    ("law",), ("triage",), ("risk", "questions"), ("risk", "screen"), ("risk", "history"), ("safety-plan",),
    ("import",), ("imports", "list"), ("imports", "show"), ("party", "link"), ("party", "accounts"),
    ("analyse",), ("flags",), ("media", "scan"), ("media", "strip"), ("device", "check"),
    ("network", "check"), ("accounts", "check"), ("computer", "check"), ("indicators", "list"),
    ("indicators", "update"), ("pack", "build"), ("pack", "verify"),
    ("exhibit", "redact"), ("timestamp", "request"), ("timestamp", "queue"), ("timestamp", "list"),
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(cli: Any, command: tuple[str, ...]) -> None:
    result = cli(*command, "--help")
    assert result.code == 0
    assert "Usage:" in result.out


def test_contract_commands_are_documented(cli: Any) -> None:
    reference = (Path(__file__).parents[1] / "docs" / "cli.md").read_text()
    for command in COMMANDS:
        assert f"stalkproof {' '.join(command)}" in reference, command


def test_usage_error_exits_2(cli: Any) -> None:
    assert cli("diary", "add", "--no-such-option").code == 2
    assert cli("no-such-command").code == 2


def test_case_and_party_json_shapes(vault_setup: VaultSetup, cli: Any) -> None:
    case = cli("case", "new", "Case A", "--json").json()
    assert set(case) >= {"id", "name", "created_at"}
    cli("case", "new", "Case B")
    assert [c["name"] for c in cli("case", "list", "--json").json()] == ["Case A", "Case B"]
    assert cli("case", "use", case["id"][:6], "--json").json()["id"] == case["id"]
    party = cli("party", "add", "J", "--role", "suspect", "--account", "whatsapp:+447700900666",
                "--account", "email:j@example.org", "--json").json()  # fmt: skip
    assert party["role"] == "suspect"
    assert party["accounts"] == [{"platform": "email", "identifier": "j@example.org"},
                                 {"platform": "whatsapp", "identifier": "+447700900666"}]  # fmt: skip
    assert cli("party", "list", "--json").json() == [party]
    assert cli("party", "list", "--case", "Case B", "--json").json() == []


def test_several_cases_need_a_choice(vault_setup: VaultSetup, cli: Any) -> None:
    cli("case", "new", "Case A")
    cli("case", "new", "Case B")
    cli("diary", "add", "--when", "2026-03-01", "--what", "in B")
    assert [e["what"] for e in cli("diary", "list", "--json").json()] == ["in B"]
    assert cli("diary", "list", "--case", "Case A", "--json").json() == []


def test_exhibit_add_json_and_bad_file(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    file = tmp_path / "screenshot.png"
    file.write_bytes(b"\x89PNG fake")
    added = cli("exhibit", "add", str(file), "--describe", "his message", "--json").json()
    assert set(added) >= {"ref", "sha256", "size"} and added["ref"] == "EX-001" and added["size"] == 9
    again = cli("exhibit", "add", str(file), "--ref", "AB/1", "--json").json()
    assert again["sha256"] == added["sha256"] and again["ref"] == "AB/1"
    assert len(list((case_setup.path / "blobs").rglob("*.age"))) == 1, "same bytes are stored once"
    missing = cli("exhibit", "add", str(tmp_path / "nope.png"))
    assert missing.code == 1
    assert missing.err == f"{tmp_path / 'nope.png'}: no such file (or it is a folder).\n"


def test_events_json_shape_and_filters(case_setup: VaultSetup, cli: Any) -> None:
    party = cli("party", "add", "J", "--role", "suspect", "--json").json()
    cli("diary", "add", "--when", "2026-03-01T10:00Z", "--what", "about J", "--party", party["id"])
    cli("diary", "add", "--when", "2026-03-02T10:00Z", "--what", "not about J", "--platform", "sms")
    events = cli("events", "--json").json()
    assert len(events) == 2
    contract = {"id", "occurred_at", "precision", "channel", "kind", "sender", "recipients", "text", "source"}
    assert set(events[0]) >= contract | {"flags"}
    assert set(events[0]["source"]) == {"file", "line", "sha256"}
    assert [e["text"] for e in cli("events", "--party", party["id"], "--json").json()] == ["about J"]
    assert [e["text"] for e in cli("events", "--channel", "sms", "--json").json()] == ["not about J"]


def test_json_output_is_only_json(case_setup: VaultSetup, cli: Any) -> None:
    result = cli("diary", "add", "--when", "2026-03-01", "--what", "x", "--json")
    assert re.fullmatch(r"\{.*\}\n", result.out, re.S)
