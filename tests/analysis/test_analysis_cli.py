"""`analyse`, `flags` and the timeline's flag filter and CSV, end to end through the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from conftest import VaultSetup

CHAT = """\
01/12/2025, 19:02 - Alex Morgan: Hi Sam
01/12/2025, 19:05 - Sam Carter: Please stop contacting me.
02/12/2025, 23:10 - Alex Morgan: I saw you at the station this morning in your blue coat
03/12/2025, 08:00 - Alex Morgan: If you go to the police I will kill you
04/12/2025, 12:00 - Alex Morgan: I'll kill it at the gym today haha
"""


def _story(cli: Any, folder: Path) -> None:
    chat = folder / "WhatsApp Chat with Alex Morgan.txt"
    chat.write_text(CHAT, encoding="utf-8")
    assert (
        cli("party", "add", "Sam Carter", "--role", "subject", "--account", "whatsapp:Sam Carter").code == 0
    )
    assert (
        cli("party", "add", "Alex Morgan", "--role", "suspect", "--account", "whatsapp:Alex Morgan").code == 0
    )
    result = cli("import", str(chat), "--zone", "Europe/London", "--date-order", "dmy", "--json")
    assert result.code == 0, result.err


def test_flags_list_each_flag_with_its_reason_and_rule(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _story(cli, tmp_path)
    items = cli("flags", "--json").json()
    assert {"event_id", "label", "score", "reason", "rule"} <= set(items[0])
    labels = {item["label"] for item in items}
    assert {"threat", "surveillance", "stop_request"} <= labels
    threats = [item for item in items if item["label"] == "threat"]
    assert len(threats) == 1 and "kill you" in threats[0]["matched"]
    only = cli("flags", "--label", "threat", "--json").json()
    assert only == threats
    assert cli("flags", "--label", "nonsense").code == 1


def test_the_timeline_filters_by_flag_and_prints_csv(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _story(cli, tmp_path)
    flagged = cli("events", "--flag", "threat", "--json").json()
    assert [item["text"] for item in flagged] == ["If you go to the police I will kill you"]
    assert flagged[0]["flags"][0]["label"] == "threat"
    rows = list(csv.DictReader(io.StringIO(cli("events", "--csv").out)))
    assert len(rows) == 5
    assert rows[3]["flags"] == "threat" and rows[3]["sender"] == "whatsapp:Alex Morgan"


def test_analyse_prints_the_contract_json_and_draws_charts(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _story(cli, tmp_path)
    result = cli("analyse", "--json", "--charts", str(tmp_path / "charts"))
    assert result.code == 0, result.err
    data = result.json()
    assert {
        "summary",
        "rates",
        "escalation",
        "time_of_day",
        "channels",
        "accounts",
        "four",
        "behaviours",
    } <= set(data)
    assert data["events"] == 4
    assert data["after_stop"]["contacts_after"] == 3
    assert data["flags"]["threat"] == 1
    assert sorted(Path(path).name for path in data["charts"]) == sorted(
        f"{name}.{ext}"
        for name in ("activity", "time-of-day", "channels", "accounts")
        for ext in ("png", "svg")
    )
    shown = cli("analyse")
    assert shown.code == 0 and "FOUR" in shown.out


def test_risk_screen_uses_what_the_evidence_shows(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    _story(cli, tmp_path)
    answers = tmp_path / "answers.yaml"
    answers.write_text("", encoding="utf-8")
    data = cli("risk", "screen", "--answers", str(answers), "--json").json()
    topics = {signal["topic"] for signal in data["signals"]}
    assert {"threats_kill", "contact_after_stop"} <= topics


def test_a_date_alone_in_since_and_until_means_the_whole_day(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _story(cli, tmp_path)
    texts = [
        item["text"]
        for item in cli("events", "--since", "2025-12-02", "--until", "2025-12-03", "--json").json()
    ]
    assert texts == [
        "I saw you at the station this morning in your blue coat",
        "If you go to the police I will kill you",
    ]


def test_events_from_accounts_nobody_is_marked_for_are_pointed_out(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    chat = tmp_path / "WhatsApp Chat with Unknown.txt"
    chat.write_text("01/12/2025, 19:02 - +44 7700 900111: who is this\n", encoding="utf-8")
    _story(cli, tmp_path)
    assert cli("import", str(chat), "--zone", "Europe/London", "--date-order", "dmy").code == 0
    data = cli("analyse", "--json").json()
    assert data["unmarked_events"] == 1
    assert any("nobody is marked for" in line for line in data["summary"])
    assert {item["span_of"] for item in cli("flags", "--json").json()} == {"text"}


def test_an_amended_diary_entry_is_analysed_once_as_its_newest_version(
    case_setup: VaultSetup, cli: Any
) -> None:
    alex = cli("party", "add", "Alex", "--role", "suspect", "--json").json()["id"]
    what = ("--when", "2026-01-05 08:15", "--what", "He was outside.", "--behaviour", "loiter")
    added = cli("diary", "add", *what, "--party", alex)
    assert added.code == 0, added.err
    amended = cli(
        "diary", "amend", "D1", "--what", "He was outside and said he would kill me.", "--note", "more"
    )
    assert amended.code == 0, amended.err
    data = cli("analyse", "--json").json()
    assert data["events"] == 1
    assert data["flags"] == {"threat": 1}  # the newest text, once
