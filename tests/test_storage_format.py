"""The stored forms others rely on: canonical row bytes, ordered event ids, database settings, upgrades."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import VaultSetup
from stalkproof.errors import VaultError
from stalkproof.evidence.cases import create_case
from stalkproof.evidence.events import EventDraft, add_events
from stalkproof.evidence.ids import new_ordered_ids
from stalkproof.evidence.time import parse_when
from stalkproof.vault import migrate
from stalkproof.vault.database import DatabaseCipher
from stalkproof.vault.ledger import canonical, payload_hash, row_hash
from stalkproof.vault.schema import LATE_COLUMNS, events
from stalkproof.vault.verify import verify_vault

# Lone surrogates cannot be stored as UTF-8 text by any database, so they are not row values.
TEXT_CHARACTERS = st.characters(exclude_categories=["Cs"])
column_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(alphabet=TEXT_CHARACTERS),
)


@given(st.dictionaries(st.text(alphabet=TEXT_CHARACTERS), column_values))
def test_canonical_bytes_are_what_the_standard_library_gives(row: dict[str, Any]) -> None:
    """Anyone can recompute a row hash with `json.dumps`, without stalkproof or orjson."""
    expected = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert canonical(row) == expected


EVENT_LIKE = ("id", "text", "details", "markers", "dedup_key", "text_normalised")


@given(
    st.fixed_dictionaries(
        {name: column_values for name in EVENT_LIKE},
        optional={"zz": column_values, "actions": column_values},
    )
)
def test_an_event_row_is_hashed_without_its_empty_late_columns(row: dict[str, Any]) -> None:
    """Rows written before migration 0003 never had these columns: leaving them out while empty keeps
    those rows' hashes valid. The rule is simple enough to check with the standard library."""
    kept = {key: value for key, value in row.items() if not (key in LATE_COLUMNS["events"] and value is None)}
    expected = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert row_hash("events", row) == hashlib.sha256(expected).hexdigest()
    assert row_hash("cases", row) == payload_hash(row)


def test_ordered_ids_sort_in_creation_order_and_never_repeat() -> None:
    made = [identifier for _ in range(50) for identifier in new_ordered_ids(200)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert all(len(identifier) == 16 and int(identifier, 16) >= 0 for identifier in made)


@pytest.mark.parametrize(("page_size", "hmac"), [(4096, "HMAC_SHA1"), (1000, "HMAC_SHA256"), (8192, "x; --")])
def test_unknown_database_settings_from_a_header_are_refused(page_size: int, hmac: str) -> None:
    with pytest.raises(VaultError, match="database settings"):
        DatabaseCipher(page_size=page_size, hmac=hmac)


def test_a_vault_at_the_first_schema_upgrades_and_still_verifies(vault_setup: VaultSetup) -> None:
    """0002 rebuilds the ledger table on SQLite: every entry, hash and checkpoint must survive it."""
    with vault_setup.open() as vault:
        case = create_case(vault, "upgrade")
        drafts = [
            EventDraft(kind="diary", moment=parse_when(f"2026-01-0{day}"), text=f"day {day}") for day in "123"
        ]
        with vault.write() as writer:
            add_events(writer, case.id, drafts)
        vault.checkpoint()
        with vault.engine.begin() as connection:
            migrate.downgrade(connection, "0001")
            assert migrate.current_revision(connection) == "0001"
    with vault_setup.open() as vault:  # opening upgrades to the head again
        with vault.read() as connection:
            assert not migrate.pending(connection)
            assert connection.execute(events.select()).all()
        report = verify_vault(vault)
    assert report.ok, report.problems
    assert report.counts["rows"] >= 4


def test_bulk_writes_leave_the_garbage_collector_as_they_found_it(vault_setup: VaultSetup) -> None:
    import gc

    with vault_setup.open() as vault:
        case = create_case(vault, "gc")
        with vault.write() as writer:
            add_events(writer, case.id, [EventDraft(kind="diary", moment=parse_when("2026-01-01"))])
        assert gc.isenabled()
        gc.disable()
        try:
            with vault.write() as writer:
                add_events(writer, case.id, [EventDraft(kind="diary", moment=parse_when("2026-01-02"))])
            assert not gc.isenabled()
        finally:
            gc.enable()
