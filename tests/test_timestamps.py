"""RFC 3161 timestamps on checkpoints, against a local TSA made with `openssl ts` and served on 127.0.0.1.

No test reaches the network: the TSA is a tiny http.server on loopback, and an offline TSA is a closed
loopback port.
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from conftest import VaultSetup
from stalkproof.cli.timestamp_commands import timestamp_app
from stalkproof.vault.schema import checkpoints, ledger
from stalkproof.vault.timestamps import (
    checkpoint_hash,
    queued_checkpoints,
    timestamp_receipts,
    verify_receipt,
)
from stalkproof.vault.verify import verify_vault

TSA_CONFIG = """\
[tsa]
default_tsa = tsa_config

[tsa_config]
dir = {dir}
serial = $dir/serial
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
TSA_EXTENSIONS = """\
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
"""


def _openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)


def _make_ca(folder: Path, name: str) -> None:
    made = _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "30", "-subj", f"/CN=Fictional {name}",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr


@dataclass
class LocalTsa:
    folder: Path
    url: str
    ca_pem: Path
    mode: str = "honest"  # or "wrong-imprint": answer with a receipt for some other hash
    queries: list[bytes] = field(default_factory=list)

    def reply(self, query: bytes) -> bytes:
        self.queries.append(query)
        (self.folder / "in.tsq").write_bytes(query)
        if self.mode == "wrong-imprint":
            (self.folder / "other.txt").write_text("some other document")
            made = _openssl(
                "ts", "-query", "-data", "other.txt", "-sha256", "-cert", "-out", "in.tsq", cwd=self.folder
            )
            assert made.returncode == 0, made.stderr
        done = _openssl(
            "ts", "-reply", "-queryfile", "in.tsq", "-config", "tsa.cnf", "-out", "out.tsr", cwd=self.folder
        )
        assert done.returncode == 0, done.stderr
        return (self.folder / "out.tsr").read_bytes()


def make_tsa_folder(folder: Path) -> Path:
    """In `folder`: a CA, a TSA certificate with the critical timeStamping EKU, and the ts config."""
    folder.mkdir()
    _make_ca(folder, "ca")
    (folder / "tsa.ext").write_text(TSA_EXTENSIONS)
    steps = [
        ("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Fictional TSA"),
        ("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
         "-out", "tsa.pem", "-days", "30", "-extfile", "tsa.ext"),
    ]  # fmt: skip
    for step in steps:
        made = _openssl(*step, cwd=folder)
        assert made.returncode == 0, made.stderr
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(TSA_CONFIG.format(dir=folder))
    return folder


@pytest.fixture
def tsa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalTsa]:
    """A CA, a TSA certificate with the critical timeStamping EKU, and `openssl ts -reply` behind HTTP."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    folder = make_tsa_folder(tmp_path / "tsa")
    local = LocalTsa(folder, "", folder / "ca.pem")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers["Content-Length"]))
            assert self.headers["Content-Type"] == "application/timestamp-query"
            body = local.reply(query)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    local.url = f"http://127.0.0.1:{server.server_address[1]}/tsr"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield local
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback address nobody listens on: as good as being offline, without touching the network."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsr"


def _run(*args: str) -> Result:
    return CliRunner().invoke(timestamp_app, list(args))


def _said(result: Result) -> str:
    """What a command printed, as one line: the terminal may wrap it."""
    return " ".join(result.output.split())


def _counts(setup: VaultSetup) -> tuple[int, int]:
    with setup.open() as vault, vault.read() as connection:
        entries = connection.execute(select(func.count()).select_from(ledger)).scalar_one()
        signed = connection.execute(select(func.max(checkpoints.c.seq))).scalar_one()
    return int(entries), int(signed)


def _verify_ok(setup: VaultSetup) -> bool:
    with setup.open() as vault:
        return verify_vault(vault).ok


def test_a_receipt_is_stored_and_verifies_in_python_and_with_openssl(
    case_setup: VaultSetup, tsa: LocalTsa, tmp_path: Path
) -> None:
    _, latest = _counts(case_setup)
    result = _run("request", "--tsa", tsa.url, "--json")
    assert result.exit_code == 0, result.output
    reported = json.loads(result.stdout)
    assert reported["ok"] is True
    assert [stored["seq"] for stored in reported["stored"]] == [latest]

    with case_setup.open() as vault:
        (receipt,) = timestamp_receipts(vault)
        digest = checkpoint_hash(vault, latest)
        assert queued_checkpoints(vault) == []
    assert receipt.seq == latest and receipt.tsa_url == tsa.url
    assert receipt.message_sha256 == digest.hex()
    check = verify_receipt(receipt.der, digest, tsa.ca_pem.read_bytes())
    assert check.ok and check.trusted and check.gen_time == receipt.gen_time

    # The command VERIFY.txt gives, with standard tools only.
    (tmp_path / f"{latest}.tsr").write_bytes(receipt.der)
    command = ["ts", "-verify", "-digest", digest.hex(), "-in", f"{latest}.tsr", "-CAfile", str(tsa.ca_pem)]
    checked = _openssl(*command, cwd=tmp_path)
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked.stderr
    command[3] = hashlib.sha256(b"a different checkpoint").hexdigest()
    assert _openssl(*command, cwd=tmp_path).returncode != 0

    listed = json.loads(_run("list", "--json").stdout)["receipts"]
    assert [(r["seq"], r["tsa"], r["serial"]) for r in listed] == [(latest, tsa.url, receipt.serial)]
    assert _verify_ok(case_setup)  # the receipt's row and blob are ledgered like any other


def test_only_the_hash_of_the_checkpoint_message_is_sent(case_setup: VaultSetup, tsa: LocalTsa) -> None:
    assert _run("request", "--tsa", tsa.url).exit_code == 0
    with case_setup.open() as vault:
        vault_id = vault.header.vault_id
        digest = checkpoint_hash(vault, timestamp_receipts(vault)[0].seq)
    (query,) = tsa.queries
    assert digest in query
    assert vault_id.encode() not in query and b"checkpoint" not in query
    assert len(query) < 100  # a hash, a nonce and a few ASN.1 headers


def test_an_offline_tsa_leaves_the_checkpoint_queued_and_the_vault_unchanged(
    case_setup: VaultSetup, tsa: LocalTsa, closed_port_url: str, cli: Any
) -> None:
    before = _counts(case_setup)
    result = _run("request", "--tsa", closed_port_url)
    assert result.exit_code == 1
    message = _said(result)
    assert message.startswith("Could not reach the timestamp service") and message.endswith("to retry.")
    assert f"checkpoint {before[1]} stays queued" in message and ". " not in message  # one sentence
    assert _counts(case_setup) == before
    with case_setup.open() as vault:
        assert timestamp_receipts(vault) == []
    assert json.loads(_run("queue", "--json").stdout) == {"queued": [before[1]]}
    assert _verify_ok(case_setup)

    # More evidence arrives, then the TSA is reachable: both checkpoints get their receipt.
    assert cli("case", "new", "Another fictional case", "--json").code == 0
    _, newer = _counts(case_setup)
    assert newer > before[1]
    result = _run("request", "--tsa", tsa.url, "--json")
    assert result.exit_code == 0, result.output
    assert [stored["seq"] for stored in json.loads(result.stdout)["stored"]] == [before[1], newer]
    assert json.loads(_run("queue", "--json").stdout) == {"queued": []}
    assert _verify_ok(case_setup)


def test_a_reply_for_a_different_hash_is_refused(case_setup: VaultSetup, tsa: LocalTsa) -> None:
    before = _counts(case_setup)
    tsa.mode = "wrong-imprint"
    result = _run("request", "--tsa", tsa.url)
    assert result.exit_code == 1
    assert "it is for a different hash" in _said(result)
    assert _counts(case_setup) == before
    with case_setup.open() as vault:
        assert timestamp_receipts(vault) == []
        assert queued_checkpoints(vault) == [before[1]]


def test_a_reply_signed_outside_the_given_ca_is_refused(case_setup: VaultSetup, tsa: LocalTsa) -> None:
    _make_ca(tsa.folder, "stranger")
    result = _run("request", "--tsa", tsa.url, "--ca", str(tsa.folder / "stranger.pem"))
    assert result.exit_code == 1
    assert "does not check out against the CA certificate" in _said(result)
    with case_setup.open() as vault:
        assert timestamp_receipts(vault) == []


def test_the_ca_given_is_kept_with_the_receipt(case_setup: VaultSetup, tsa: LocalTsa) -> None:
    assert _run("request", "--tsa", tsa.url, "--ca", str(tsa.ca_pem)).exit_code == 0
    with case_setup.open() as vault:
        (receipt,) = timestamp_receipts(vault)
    assert receipt.ca_pem == tsa.ca_pem.read_bytes()


def test_checking_a_receipt_against_the_wrong_hash_or_ca_fails(case_setup: VaultSetup, tsa: LocalTsa) -> None:
    assert _run("request", "--tsa", tsa.url).exit_code == 0
    with case_setup.open() as vault:
        (receipt,) = timestamp_receipts(vault)
        digest = checkpoint_hash(vault, receipt.seq)
    unchecked = verify_receipt(receipt.der, digest, None)
    assert unchecked.ok and not unchecked.trusted
    wrong_hash = verify_receipt(receipt.der, hashlib.sha256(b"other").digest(), tsa.ca_pem.read_bytes())
    assert not wrong_hash.ok and wrong_hash.problem == "it is for a different hash"
    _make_ca(tsa.folder, "stranger")
    stranger = verify_receipt(receipt.der, digest, (tsa.folder / "stranger.pem").read_bytes())
    assert not stranger.ok and not stranger.trusted
    assert not verify_receipt(b"not a receipt", digest).ok


def test_no_connection_is_made_except_to_loopback(
    case_setup: VaultSetup, tsa: LocalTsa, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []
    real_connect = socket.socket.connect

    def loopback_only(self: socket.socket, address: Any) -> None:
        seen.append(address)
        if not (isinstance(address, tuple) and address[0] in ("127.0.0.1", "::1")):
            raise OSError("only loopback is allowed in this test")
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    assert _run("request", "--tsa", tsa.url).exit_code == 0
    assert _run("list").exit_code == 0 and _run("queue").exit_code == 0
    assert seen and all(address[0] == "127.0.0.1" for address in seen)


def test_only_web_addresses_are_accepted(case_setup: VaultSetup, tmp_path: Path) -> None:
    result = _run("request", "--tsa", f"file://{tmp_path}/reply.tsr")
    assert result.exit_code == 1
    assert "not a web address" in str(result.exception)
