"""Schema migrations: the Alembic head builds exactly the tables the code defines, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from conftest import VaultSetup
from stalkproof.vault import migrate
from stalkproof.vault.schema import metadata


def test_head_matches_the_models(vault_setup: VaultSetup) -> None:
    with vault_setup.open() as vault, vault.read() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_the_head_named_in_code_is_the_newest_migration_script() -> None:
    assert migrate.head_revision() == migrate.HEAD


def test_reopening_does_not_migrate_again(vault_setup: VaultSetup) -> None:
    with vault_setup.open() as vault, vault.read() as connection:
        assert not migrate.pending(connection)
