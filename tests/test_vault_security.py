"""Confidentiality and access: wrong passphrase, no plaintext on disk, recovery code, passphrase change."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import FAST_KDF, PASSPHRASE, VaultSetup
from stalkproof.errors import VaultError, WrongPassphraseError
from stalkproof.vault.keys import normalise_recovery_code
from stalkproof.vault.vault import Vault

SECRET_TEXT = "Silver hatchback outside the school gates at 15:20"
SECRET_BYTES = b"exhibit-original-bytes-" * 2000


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under the folder with a hash of its bytes, to prove nothing was written."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def filled(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> VaultSetup:
    exhibit = tmp_path / "original.bin"
    exhibit.write_bytes(SECRET_BYTES)
    assert cli("diary", "add", "--when", "2026-03-01T15:20", "--what", SECRET_TEXT).code == 0
    assert cli("exhibit", "add", str(exhibit), "--describe", "the note").code == 0
    return case_setup


def test_wrong_passphrase_is_one_sentence_exit_1_and_writes_nothing(
    filled: VaultSetup, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(filled.path)
    monkeypatch.setenv("STALKPROOF_PASSPHRASE", "not the passphrase")
    for command in (
        ("events", "--json"),
        ("diary", "add", "--when", "2026-03-02", "--what", "x"),
        ("verify",),
    ):
        result = cli(*command)
        assert result.code == 1
        assert result.err == "That passphrase does not open this vault. Nothing was changed.\n"
        assert result.out == ""
    assert snapshot(filled.path) == before


def test_missing_vault_is_one_sentence_exit_1(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STALKPROOF_VAULT", str(tmp_path / "nowhere"))
    monkeypatch.setenv("STALKPROOF_PASSPHRASE", PASSPHRASE)
    result = cli("diary", "list")
    assert result.code == 1
    assert result.err.startswith(f"There is no stalkproof vault at {tmp_path / 'nowhere'}.")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("database_url", ["sqlcipher"], indirect=True)
def test_no_plaintext_in_any_file_of_the_vault(filled: VaultSetup) -> None:
    db = (filled.path / "vault.db").read_bytes()
    assert not db.startswith(b"SQLite format 3"), "vault.db must not be a plain SQLite file"
    for path in filled.path.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            assert SECRET_TEXT.encode() not in raw, path
            assert b"exhibit-original-bytes" not in raw, path
            assert b"CREATE TABLE" not in raw, path


def test_blob_file_names_do_not_reveal_the_sha256(filled: VaultSetup) -> None:
    digest = hashlib.sha256(SECRET_BYTES).hexdigest()
    names = [path.name for path in (filled.path / "blobs").rglob("*.age")]
    assert len(names) == 1
    assert digest not in names[0]


def test_header_holds_no_key_material_in_the_clear(filled: VaultSetup) -> None:
    header = (filled.path / "stalkproof-vault.json").read_text()
    with filled.open() as vault:
        keys = vault.keys
    for secret in (
        keys.database_key.hex(),
        keys.blob_identity,
        keys.signing_key.hex(),
        keys.blob_name_key.hex(),
    ):
        assert secret.lower() not in header.lower()
    assert json.loads(header)["kdf"]["algorithm"] == "argon2id"


def test_recovery_code_unlocks_and_resets_the_passphrase(
    filled: VaultSetup, cli: Any, monkeypatch: Any
) -> None:
    before = {k: v for k, v in snapshot(filled.path).items() if k.startswith("blobs")}
    messy = filled.recovery_code.lower().replace("-", " ").replace("0", "o")
    monkeypatch.delenv("STALKPROOF_PASSPHRASE")
    monkeypatch.setenv("STALKPROOF_RECOVERY_CODE", messy)
    monkeypatch.setenv("STALKPROOF_NEW_PASSPHRASE", "a brand new passphrase")
    changed = cli("passphrase", "change", "--recovery", "--json")
    assert changed.code == 0, changed.err
    assert changed.json() == {"ok": True}
    monkeypatch.delenv("STALKPROOF_RECOVERY_CODE")
    monkeypatch.setenv("STALKPROOF_PASSPHRASE", PASSPHRASE)
    assert cli("events", "--json").code == 1  # the old passphrase no longer opens it
    monkeypatch.setenv("STALKPROOF_PASSPHRASE", "a brand new passphrase")
    assert [e["text"] for e in cli("events", "--json").json()] == [SECRET_TEXT]
    assert cli("verify", "--json").json()["ok"] is True
    after = {k: v for k, v in snapshot(filled.path).items() if k.startswith("blobs")}
    assert after == before, "changing the passphrase must not re-encrypt or touch stored files"


def test_passphrase_change_with_current_passphrase(filled: VaultSetup) -> None:
    with filled.open() as vault:
        vault.change_passphrase("another good passphrase")
    with pytest.raises(WrongPassphraseError):
        Vault.unlock(filled.path, passphrase=PASSPHRASE, database_url=filled.database_url)
    Vault.unlock(filled.path, passphrase="another good passphrase", database_url=filled.database_url).close()
    Vault.unlock(filled.path, recovery_code=filled.recovery_code, database_url=filled.database_url).close()


def test_a_new_recovery_code_replaces_the_old_one(filled: VaultSetup, cli: Any) -> None:
    result = cli("passphrase", "new-recovery-code", "--json")
    assert result.code == 0, result.err
    new_code = result.json()["recovery_code"]
    assert new_code != filled.recovery_code
    with pytest.raises(WrongPassphraseError):
        Vault.unlock(filled.path, recovery_code=filled.recovery_code, database_url=filled.database_url)
    Vault.unlock(filled.path, recovery_code=new_code, database_url=filled.database_url).close()
    Vault.unlock(filled.path, passphrase=PASSPHRASE, database_url=filled.database_url).close()
    assert new_code not in (filled.path / "stalkproof-vault.json").read_text()


def test_recovery_code_shape_is_checked() -> None:
    with pytest.raises(WrongPassphraseError):
        normalise_recovery_code("1234")


def test_short_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="at least 8 characters"):
        Vault.create(tmp_path / "v", "short", kdf=FAST_KDF)
    assert not (tmp_path / "v").exists()


def test_init_refuses_a_folder_with_files(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "holiday.jpg").write_bytes(b"x")
    monkeypatch.setenv("STALKPROOF_VAULT", str(tmp_path / "v"))
    monkeypatch.setenv("STALKPROOF_PASSPHRASE", PASSPHRASE)
    result = cli("init")
    assert result.code == 1 and "already has files in it" in result.err
    assert [p.name for p in (tmp_path / "v").iterdir()] == ["holiday.jpg"]


def test_init_prints_vault_and_recovery_code(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STALKPROOF_VAULT", str(tmp_path / "v"))
    monkeypatch.setenv("STALKPROOF_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("STALKPROOF_DATABASE_URL", raising=False)
    result = cli("init", "--json")
    assert result.code == 0
    data = result.json()
    assert data["vault"] == str(tmp_path / "v")
    Vault.unlock(tmp_path / "v", recovery_code=data["recovery_code"]).close()
    mode = (tmp_path / "v" / "vault.db").stat().st_mode & 0o777
    assert mode == 0o600


def test_vault_files_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    import os

    previous = os.umask(0o022)
    try:
        Vault.create(tmp_path / "v", PASSPHRASE, kdf=FAST_KDF)[0].close()
    finally:
        os.umask(previous)
    assert (tmp_path / "v").stat().st_mode & 0o777 == 0o700
    for path in (tmp_path / "v").iterdir():
        assert path.stat().st_mode & 0o077 == 0, path
