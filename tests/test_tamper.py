"""Tamper detection: every kind of change made behind stalkproof's back is named by `verify`, exit 3."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import VaultSetup, direct_sql


@pytest.fixture
def evidence(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> VaultSetup:
    """A small case: a suspect with an account, two exhibits, three diary entries (one amended)."""
    for name, content in (("a.txt", b"first original " * 100), ("b.txt", b"second original " * 100)):
        (tmp_path / name).write_bytes(content)
        assert cli("exhibit", "add", str(tmp_path / name)).code == 0
    cli("party", "add", "J", "--role", "suspect", "--account", "whatsapp:+447700900666")
    for day in ("01", "02", "03"):
        assert cli("diary", "add", "--when", f"2026-03-{day}", "--what", f"incident {day}").code == 0
    cli("diary", "amend", "D1", "--what", "incident 01, corrected")
    assert cli("verify", "--json").json()["ok"] is True
    return case_setup


def problems(cli: Any) -> list[dict[str, str]]:
    result = cli("verify", "--json")
    assert result.code == 3, f"verify should find a problem: {result.out} {result.err}"
    report = result.json()
    assert report["ok"] is False
    return list(report["problems"])


def kinds(found: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(p["kind"], p["object"]) for p in found}


def one_value(setup: VaultSetup, sql: str) -> Any:
    with direct_sql(setup) as connection:
        return connection.execute(sql).fetchone()[0]


def run_sql(setup: VaultSetup, sql: str) -> None:
    with direct_sql(setup) as connection:
        connection.execute(sql)


def blob_files(setup: VaultSetup) -> list[Path]:
    return sorted((setup.path / "blobs").rglob("*.age"))


def blob_sha_for(setup: VaultSetup, path: Path) -> str:
    name = path.name.removesuffix(".age")
    return str(one_value(setup, f"SELECT id FROM blobs WHERE storage_name = '{name}'"))


@pytest.mark.parametrize("offset", [0, 100, -1])
def test_flipped_byte_in_any_blob_is_named(evidence: VaultSetup, cli: Any, offset: int) -> None:
    for path in blob_files(evidence):
        original = path.read_bytes()
        data = bytearray(original)
        data[offset] ^= 0x01
        path.write_bytes(bytes(data))
        assert ("blob_altered", f"blob {blob_sha_for(evidence, path)}") in kinds(problems(cli))
        path.write_bytes(original)
    assert cli("verify").code == 0


def test_deleted_blob_file_is_named(evidence: VaultSetup, cli: Any) -> None:
    path = blob_files(evidence)[0]
    sha = blob_sha_for(evidence, path)
    path.unlink()
    assert ("blob_missing", f"blob {sha}") in kinds(problems(cli))


def test_unrecorded_blob_file_is_named(evidence: VaultSetup, cli: Any) -> None:
    source = blob_files(evidence)[0]
    stranger = source.parent / ("ab" * 32 + ".age")
    shutil.copy(source, stranger)
    assert ("blob_unrecorded", f"file {stranger.name}") in kinds(problems(cli))


EDITS = {
    "events": "UPDATE events SET text = 'something else' WHERE number = 2",
    "cases": "UPDATE cases SET name = 'renamed'",
    "exhibits": "UPDATE exhibits SET description = 'swapped' WHERE ref = 'EX-001'",
    "parties": "UPDATE parties SET role = 'witness'",
    "accounts": "UPDATE accounts SET identifier = '+447700900000'",
    "blobs": "UPDATE blobs SET size = size + 1 WHERE id = (SELECT MIN(id) FROM blobs)",
    "attributions": "UPDATE attributions SET note = 'added later'",
}
ROW_OF = {
    "events": "SELECT id FROM events WHERE number = 2",
    "cases": "SELECT id FROM cases",
    "exhibits": "SELECT id FROM exhibits WHERE ref = 'EX-001'",
    "parties": "SELECT id FROM parties",
    "accounts": "SELECT id FROM accounts",
    "blobs": "SELECT MIN(id) FROM blobs",
    "attributions": "SELECT id FROM attributions",
}


@pytest.mark.parametrize("table", sorted(EDITS))
def test_row_edited_through_sql_is_named(evidence: VaultSetup, cli: Any, table: str) -> None:
    row_id = one_value(evidence, ROW_OF[table])
    run_sql(evidence, EDITS[table])
    assert ("row_altered", f"{table} row {row_id}") in kinds(problems(cli))


def test_row_deleted_through_sql_is_named(evidence: VaultSetup, cli: Any) -> None:
    row_id = one_value(evidence, "SELECT id FROM events WHERE number = 3")
    run_sql(evidence, "DELETE FROM events WHERE number = 3")
    assert ("row_missing", f"events row {row_id}") in kinds(problems(cli))


def test_row_inserted_through_sql_is_named(evidence: VaultSetup, cli: Any) -> None:
    run_sql(evidence, "INSERT INTO cases (id, name, created_at) VALUES ('feedfacefeedface', 'x', '2026')")
    assert ("row_unrecorded", "cases row feedfacefeedface") in kinds(problems(cli))


def test_ledger_entry_edited_is_named(evidence: VaultSetup, cli: Any) -> None:
    run_sql(evidence, "UPDATE ledger SET actor = 'someone else' WHERE seq = 5")
    assert ("ledger_entry_altered", "ledger entry 5") in kinds(problems(cli))


def test_ledger_entry_rehashed_breaks_the_chain_and_checkpoint(evidence: VaultSetup, cli: Any) -> None:
    """A careful forger recomputes the entry's own hash; the next entry and the checkpoint still catch it."""
    from stalkproof.vault.ledger import entry_hash

    with direct_sql(evidence) as connection:
        row = connection.execute("SELECT * FROM ledger WHERE seq = 5").fetchone()
        seq, recorded_at, _actor, action, object_type, object_id, payload, prev, _hash = row
        forged = entry_hash(seq, recorded_at, "someone else", action, object_type, object_id, payload, prev)
        connection.execute(f"UPDATE ledger SET actor = 'someone else', entry_hash = '{forged}' WHERE seq = 5")
    found = kinds(problems(cli))
    assert ("ledger_chain_broken", "ledger entry 6") in found
    assert any(kind == "checkpoint_mismatch" for kind, _ in found)


def test_ledger_entry_deleted_is_named(evidence: VaultSetup, cli: Any) -> None:
    run_sql(evidence, "DELETE FROM ledger WHERE seq = 4")
    assert ("ledger_gap", "ledger entries 4-4") in kinds(problems(cli))


def test_truncated_ledger_is_named(evidence: VaultSetup, cli: Any) -> None:
    size = one_value(evidence, "SELECT MAX(seq) FROM ledger")
    run_sql(evidence, f"DELETE FROM ledger WHERE seq > {size - 3}")
    found = problems(cli)
    assert any(p["kind"] == "ledger_truncated" and f"only {size - 3} remain" in p["detail"] for p in found)
    assert sum(p["kind"] == "row_unrecorded" for p in found) >= 1


def test_forged_checkpoint_signature_is_named(evidence: VaultSetup, cli: Any) -> None:
    seq = one_value(evidence, "SELECT MAX(seq) FROM checkpoints")
    run_sql(evidence, f"UPDATE checkpoints SET signature = '{'0' * 128}' WHERE seq = {seq}")
    assert ("checkpoint_signature_invalid", f"checkpoint {seq}") in kinds(problems(cli))


def test_deleted_checkpoint_is_named(evidence: VaultSetup, cli: Any) -> None:
    run_sql(evidence, "DELETE FROM checkpoints WHERE seq = 2")
    assert any(kind == "checkpoint_missing" for kind, _ in kinds(problems(cli)))


def edit_header(setup: VaultSetup, change: Callable[[dict[str, Any]], None]) -> None:
    path = setup.path / "stalkproof-vault.json"
    header = json.loads(path.read_text())
    change(header)
    path.write_text(json.dumps(header))


def test_altered_header_identity_is_named(evidence: VaultSetup, cli: Any) -> None:
    edit_header(evidence, lambda h: h.update(created_at="2020-01-01T00:00:00.000000Z"))
    assert ("header_altered", "vault header") in kinds(problems(cli))


def test_swapped_public_key_in_header_is_refused_with_exit_3(evidence: VaultSetup, cli: Any) -> None:
    edit_header(evidence, lambda h: h["public"].update(ed25519="00" * 32))
    result = cli("verify", "--json")
    assert result.code == 3
    (problem,) = result.json()["problems"]
    assert problem["kind"] == "vault_unreadable"
    assert "does not match the vault's own keys" in problem["detail"]
    assert cli("diary", "list").code == 3


def test_a_healthy_vault_verifies_with_counts(evidence: VaultSetup, cli: Any) -> None:
    report = cli("verify", "--json").json()
    assert report["ok"] is True and report["problems"] == []
    assert report["counts"]["blobs"] == 2
    assert report["counts"]["ledger_entries"] >= 10


@pytest.mark.parametrize("database_url", ["sqlcipher"], indirect=True)
def test_damaged_database_pages_are_reported_with_exit_3(evidence: VaultSetup, cli: Any) -> None:
    """A changed byte in any page of vault.db, even one no query reads, is reported, not missed."""
    path = evidence.path / "vault.db"
    pristine = path.read_bytes()
    page = 4096
    for number in range(1, len(pristine) // page):
        data = bytearray(pristine)
        data[number * page + 100] ^= 0x01
        path.write_bytes(bytes(data))
        result = cli("verify", "--json")
        assert result.code == 3, f"page {number}: {result.err}"
        assert {p["kind"] for p in result.json()["problems"]} & {
            "database_damaged",
            "database_unreadable",
            "vault_unreadable",
        }
    path.write_bytes(pristine)
    assert cli("verify").code == 0
