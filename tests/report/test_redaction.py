"""Redacted copies: new exhibits linked to their original, which never changes; a pack can disclose the copy
alone and still prove the original was in the ledger."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, PngImagePlugin

from conftest import VaultSetup
from stalkproof.evidence.cases import current_case
from stalkproof.evidence.exhibits import Exhibit, list_exhibits
from stalkproof.report.verify_pack import verify_pack

NOTE = "Meet me at 12 Orchard Lane.\nCall 07700 900123 — Alex\n"
ADDRESS = (11, 26)  # "12 Orchard Lane"
PHONE = (33, 45)  # "07700 900123"
AREA = (5, 4, 10, 6)
SUMS = ["sha256sum", "--strict", "-c", "SHA256SUMS"]
OPENSSL = [
    "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "vault-public-key.pem", "-rawin",
    "-in", "manifest.json", "-sigfile", "manifest.sig",
]  # fmt: skip


def _photo() -> bytes:
    """A synthetic 32x24 gradient carrying text and EXIF metadata that must not reach the copy."""
    image = Image.new("RGB", (32, 24))
    image.putdata([(x * 8, y * 10, 200) for y in range(24) for x in range(32)])
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "taken at 12 Orchard Lane")
    exif = Image.Exif()
    exif[0x010F] = "Synthetic Camera"  # Make
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=text, exif=exif)
    return buffer.getvalue()


PHOTO = _photo()


@pytest.fixture
def originals(case_setup: VaultSetup, cli: Any, tmp_path: Path) -> dict[str, bytes]:
    files = {"EX-001": ("note.txt", NOTE.encode()), "EX-002": ("photo.png", PHOTO)}
    for ref, (name, content) in files.items():
        (tmp_path / name).write_bytes(content)
        assert cli("exhibit", "add", str(tmp_path / name), "--ref", ref, "--describe", name).code == 0
    return {ref: content for ref, (_, content) in files.items()}


def _export(cli: Any, ref: str, folder: Path) -> bytes:
    target = folder / f"out-{ref}"
    assert cli("exhibit", "export", ref, "--out", str(target)).code == 0
    return target.read_bytes()


def _exhibits(setup: VaultSetup) -> dict[str, Exhibit]:
    with setup.open() as vault:
        return {item.ref: item for item in list_exhibits(vault, current_case(vault, None).id)}


def _chunks(png: bytes) -> list[bytes]:
    names, at = [], 8
    while at < len(png):
        length = int.from_bytes(png[at : at + 4], "big")
        names.append(png[at + 4 : at + 8])
        at += 12 + length
    return names


def test_text_redaction_makes_a_linked_copy_and_leaves_the_original(
    case_setup: VaultSetup, cli: Any, originals: dict[str, bytes], tmp_path: Path
) -> None:
    result = cli(
        "exhibit", "redact", "EX-001", "--span", "11:26", "--span", "33:45",
        "--reason", "hides the address and number of a witness", "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    data = result.json()
    assert set(data) == {"ref", "sha256", "size", "derived_from"} and data["ref"] == "EX-001-R1"
    copy = _export(cli, "EX-001-R1", tmp_path).decode("utf-8")
    assert copy == "Meet me at ███████████████.\nCall ████████████ — Alex\n"
    assert NOTE[slice(*ADDRESS)] == "12 Orchard Lane" and NOTE[slice(*PHONE)] == "07700 900123"
    assert len(copy) == len(NOTE) and hashlib.sha256(copy.encode()).hexdigest() == data["sha256"]
    assert _export(cli, "EX-001", tmp_path) == originals["EX-001"]
    found = _exhibits(case_setup)
    assert found["EX-001"].sha256 == hashlib.sha256(originals["EX-001"]).hexdigest()
    assert data["derived_from"] == found["EX-001"].id == found["EX-001-R1"].derived_from
    assert "witness" in (found["EX-001-R1"].description or "")
    assert cli("verify").code == 0


def test_image_redaction_blacks_out_the_area_only_and_keeps_no_metadata(
    case_setup: VaultSetup, cli: Any, originals: dict[str, bytes], tmp_path: Path
) -> None:
    result = cli("exhibit", "redact", "EX-002", "--rect", "5,4,10,6", "--reason", "a face", "--json")
    assert result.code == 0, result.err
    assert result.json()["ref"] == "EX-002-R1"
    redacted = _export(cli, "EX-002-R1", tmp_path)
    assert _export(cli, "EX-002", tmp_path) == PHOTO
    assert _chunks(redacted) == [b"IHDR", b"IDAT", b"IEND"]
    assert b"Orchard" not in redacted and b"Synthetic Camera" not in redacted
    copy, source = Image.open(io.BytesIO(redacted)), Image.open(io.BytesIO(PHOTO)).convert("RGB")
    assert copy.format == "PNG" and copy.size == source.size and not copy.info and not copy.getexif()
    x0, y0, width, height = AREA
    for y in range(source.height):
        for x in range(source.width):
            inside = x0 <= x < x0 + width and y0 <= y < y0 + height
            expected = (0, 0, 0) if inside else source.getpixel((x, y))
            assert copy.getpixel((x, y)) == expected, (x, y)
    assert cli("verify").code == 0


@pytest.mark.parametrize(
    ("ref", "option", "values"),
    [
        ("EX-001", "--span", ["11:26", "20:30"]),  # overlapping
        ("EX-001", "--span", ["40:999"]),  # past the end
        ("EX-001", "--span", ["9:3"]),  # backwards
        ("EX-001", "--span", ["ten:twelve"]),
        ("EX-002", "--rect", ["30,20,5,5"]),  # runs off the image
        ("EX-002", "--rect", ["0,0,0,4"]),  # empty
        ("EX-002", "--rect", ["1,2,3"]),
        ("EX-002", "--span", ["0:4"]),  # an image is not UTF-8 text
        ("EX-001", "--rect", ["0,0,1,1"]),  # text is not an image
        ("EX-001", "--reason", [" "]),  # neither a span nor an area
    ],
)
def test_bad_spans_and_areas_are_refused_in_one_sentence_and_nothing_is_stored(
    case_setup: VaultSetup, cli: Any, originals: dict[str, bytes], ref: str, option: str, values: list[str]
) -> None:
    arguments = [item for value in values for item in (option, value)]
    result = cli("exhibit", "redact", ref, "--reason", "test", *arguments)
    assert result.code == 1
    message = result.err.strip()
    assert message.count("\n") == 0 and message.endswith(".") and message.count(". ") == 0, message
    assert sorted(_exhibits(case_setup)) == ["EX-001", "EX-002"]


def test_a_pack_of_the_redacted_copy_alone_verifies_without_the_original(
    case_setup: VaultSetup, cli: Any, originals: dict[str, bytes], tmp_path: Path
) -> None:
    assert cli("exhibit", "redact", "EX-002", "--rect", "0,0,8,8", "--reason", "a face").code == 0
    out = tmp_path / "pack"
    built = cli("pack", "build", "--out", str(out), "--exhibits", "EX-002-R1", "--json")
    assert built.code == 0, built.err
    assert built.json()["exhibits"] == ["EX-002-R1"]
    check = verify_pack(out)
    assert check.ok, check.problems
    assert [path.name for path in (out / "exhibits").rglob("*") if path.is_file()] == [
        "EX-002-R1-photo-redacted.png"
    ]
    assert (out / "exhibits" / "redacted" / "EX-002-R1-photo-redacted.png").is_file()
    original_sha = hashlib.sha256(PHOTO).hexdigest()
    manifest = json.loads((out / "manifest.json").read_bytes())
    (record,) = [item for item in manifest["files"] if item.get("exhibit")]
    assert record["derived_from_ref"] == "EX-002" and record["original_sha256"] == original_sha
    proofs = json.loads((out / "proofs.json").read_bytes())["proofs"]
    assert sorted(proof["exhibit"] for proof in proofs) == ["EX-002", "EX-002-R1"]
    extract = (out / "ledger" / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    (withheld,) = [json.loads(line) for line in extract if json.loads(line)["exhibit"] == "EX-002"]
    assert withheld["row"] == {"withheld": True}
    for path in out.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert PHOTO not in content and b"photo.png" not in content, path
    for command in (SUMS, OPENSSL):
        assert subprocess.run(command, cwd=out, capture_output=True, check=False).returncode == 0


def test_a_pack_whose_link_to_the_original_is_changed_fails(
    case_setup: VaultSetup, cli: Any, originals: dict[str, bytes], tmp_path: Path
) -> None:
    assert cli("exhibit", "redact", "EX-001", "--span", "11:26", "--reason", "an address").code == 0
    out = tmp_path / "pack"
    assert cli("pack", "build", "--out", str(out), "--exhibits", "EX-001-R1").code == 0
    extract = out / "ledger" / "entries.jsonl"
    lines = [json.loads(line) for line in extract.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        if line["exhibit"] == "EX-001":
            line["entry"]["object_id"] = "0" * 32
    extract.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    kinds = {problem.kind for problem in verify_pack(out).problems}
    assert {"ledger_entry_altered", "redaction_link_altered"} <= kinds
