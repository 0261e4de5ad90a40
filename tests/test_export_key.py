"""A forgotten stalkproof must not mean lost evidence: the standard `age` tool decrypts any stored file."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import IN_CI, VaultSetup


def test_age_decrypts_every_blob_with_the_exported_key(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    if shutil.which("age") is None:
        if IN_CI:
            pytest.fail("the age command is missing (scripts/setup.sh installs it)")
        pytest.skip("the age command is not installed")
    original = tmp_path / "photo.bin"
    original.write_bytes(os.urandom(300_000))
    ref = cli("exhibit", "add", str(original), "--json").json()["ref"]
    key = tmp_path / "vault-key.txt"
    exported = cli("export-key", "--out", str(key), "--json")
    assert exported.code == 0, exported.err
    assert key.stat().st_mode & 0o777 == 0o600
    (blob,) = (case_setup.path / "blobs").rglob("*.age")
    decrypted = tmp_path / "decrypted.bin"
    subprocess.run(["age", "-d", "-i", str(key), "-o", str(decrypted), str(blob)], check=True)
    assert decrypted.read_bytes() == original.read_bytes()
    again = tmp_path / "exported.bin"
    assert cli("exhibit", "export", ref, "--out", str(again)).code == 0
    assert again.read_bytes() == original.read_bytes()


def test_export_key_never_overwrites(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> None:
    existing = tmp_path / "notes.txt"
    existing.write_text("my notes")
    result = cli("export-key", "--out", str(existing))
    assert result.code == 1 and str(existing) in result.err
    assert existing.read_text() == "my notes"
