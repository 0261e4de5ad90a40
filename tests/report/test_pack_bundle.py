"""The signed bundle: built from a small fictional case, checked with sha256sum and OpenSSL as a police
officer would, and with `verify_pack`; any changed byte is caught, and a partial pack reveals nothing of
the exhibits it leaves out."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import VaultSetup
from stalkproof.cli.pack_commands import pack_app
from stalkproof.errors import InputError
from stalkproof.evidence.cases import current_case
from stalkproof.report.bundle import build_pack
from stalkproof.report.exhibit_entries import ExhibitEntry
from stalkproof.report.selection import PackSelection
from stalkproof.report.verify_pack import verify_pack

CHAT = """\
01/12/2025, 19:02 - Alex Morgan: Hi Sam
01/12/2025, 19:05 - Sam Carter: Please stop contacting me.
03/12/2025, 08:00 - Alex Morgan: If you go to the police I will kill you
"""
FIRST = b"Synthetic screenshot bytes of the first exhibit\n"
SECOND = b"Quite different synthetic bytes: the second exhibit, kept private\n"
OPENSSL = [
    "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "vault-public-key.pem", "-rawin",
    "-in", "manifest.json", "-sigfile", "manifest.sig",
]  # fmt: skip
SUMS = ["sha256sum", "--strict", "-c", "SHA256SUMS"]


def _case(cli: Any, folder: Path) -> None:
    chat = folder / "WhatsApp Chat with Alex Morgan.txt"
    chat.write_text(CHAT, encoding="utf-8")
    assert (
        cli("party", "add", "Sam Carter", "--role", "subject", "--account", "whatsapp:Sam Carter").code == 0
    )
    assert (
        cli("party", "add", "Alex Morgan", "--role", "suspect", "--account", "whatsapp:Alex Morgan").code == 0
    )
    result = cli("import", str(chat), "--zone", "Europe/London", "--date-order", "dmy", "--json")
    assert result.code == 0, result.err
    originals = (("SC-1", "threat-screenshot.png", FIRST), ("SC-2", "private-note.txt", SECOND))
    for ref, name, content in originals:
        (folder / name).write_bytes(content)
        added = cli("exhibit", "add", str(folder / name), "--describe", f"Synthetic {name}", "--ref", ref)
        assert added.code == 0
    diary = [
        ("2025-12-02T18:30", "He was waiting outside my work again.", "SC-1"),
        ("2025-12-04T09:15", "A note was left on my car windscreen.", "SC-2"),
    ]
    for when, what, ref in diary:
        result = cli(
            "diary", "add", "--when", when, "--zone", "Europe/London", "--what", what, "--exhibit", ref
        )
        assert result.code == 0, result.err


def _build(setup: VaultSetup, out: Path, selection: PackSelection | None = None, **options: Any) -> Any:
    selection = selection or PackSelection()
    with setup.open() as vault:
        return build_pack(vault, current_case(vault, None).id, out, selection, **options)


@pytest.fixture
def pack(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> Path:
    _case(cli, tmp_path)
    out = tmp_path / "pack"
    _build(case_setup, out)
    return out


def _run(command: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)


def test_standard_tools_and_verify_pack_accept_a_fresh_pack(pack: Path) -> None:
    assert _run(SUMS, pack).returncode == 0
    assert _run(["sha256sum", "-c", "SHA256SUMS"], pack).returncode == 0
    signed = _run(OPENSSL, pack)
    assert signed.returncode == 0, signed.stderr
    assert "Signature Verified Successfully" in signed.stdout
    check = verify_pack(pack)
    assert check.ok, check.problems
    verify_text = (pack / "VERIFY.txt").read_text(encoding="utf-8")
    assert " ".join(OPENSSL) in verify_text and " ".join(SUMS) in verify_text


def test_the_pack_holds_originals_chronology_and_a_manifest_of_every_file(pack: Path) -> None:
    assert (pack / "exhibits" / "SC-1-threat-screenshot.png").read_bytes() == FIRST
    assert (pack / "exhibits" / "SC-2-private-note.txt").read_bytes() == SECOND
    events = json.loads((pack / "chronology.json").read_text(encoding="utf-8"))["events"]
    times = [event["occurred_at"] for event in events]
    assert times == sorted(times) and len(events) == 5
    threat = next(event for event in events if "kill you" in (event["text"] or ""))
    assert threat["flags"] == ["threat"] and threat["source"]["line"] == 3
    assert threat["source"]["sha256"] and threat["from"] == "whatsapp:Alex Morgan"
    manifest = json.loads((pack / "manifest.json").read_bytes())
    listed = {record["path"] for record in manifest["files"]}
    on_disk = {path.relative_to(pack).as_posix() for path in pack.rglob("*") if path.is_file()}
    assert listed == on_disk - {"manifest.json", "manifest.sig", "SHA256SUMS"}
    sums = (pack / "SHA256SUMS").read_text(encoding="utf-8")
    assert {line.split("  ", 1)[1] for line in sums.splitlines()} == on_disk - {"SHA256SUMS"}


def test_the_manifest_fingerprints_check_with_sed_and_sha256sum(pack: Path) -> None:
    verify_text = (pack / "VERIFY.txt").read_text(encoding="utf-8")
    command = next(line.strip() for line in verify_text.splitlines() if line.strip().startswith("sed "))
    result = subprocess.run(command, shell=True, cwd=pack, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    listed = json.loads((pack / "manifest.json").read_bytes())["files"]
    assert result.stdout.count(": OK") == len(listed) >= 10


def test_changing_any_byte_of_any_file_is_caught(pack: Path, tmp_path: Path) -> None:
    names = [path.relative_to(pack) for path in sorted(pack.rglob("*")) if path.is_file()]
    assert len(names) >= 12
    for name in names:
        copy = tmp_path / "tampered" / str(name).replace("/", "_")
        shutil.copytree(pack, copy)
        target = copy / name
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
        assert not verify_pack(copy).ok, name
        tools_fail = _run(SUMS, copy).returncode != 0 or _run(OPENSSL, copy).returncode != 0
        assert tools_fail, name


def test_an_added_file_is_a_problem(pack: Path) -> None:
    (pack / "exhibits" / "EX-009-extra.txt").write_bytes(b"slipped in later")
    kinds = {problem.kind for problem in verify_pack(pack).problems}
    assert kinds == {"file_unlisted"}


def test_a_pack_of_one_exhibit_proves_it_and_reveals_nothing_of_the_other(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _case(cli, tmp_path)
    out = tmp_path / "partial"
    result = _build(case_setup, out, PackSelection(exhibit_refs=("SC-1",)))
    assert [entry.ref for entry in result.exhibits] == ["SC-1"]
    check = verify_pack(out)
    assert check.ok, check.problems
    proofs = json.loads((out / "proofs.json").read_bytes())["proofs"]
    assert [proof["exhibit"] for proof in proofs] == ["SC-1"] and proofs[0]["path"]
    hidden = [SECOND, b"SC-2", b"private-note", hashlib.sha256(SECOND).hexdigest().encode()]
    for path in out.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(secret in content for secret in hidden), path
    assert _run(SUMS, out).returncode == 0 and _run(OPENSSL, out).returncode == 0


def test_a_pdf_renderer_is_called_before_the_manifest(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _case(cli, tmp_path)
    seen: list[list[ExhibitEntry]] = []

    def fake_pdf(vault: Any, case_id: str, selection: PackSelection, target: Path, exhibits: Any) -> Path:
        seen.append(exhibits)
        target.write_bytes(b"%PDF-1.7 synthetic stand-in\n")
        return target

    result = _build(case_setup, tmp_path / "with-pdf", render_pdf=fake_pdf)
    assert result.pdf == tmp_path / "with-pdf" / "evidence-pack.pdf"
    assert [entry.pack_path for entry in seen[0]] == [
        "exhibits/EX-001-WhatsApp Chat with Alex Morgan.txt",
        "exhibits/SC-1-threat-screenshot.png",
        "exhibits/SC-2-private-note.txt",
    ]
    manifest = json.loads((result.out / "manifest.json").read_bytes())
    assert "evidence-pack.pdf" in {record["path"] for record in manifest["files"]}
    assert verify_pack(result.out).ok


def test_a_folder_with_files_is_refused_and_a_failed_build_leaves_nothing(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _case(cli, tmp_path)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        _build(case_setup, busy)
    assert refused.value.message.count(". ") == 0 and "not empty" in refused.value.message
    assert sorted(path.name for path in busy.iterdir()) == ["keep.txt"]

    def broken_pdf(*_: Any) -> Path:
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError):
        _build(case_setup, tmp_path / "never", render_pdf=broken_pdf)
    assert not (tmp_path / "never").exists()
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".never")]


def test_the_commands_build_and_verify_with_the_contract_json(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _case(cli, tmp_path)
    runner = CliRunner()
    out = tmp_path / "cli-pack"
    built = runner.invoke(pack_app, ["build", "--out", str(out), "--exhibits", "SC-2", "--json"])
    assert built.exit_code == 0, built.output
    data = json.loads(built.stdout)
    assert set(data) == {"out", "pdf", "exhibits", "manifest_sha256"} and data["exhibits"] == ["SC-2"]
    checked = runner.invoke(pack_app, ["verify", str(out), "--json"])
    assert checked.exit_code == 0
    verified = json.loads(checked.stdout)
    assert verified["ok"] is True and verified["problems"] == [] and verified.get("timestamps", []) == []
    (out / "chronology.csv").write_text("rewritten\n", encoding="utf-8")
    failed = runner.invoke(pack_app, ["verify", str(out), "--json"])
    assert failed.exit_code == 3
    assert {problem["file"] for problem in json.loads(failed.stdout)["problems"]} == {"chronology.csv"}


def test_the_law_view_goes_into_the_pdf_only_when_asked(
    case_setup: VaultSetup, cli: Any, tmp_path: Path
) -> None:
    _case(cli, tmp_path)
    runner = CliRunner()
    texts = {}
    for name, extra in (("plain", []), ("with-law", ["--law", "gb-eng-wls"])):
        out = tmp_path / name
        built = runner.invoke(pack_app, ["build", "--out", str(out), *extra, "--json"])
        assert built.exit_code == 0, built.output
        texts[name] = subprocess.run(
            ["pdftotext", str(out / "evidence-pack.pdf"), "-"], check=True, capture_output=True, text=True
        ).stdout
    marker = "cannot say whether an offence was committed"
    assert marker not in " ".join(texts["plain"].split())
    assert marker in " ".join(texts["with-law"].split())
