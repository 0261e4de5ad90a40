"""Shared fixtures. Every vault test runs twice: on the embedded SQLCipher file and on PostgreSQL.

PostgreSQL tests need a server: set STALKPROOF_TEST_POSTGRES to an admin URL (`.ci/run` does). Without one
they are skipped, except under CI=true, where a missing server is a failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from stalkproof.cli.main import main
from stalkproof.vault.keys import KdfParams
from stalkproof.vault.vault import Vault

# Argon2id at its cheapest: only tests may use it, through this fixture module.
FAST_KDF = KdfParams(time_cost=1, memory_cost_kib=1024, parallelism=1)
PASSPHRASE = "test passphrase for a fictional vault"
POSTGRES_ENV = "STALKPROOF_TEST_POSTGRES"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    reason = f"PostgreSQL tests need {POSTGRES_ENV}"
    if url:
        try:
            import psycopg

            psycopg.connect(url, autocommit=True, connect_timeout=5).close()
            return url
        except psycopg.Error as error:
            reason = f"PostgreSQL at {POSTGRES_ENV} is not reachable: {error}"
    if IN_CI:
        pytest.fail(reason + " (CI=true: the server tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    return _postgres_admin_url()


@pytest.fixture(params=["sqlcipher", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for the embedded vault, else the URL of a fresh, empty PostgreSQL database."""
    if request.param == "sqlcipher":
        yield None
        return
    import psycopg

    admin = request.getfixturevalue("postgres_admin")
    name = f"stalkproof_test_{secrets.token_hex(6)}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = psycopg.conninfo.conninfo_to_dict(admin)
    base["dbname"] = name
    yield "postgresql://?" + "&".join(f"{key}={value}" for key, value in base.items() if value is not None)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class VaultSetup:
    path: Path
    passphrase: str
    recovery_code: str
    database_url: str | None

    def open(self) -> Vault:
        return Vault.unlock(self.path, passphrase=self.passphrase, database_url=self.database_url)

    def env(self) -> dict[str, str]:
        values = {"STALKPROOF_VAULT": str(self.path), "STALKPROOF_PASSPHRASE": self.passphrase}
        if self.database_url:
            values["STALKPROOF_DATABASE_URL"] = self.database_url
        return values


@pytest.fixture
def vault_setup(tmp_path: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch) -> VaultSetup:
    """A new vault with fast key stretching, and the environment pointing the CLI at it."""
    path = tmp_path / "vault"
    vault, code = Vault.create(path, PASSPHRASE, kdf=FAST_KDF, database_url=database_url)
    vault.close()
    setup = VaultSetup(path, PASSPHRASE, code, database_url)
    monkeypatch.delenv("STALKPROOF_DATABASE_URL", raising=False)
    for key, value in setup.env().items():
        monkeypatch.setenv(key, value)
    return setup


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        import json

        return json.loads(self.out)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """Run the command line in this process: `cli("diary", "list", "--json")` → Result."""

    def run(*args: str) -> Result:
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def case_setup(vault_setup: VaultSetup, cli: Any) -> VaultSetup:
    """A vault with one case in use."""
    assert cli("case", "new", "Fictional case", "--json").code == 0
    return vault_setup


@contextmanager
def direct_sql(setup: VaultSetup) -> Iterator[Any]:
    """A plain DB-API connection that bypasses stalkproof, as someone tampering would use."""
    if setup.database_url:
        import psycopg

        with psycopg.connect(setup.database_url.replace("postgresql://", "postgresql://", 1)) as connection:
            yield connection
            connection.commit()
        return
    import sqlcipher3

    with setup.open() as vault:
        key, cipher = vault.keys.database_key.hex(), vault.header.database_cipher
    connection = sqlcipher3.connect(str(setup.path / "vault.db"))
    connection.execute(f"PRAGMA key = \"x'{key}'\"")
    for pragma in cipher.pragmas():
        connection.execute(pragma)
    try:
        yield connection
        connection.commit()
    finally:
        connection.close()


def write_yaml(path: Path, data: Any) -> Path:
    """A data file as a reviewer would write it (keys in order, text as typed), for tests that break one."""
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
