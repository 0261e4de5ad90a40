"""One call that makes a pack from what a person chose (dates, a person, exhibits, extras): the command
line and the web app both use it, so they make the same pack from the same choices."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from stalkproof.evidence.ids import find_by_prefix
from stalkproof.report.bundle import build_pack
from stalkproof.report.bundle.build import PackResult
from stalkproof.report.case_uco import case_uco_writer
from stalkproof.report.pdf import render_pdf
from stalkproof.report.selection import PackSelection
from stalkproof.vault.schema import parties
from stalkproof.vault.vault import Vault


@dataclass(frozen=True)
class PackChoices:
    since: str | None = None
    until: str | None = None
    party: str | None = None  # a person's id or the start of it
    exhibits: tuple[str, ...] = field(default_factory=tuple)
    law: str | None = None  # a jurisdiction code, only when the person asks for the law view
    risk: bool = False
    case_uco: bool = False


def make_pack(vault: Vault, case_id: str, out: Path, choices: PackChoices) -> PackResult:
    selection = PackSelection(
        choices.since,
        choices.until,
        _party_id(vault, case_id, choices.party),
        tuple(dict.fromkeys(choices.exhibits)),
    )
    renderer = partial(render_pdf, include_law=choices.law, include_risk=choices.risk)
    extra = case_uco_writer(vault, case_id, selection) if choices.case_uco else None
    return build_pack(vault, case_id, out, selection, render_pdf=renderer, extra_files=extra)


def _party_id(vault: Vault, case_id: str, text: str | None) -> str | None:
    if not text:
        return None
    with vault.read() as connection:
        return find_by_prefix(connection, parties.c.id, text, "person", (parties.c.case_id == case_id,))
