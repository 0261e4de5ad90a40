"""RFC 3161 receipts in a pack: checked by the `openssl ts` command VERIFY.txt gives and by `verify_pack`,
including a receipt over an earlier checkpoint, connected to the pack's by a Merkle consistency proof.

The TSA is `openssl ts -reply` run in a temporary folder and handed to `request_timestamps` as its
transport: nothing is sent anywhere, not even to loopback.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from typer.testing import CliRunner

from conftest import VaultSetup
from report.test_pack_bundle import _build, _case
from stalkproof.cli.pack_commands import pack_app
from stalkproof.report.verify_pack import verify_pack
from stalkproof.report.verify_timestamps import check_timestamps
from stalkproof.vault.timestamps import request_timestamps
from test_timestamps import LocalTsa, make_tsa_folder

# Never contacted: the transport below answers instead.
TSA_URL = "https://tsa.example.invalid/tsr"


@pytest.fixture
def tsa(tmp_path: Path) -> LocalTsa:
    """A CA and a TSA certificate with the critical timeStamping EKU, as in tests/test_timestamps.py."""
    folder = make_tsa_folder(tmp_path / "tsa")
    return LocalTsa(folder, TSA_URL, folder / "ca.pem")


def _stamp(setup: VaultSetup, tsa: LocalTsa, with_ca: bool = True) -> int:
    ca_pem = tsa.ca_pem.read_bytes() if with_ca else None
    with setup.open() as vault:
        outcome = request_timestamps(vault, TSA_URL, ca_pem, send=lambda _url, body: tsa.reply(body))
    assert outcome.failure is None and len(outcome.stored) == 1
    return outcome.stored[0].seq


def _ts_commands(pack: Path) -> list[list[str]]:
    text = (pack / "VERIFY.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    return [shlex.split(line) for line in lines if line.startswith("openssl ts -verify")]


def _run(command: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)


@pytest.fixture
def stamped(case_setup: VaultSetup, cli: Any, tsa: LocalTsa, tmp_path: Path) -> tuple[Path, int]:
    _case(cli, tmp_path)
    seq = _stamp(case_setup, tsa)
    out = tmp_path / "pack"
    _build(case_setup, out)
    return out, seq


def test_the_verify_txt_openssl_command_accepts_the_timestamp(stamped: tuple[Path, int]) -> None:
    pack, seq = stamped
    (command,) = _ts_commands(pack)
    assert command == [
        "openssl", "ts", "-verify", "-data", f"timestamps/checkpoint-{seq}.txt",
        "-in", f"timestamps/checkpoint-{seq}.tsr", "-CAfile", "timestamps/tsa-tsa.example.invalid.pem",
    ]  # fmt: skip
    checked = _run(command, pack)
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked.stderr
    text = (pack / "VERIFY.txt").read_text(encoding="utf-8")
    signed = next(line.strip() for line in text.splitlines() if f"checkpoint-{seq}.sig" in line)
    assert "Signature Verified Successfully" in _run(shlex.split(signed), pack).stdout
    assert "existed no later than the time the authority gives" in text
    assert "does not prove: that what the entries record is true" in " ".join(text.split())


def test_verify_pack_reports_the_time_and_the_files_are_ordinary_pack_files(
    stamped: tuple[Path, int],
) -> None:
    pack, seq = stamped
    check = verify_pack(pack)
    assert check.ok, check.problems
    (result,) = check.timestamps
    index = json.loads((pack / "timestamps" / "index.json").read_bytes())
    (record,) = index["receipts"]
    assert result.seq == seq and result.ok and result.trusted
    assert result.time == record["gen_time"] and result.tsa == TSA_URL
    assert check.to_json()["timestamps"] == [
        {"seq": seq, "time": record["gen_time"], "tsa": TSA_URL, "ok": True, "trusted": True}
    ]
    listed = {item["path"] for item in json.loads((pack / "manifest.json").read_bytes())["files"]}
    written = {f"timestamps/{path.name}" for path in (pack / "timestamps").iterdir()}
    assert written == {f"timestamps/checkpoint-{seq}.{suffix}" for suffix in ("tsr", "txt", "sig")} | {
        "timestamps/tsa-tsa.example.invalid.pem",
        "timestamps/index.json",
    }
    assert written <= listed
    assert _run(["sha256sum", "--strict", "-c", "SHA256SUMS"], pack).returncode == 0


def test_a_flipped_byte_in_the_reply_fails_openssl_and_verify_pack(
    stamped: tuple[Path, int], tmp_path: Path
) -> None:
    pack, seq = stamped
    (command,) = _ts_commands(pack)
    reply = pack / "timestamps" / f"checkpoint-{seq}.tsr"
    size = reply.stat().st_size
    for position in (size // 5, size // 2, size - 10):
        copy = tmp_path / f"tampered-{position}"
        shutil.copytree(pack, copy)
        data = bytearray((copy / reply.relative_to(pack)).read_bytes())
        data[position] ^= 0x01
        (copy / reply.relative_to(pack)).write_bytes(bytes(data))
        assert _run(command, copy).returncode != 0, position
        check = verify_pack(copy)
        assert not check.ok and "file_altered" in {problem.kind for problem in check.problems}
        # The receipt's own check fails too, not only the checksums over it.
        assert [result.ok for result in check.timestamps] == [False], position


def test_a_receipt_over_an_earlier_checkpoint_verifies_through_the_consistency_proof(
    case_setup: VaultSetup, cli: Any, tsa: LocalTsa, tmp_path: Path
) -> None:
    _case(cli, tmp_path)
    seq = _stamp(case_setup, tsa)
    added = cli("diary", "add", "--when", "2025-12-06T10:00", "--zone", "Europe/London", "--what", "A call.")
    assert added.code == 0, added.err
    out = tmp_path / "later-pack"
    _build(case_setup, out)
    index = json.loads((out / "timestamps" / "index.json").read_bytes())
    (record,) = index["receipts"]
    assert record["seq"] == seq < index["checkpoint_seq"]
    assert record["tree_size"] < index["tree_size"] and record["consistency_proof"]
    check = verify_pack(out)
    assert check.ok, check.problems
    assert [(result.seq, result.ok) for result in check.timestamps] == [(seq, True)]
    (command,) = _ts_commands(out)
    assert _run(command, out).returncode == 0

    # A proof that does not connect the two trees is caught (checked here past the signed manifest).
    record["consistency_proof"][0] = "00" * 32
    (out / "timestamps" / "index.json").write_text(json.dumps(index), encoding="utf-8")
    problems: list[tuple[str, str, str]] = []
    results = check_timestamps(out, _public_key(out), None, lambda *problem: problems.append(problem))
    assert [result.ok for result in results] == [False]
    assert [problem[0] for problem in problems] == ["timestamp_not_connected"]


def test_a_receipt_without_a_ca_is_checked_for_content_and_verify_txt_says_where_to_get_one(
    case_setup: VaultSetup, cli: Any, tsa: LocalTsa, tmp_path: Path
) -> None:
    _case(cli, tmp_path)
    _stamp(case_setup, tsa, with_ca=False)
    out = tmp_path / "pack"
    _build(case_setup, out)
    check = verify_pack(out)
    assert check.ok and [(result.ok, result.trusted) for result in check.timestamps] == [(True, False)]
    (command,) = _ts_commands(out)
    assert command[-1] == "AUTHORITY-CA.pem" and not list((out / "timestamps").glob("*.pem"))
    assert _run(command, out).returncode != 0
    # What the reader fetches from the authority, kept outside the pack as VERIFY.txt says.
    assert _run([*command[:-1], str(tsa.ca_pem)], out).returncode == 0
    assert verify_pack(out).ok


def test_a_vault_without_receipts_makes_a_pack_without_timestamps(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _case(cli, tmp_path)
    out = tmp_path / "pack"
    _build(case_setup, out)
    assert not (out / "timestamps").exists()
    check = verify_pack(out)
    assert check.ok and check.timestamps == [] and check.to_json()["timestamps"] == []
    text = (out / "VERIFY.txt").read_text(encoding="utf-8")
    assert "openssl ts" not in text and "Step 4" not in text
    checked = CliRunner().invoke(pack_app, ["verify", str(out), "--json"])
    assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"] is True


def _public_key(pack: Path) -> Any:
    return load_pem_public_key((pack / "vault-public-key.pem").read_bytes())
