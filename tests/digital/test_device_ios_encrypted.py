"""`device check --password` on encrypted iPhone backups, made by encrypting the synthetic plain ones.

Expected, written before the first run: with the right password, exactly the findings (and gaps) of the
plain twin; with a wrong or missing password, one sentence and nothing written anywhere; the decrypted
Manifest.db only ever in a private (0700) temporary folder that is gone when the check ends, even when the
check fails half-way; the report's inputs are the encrypted files as they are on disk.
"""

from __future__ import annotations

import hashlib
import plistlib
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest
from Crypto.Cipher import AES

from digital import ios_encrypted_fixtures as efx
from digital import ios_fixtures as fx
from stalkproof.digital.findings import CheckReport
from stalkproof.digital.indicators.model import IndicatorSet
from stalkproof.digital.indicators.store import load_indicators
from stalkproof.digital.phone.ios import check_ios_backup, is_ios_backup, report
from stalkproof.digital.phone.ios.backup import ENCRYPTED_NO_PASSWORD, open_backup
from stalkproof.digital.phone.ios.decryption import DAMAGED, UNSAFE_KEY_BAG, WRONG_PASSWORD
from stalkproof.digital.phone.ios.files import BackupFile
from stalkproof.errors import InputError


def echap() -> IndicatorSet:
    return load_indicators().indicators


def found(result: CheckReport) -> set[tuple[str, str, str]]:
    return {(alert.module, alert.level, alert.message) for alert in result.alerts}


def tree_digest(root: Path) -> dict[str, str]:
    """Every file and folder under `root`: a listing with each file's SHA-256."""
    return {
        str(path.relative_to(root)): _sha256(path) if path.is_file() else "folder"
        for path in sorted(root.rglob("*"))
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return efx.encrypted_twin(fx.watched_backup, tmp_path_factory.mktemp("watched"))


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where every temporary file goes during the test (ours and the library's), to see what is left."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_fixture_key_wrap_matches_rfc_3394() -> None:
    # RFC 3394 section 4.6: 256 bits of key data wrapped with a 256-bit key.
    kek = bytes.fromhex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
    key = bytes.fromhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
    expected = "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"
    assert efx.aes_key_wrap(kek, key).hex().upper() == expected
    assert AES.new(kek, AES.MODE_KW).unseal(efx.aes_key_wrap(kek, key)) == key


def test_fixture_is_really_encrypted(twins: tuple[Path, Path]) -> None:
    plain, encrypted = twins
    assert is_ios_backup(encrypted)
    assert not (encrypted / "Manifest.db").read_bytes().startswith(b"SQLite format 3")
    history = fx.file_id("HomeDomain", "Library/Safari/History.db")
    assert (plain / history[:2] / history).read_bytes().startswith(b"SQLite format 3")
    assert not (encrypted / history[:2] / history).read_bytes().startswith(b"SQLite format 3")


def test_right_password_gives_the_findings_of_the_plain_backup(
    twins: tuple[Path, Path], scratch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, encrypted = twins
    expected = check_ios_backup(plain, echap())
    result = check_ios_backup(encrypted, echap(), password=efx.PASSWORD)
    assert len(found(expected)) >= 10
    assert found(result) == found(expected)
    assert result.not_checked == expected.not_checked
    assert result.top_level() == "high"
    assert result.details["apps"] == expected.details["apps"]
    assert result.details["configuration_profiles"] == expected.details["configuration_profiles"]
    assert result.details["safari_sites"] == expected.details["safari_sites"] == 5
    # The library's note about sizes differing from Manifest.db must not reach the JSON on stdout.
    assert capsys.readouterr().out == ""
    assert list(scratch.iterdir()) == []


def test_right_password_with_stix2_gives_the_same_exact_matches(
    twins: tuple[Path, Path], tmp_path: Path
) -> None:
    plain, encrypted = twins
    indicators = load_indicators([fx.stalkerware_stix2(tmp_path / "examplespy.stix2")]).indicators
    expected = check_ios_backup(plain, indicators)
    result = check_ios_backup(encrypted, indicators, password=efx.PASSWORD)
    assert found(result) == found(expected)
    assert sum(alert.level == "critical" for alert in result.alerts) == 3


def test_details_say_decrypted_in_memory_and_inputs_are_the_files_on_disk(twins: tuple[Path, Path]) -> None:
    plain, encrypted = twins
    result = check_ios_backup(encrypted, echap(), password=efx.PASSWORD)
    details = result.details
    assert details["encrypted"] is True
    assert details["decrypted_by_stalkproof"] is True
    assert details["decrypted_copy"] is False
    assert "decrypted the files it read in memory" in details["decryption"]
    assert check_ios_backup(plain, echap()).details["decrypted_by_stalkproof"] is False
    read = {Path(item.path).name: item for item in result.inputs}
    history = fx.file_id("HomeDomain", "Library/Safari/History.db")
    assert {"Manifest.plist", "Manifest.db", history} <= set(read)
    for item in result.inputs:
        assert Path(item.path).is_relative_to(encrypted)
        assert item.sha256 == hashlib.sha256(Path(item.path).read_bytes()).hexdigest()
    # The hash is of the encrypted file, not of what it decrypts to.
    assert read[history].sha256 != hashlib.sha256((plain / history[:2] / history).read_bytes()).hexdigest()


def test_the_encrypted_backup_is_never_changed(twins: tuple[Path, Path]) -> None:
    _, encrypted = twins
    before = tree_digest(encrypted)
    check_ios_backup(encrypted, echap(), password=efx.PASSWORD)
    assert tree_digest(encrypted) == before


@pytest.mark.parametrize("password", ["correct horse battery stapler", "", "Correct horse battery staple"])
def test_wrong_password_is_one_sentence_and_writes_nothing(
    twins: tuple[Path, Path], scratch: Path, password: str
) -> None:
    _, encrypted = twins
    before = tree_digest(encrypted.parent)
    with pytest.raises(InputError) as error:
        check_ios_backup(encrypted, echap(), password=password)
    assert str(error.value).endswith(WRONG_PASSWORD)
    assert WRONG_PASSWORD.count(".") == 1
    assert tree_digest(encrypted.parent) == before
    assert list(scratch.iterdir()) == []


def test_no_password_asks_for_it(twins: tuple[Path, Path]) -> None:
    _, encrypted = twins
    with pytest.raises(InputError) as error:
        check_ios_backup(encrypted, echap())
    assert ENCRYPTED_NO_PASSWORD in str(error.value)


def test_decrypted_list_lives_in_a_private_folder_that_goes_even_on_error(
    twins: tuple[Path, Path], scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, encrypted = twins
    seen: list[tuple[str, int]] = []

    def failing_midway(backup: Any) -> Any:
        for path in scratch.rglob("*"):
            seen.append((path.relative_to(scratch).as_posix(), stat.S_IMODE(path.stat().st_mode)))
        raise RuntimeError("a check failed half-way")

    monkeypatch.setattr(report, "installed_apps", failing_midway)
    with pytest.raises(RuntimeError, match="half-way") as error:
        check_ios_backup(encrypted, echap(), password=efx.PASSWORD)
    # The traceback (kept alive here) holds the open backup: removal must not wait for it to be collected.
    assert error.traceback
    folders = [mode for name, mode in seen if "/" not in name]
    copies = [name for name, _ in seen if name.endswith("/Manifest.db")]
    # Ours (stalkproof-ios-…) and the library's working copy, both private to this user.
    assert any(name.startswith("stalkproof-ios-") for name in copies)
    assert len(folders) == 2 and all(mode == 0o700 for mode in folders)
    assert list(scratch.iterdir()) == []


def test_database_with_unsaved_log_is_read_and_its_private_copy_removed(
    tmp_path: Path, scratch: Path
) -> None:
    database, log = efx.history_with_unsaved_visit(tmp_path, "https://cp.mspyonline.com/panel/login")
    builder = fx.BackupBuilder()
    builder.add("HomeDomain", "Library/Safari/History.db", database)
    builder.add("HomeDomain", "Library/Safari/History.db-wal", log)
    plain = builder.write(tmp_path / "plain")
    encrypted = efx.encrypt_backup(plain, tmp_path / "encrypted")
    result = check_ios_backup(encrypted, echap(), password=efx.PASSWORD)
    assert ("ios_safari_history", "high") in {(alert.module, alert.level) for alert in result.alerts}
    assert result.details["safari_sites"] == 2
    assert found(result) == found(check_ios_backup(plain, echap()))
    assert list(scratch.iterdir()) == []


def test_file_that_does_not_decrypt_is_said_not_guessed(tmp_path: Path) -> None:
    _, encrypted = efx.encrypted_twin(fx.watched_backup, tmp_path)
    history = fx.file_id("HomeDomain", "Library/Safari/History.db")
    stored = encrypted / history[:2] / history
    stored.write_bytes(stored.read_bytes()[:-5])  # no longer whole AES blocks
    result = check_ios_backup(encrypted, echap(), password=efx.PASSWORD)
    assert result.details["safari_sites"] is None
    assert any("could not be read" in note and "History.db" in note for note in result.not_checked)
    assert not any(alert.module == "ios_safari_history" for alert in result.alerts)


def test_lookalike_domain_is_not_read_in_place_of_the_file_asked_for(tmp_path: Path) -> None:
    # The library finds files by `domain LIKE ?`, where "_" matches any one character.
    builder = fx.BackupBuilder()
    path = "Library/Preferences/settings.plist"
    builder.add("AppDomain-org.example_app", path, plistlib.dumps({"wanted": True}))
    builder.add("AppDomain-org.exampleXapp", path, plistlib.dumps({"other": True}))
    encrypted = efx.encrypt_backup(builder.write(tmp_path / "plain"), tmp_path / "encrypted")
    with open_backup(encrypted, efx.PASSWORD) as backup:
        lookalike = backup.find("AppDomain-org.exampleXapp", path)
        wanted = backup.find("AppDomain-org.example_app", path)
        assert isinstance(lookalike, BackupFile) and isinstance(wanted, BackupFile)
        assert plistlib.loads(backup.read(lookalike) or b"") == {"other": True}
        assert backup.read(wanted) is None
        assert backup.unreadable == [wanted.describe()]


def test_damaged_or_hostile_key_bag(tmp_path: Path, scratch: Path) -> None:
    plain = fx.clean_backup(tmp_path / "plain")
    hostile = efx.encrypt_backup(plain, tmp_path / "hostile")
    # Far more rounds than any iPhone asks for: a way to keep a reader busy for days.
    efx.restate_iterations(hostile, b"ITER", 10**9)
    with pytest.raises(InputError) as error:
        check_ios_backup(hostile, echap(), password=efx.PASSWORD)
    assert str(error.value).endswith(UNSAFE_KEY_BAG)
    damaged = efx.encrypt_backup(plain, tmp_path / "damaged")
    manifest = plistlib.loads((damaged / "Manifest.plist").read_bytes())
    del manifest["ManifestKey"]
    (damaged / "Manifest.plist").write_bytes(plistlib.dumps(manifest))
    with pytest.raises(InputError) as error:
        check_ios_backup(damaged, echap(), password=efx.PASSWORD)
    assert str(error.value).endswith(DAMAGED)
    # A random Manifest.db under a Manifest.plist with no key bag at all.
    random_bytes = fx.BackupBuilder(encrypted=True).write(tmp_path / "random")
    with pytest.raises(InputError) as error:
        check_ios_backup(random_bytes, echap(), password=efx.PASSWORD)
    assert str(error.value).endswith(DAMAGED)
    assert list(scratch.iterdir()) == []
