"""The diary: entries, versions that never overwrite, withdrawal as a recorded redaction."""

from __future__ import annotations

from typing import Any

from conftest import VaultSetup


def test_add_then_list_returns_entry_with_its_fields(case_setup: VaultSetup, cli: Any) -> None:
    added = cli(
        "diary",
        "add",
        "--when",
        "2026-03-01T15:20:00+00:00",
        "--what",
        "He was outside the school",
        "--behaviour",
        "loiter",
        "--behaviour",
        "watch_spy",
        "--where",
        "School gates",
        "--impact",
        "I changed my route",
        "--witness",
        "Jo",
        "--json",
    )
    assert added.code == 0, added.err
    assert added.json()["version"] == 1
    entries = cli("diary", "list", "--json").json()
    assert len(entries) == 1
    entry = entries[0]
    assert entry["id"] == added.json()["id"]
    assert entry["what"] == "He was outside the school"
    assert entry["occurred_at"] == "2026-03-01T15:20:00.000000Z"
    assert entry["precision"] == "second"
    assert entry["behaviours"] == ["loiter", "watch_spy"]
    assert entry["witnesses"] == ["Jo"]
    assert entry["label"] == "D1"


def test_amend_keeps_every_version_in_order(case_setup: VaultSetup, cli: Any) -> None:
    entry_id = cli("diary", "add", "--when", "2026-03-01 15:20", "--what", "first words", "--json").json()[
        "id"
    ]
    assert cli("diary", "amend", entry_id, "--what", "second words", "--note", "typo").code == 0
    assert cli("diary", "amend", "D1", "--impact", "could not sleep").code == 0
    shown = cli("diary", "show", entry_id, "--json").json()
    assert shown["id"] == entry_id
    assert [v["version"] for v in shown["versions"]] == [1, 2, 3]
    assert [v["what"] for v in shown["versions"]] == ["first words", "second words", "second words"]
    assert shown["versions"][2]["impact"] == "could not sleep"
    assert shown["versions"][1]["change_note"] == "typo"
    listed = cli("diary", "list", "--json").json()
    assert len(listed) == 1 and listed[0]["version"] == 3
    assert cli("verify", "--json").json()["ok"] is True


def test_amend_with_nothing_to_change_is_refused(case_setup: VaultSetup, cli: Any) -> None:
    cli("diary", "add", "--when", "2026-03-01", "--what", "x")
    result = cli("diary", "amend", "D1")
    assert result.code == 1
    assert "Nothing to change" in result.err


def test_redaction_blanks_words_keeps_record_and_verifies(case_setup: VaultSetup, cli: Any) -> None:
    cli("diary", "add", "--when", "2026-03-01", "--what", "private detail", "--behaviour", "other")
    cli("diary", "amend", "D1", "--what", "more private detail")
    assert cli("diary", "redact", "D1", "--reason", "not for disclosure").code == 0
    shown = cli("diary", "show", "D1", "--json").json()
    assert all(v["what"] is None and v["redacted"] for v in shown["versions"])
    assert shown["versions"][0]["change_note"] == "withdrawn: not for disclosure"
    assert cli("events", "--json").json() == []
    report = cli("verify", "--json")
    assert report.code == 0 and report.json()["ok"] is True
    with case_setup.open() as vault, vault.read() as connection:
        actions = [row[0] for row in connection.exec_driver_sql("SELECT action FROM ledger ORDER BY seq")]
    assert actions.count("redact") == 2


def test_unknown_behaviour_code_is_one_clear_sentence(case_setup: VaultSetup, cli: Any) -> None:
    result = cli("diary", "add", "--when", "2026-03-01", "--what", "x", "--behaviour", "stalking")
    assert result.code == 1
    assert "'stalking' is not a behaviour code" in result.err
    assert "Traceback" not in result.err and result.err.count("\n") == 1


def test_bad_date_names_the_value(case_setup: VaultSetup, cli: Any) -> None:
    result = cli("diary", "add", "--when", "last tuesday", "--what", "x")
    assert result.code == 1
    assert "'last tuesday' is not a date and time" in result.err


def test_linked_exhibit_must_exist(case_setup: VaultSetup, cli: Any) -> None:
    result = cli("diary", "add", "--when", "2026-03-01", "--what", "x", "--exhibit", "EX-404")
    assert result.code == 1 and "EX-404" in result.err
    assert cli("diary", "list", "--json").json() == []


def test_entries_are_listed_in_the_order_they_happened(case_setup: VaultSetup, cli: Any) -> None:
    for when, what in (("2026-03-05", "later"), ("2026-03-01", "earlier"), ("2026-03-03", "middle")):
        cli("diary", "add", "--when", when, "--what", what)
    assert [e["what"] for e in cli("diary", "list", "--json").json()] == ["earlier", "middle", "later"]
    assert [e["text"] for e in cli("events", "--since", "2026-03-02", "--json").json()] == ["middle", "later"]


def test_what_can_come_from_standard_input(case_setup: VaultSetup, cli: Any, monkeypatch: Any) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("Words kept out of shell history\n"))
    assert cli("diary", "add", "--when", "2026-03-01", "--what", "-").code == 0
    assert cli("diary", "list", "--json").json()[0]["what"] == "Words kept out of shell history"
