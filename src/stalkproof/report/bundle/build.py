"""Building a pack: everything is written into a hidden folder beside the target and renamed into place
at the end, so a failure part-way leaves nothing that looks like a pack."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select

from stalkproof import __version__
from stalkproof.clock import now_iso
from stalkproof.errors import InputError, NotFoundError
from stalkproof.report.bundle import layout
from stalkproof.report.bundle.chronology import chronology, write_chronology
from stalkproof.report.bundle.exhibits import chosen_exhibits, copy_exhibits, redactions
from stalkproof.report.bundle.manifest import public_key_pem, write_signed_manifest, write_sums
from stalkproof.report.bundle.proofs import (
    anchor,
    latest_checkpoint,
    ledger_leaves,
    write_checkpoint,
    write_ledger_extract,
    write_proofs,
)
from stalkproof.report.bundle.timestamps import PackedTimestamp, write_timestamps
from stalkproof.report.exhibit_entries import ExhibitEntry
from stalkproof.report.selection import PackSelection
from stalkproof.vault.schema import cases
from stalkproof.vault.vault import Vault

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
RenderPdf = Callable[..., Path]
# More files for the pack (e.g. the CASE/UCO graph), written from its exhibits and chronology before the
# manifest is made, so the manifest lists and signs them.
ExtraFiles = Callable[[Path, list[ExhibitEntry], list[dict[str, Any]]], None]


@dataclass(frozen=True)
class PackResult:
    out: Path
    pdf: Path | None
    exhibits: list[ExhibitEntry]
    events: int
    manifest_sha256: str


def build_pack(
    vault: Vault,
    case_id: str,
    out_dir: Path,
    selection: PackSelection,
    *,
    render_pdf: RenderPdf | None = None,
    extra_files: ExtraFiles | None = None,
) -> PackResult:
    _check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        result = _build_into(vault, case_id, staging, selection, render_pdf, extra_files)
        _move_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    pdf = out_dir / layout.PDF if result.pdf else None
    return PackResult(out_dir, pdf, result.exhibits, result.events, result.manifest_sha256)


def _check_target(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise InputError(f"{out_dir} already exists and is not empty: choose a new folder for the pack.")


def _move_into_place(staging: Path, out_dir: Path) -> None:
    if out_dir.is_dir():
        out_dir.rmdir()  # empty, checked before: rename cannot replace a folder on every system
    staging.rename(out_dir)


def _build_into(
    vault: Vault,
    case_id: str,
    folder: Path,
    selection: PackSelection,
    render_pdf: RenderPdf | None,
    extra_files: ExtraFiles | None,
) -> PackResult:
    case = _case(vault, case_id)
    checkpoint = latest_checkpoint(vault)
    rows = chosen_exhibits(vault, case_id, selection.exhibit_refs)
    redacted = redactions(vault, rows)
    anchored = anchor(vault, rows + redacted.withheld, checkpoint.tree_size)
    entries = copy_exhibits(vault, case_id, rows, folder)
    packed = {entry.ref for entry in entries} if selection.exhibit_refs else None
    with vault.read() as connection:
        events = chronology(connection, case_id, selection, packed)
    write_chronology(folder, events, layout.CHRONOLOGY_CSV, layout.CHRONOLOGY_JSON)
    if extra_files:
        extra_files(folder, entries, events)
    write_ledger_extract(folder / layout.LEDGER_EXTRACT, redacted.conceal(anchored))
    write_checkpoint(folder / layout.CHECKPOINT, checkpoint, vault.header.vault_id)
    leaves = ledger_leaves(vault, checkpoint.tree_size)
    write_proofs(folder / layout.PROOFS, checkpoint, anchored, leaves)
    stamps = write_timestamps(vault, folder, checkpoint, leaves)
    (folder / layout.PUBLIC_KEY).write_bytes(public_key_pem(vault.header.signing_public_key))
    pdf = render_pdf(vault, case_id, selection, folder / layout.PDF, entries) if render_pdf else None
    created = now_iso()
    _write_verify_text(
        folder, case["reference"], created, vault.header.signing_public_key, pdf is not None, stamps
    )
    header = {
        "format": layout.FORMAT,
        "case_reference": case["reference"],
        "case_id": case_id,
        "created_at": created,
        "stalkproof_version": __version__,
        "vault_id": vault.header.vault_id,
        "checkpoint_seq": checkpoint.seq,
        "selection": asdict(selection),
    }
    refs = {entry.pack_path: entry.ref for entry in entries}
    manifest = write_signed_manifest(folder, header, refs, vault.keys.signer, redacted.links)
    write_sums(folder)
    return PackResult(folder, pdf, entries, len(events), hashlib.sha256(manifest).hexdigest())


def _case(vault: Vault, case_id: str) -> dict[str, Any]:
    with vault.read() as connection:
        row = connection.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        raise NotFoundError(f"There is no case with id {case_id}.")
    data = dict(row._mapping)
    data["reference"] = data["reference"] or data["name"]
    return data


def _write_verify_text(
    folder: Path,
    reference: str,
    created: str,
    public_key: str,
    has_pdf: bool,
    stamps: list[PackedTimestamp],
) -> None:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    text = environment.get_template("VERIFY.txt.j2").render(
        case_reference=reference,
        created_at=created,
        version=__version__,
        public_key_sha256=hashlib.sha256(bytes.fromhex(public_key)).hexdigest(),
        has_pdf=has_pdf,
        timestamps=[asdict(stamp) for stamp in stamps],
    )
    (folder / layout.VERIFY).write_text(text, encoding="utf-8")
