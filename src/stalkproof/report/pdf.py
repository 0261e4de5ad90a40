"""evidence-pack.pdf: the pack's content laid out by a Jinja2 template and printed by WeasyPrint.

Rendering never touches the network: every resource is embedded or a local file, fonts are named by
family (installed DejaVu), and the URL fetcher refuses anything that is not a file or embedded data.
The template is rendered in parts (front matter, the chronology in slices, back matter) that are laid out
in parallel and joined, with the running header and page numbers added last (see pdf_parts.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import jinja2

from stalkproof.report.exhibit_entries import ExhibitEntry
from stalkproof.report.pack_content import ChronologyRow, PackContent, gather
from stalkproof.report.pdf_parts import TEMPLATES, join_with_marks, render_parts
from stalkproof.report.selection import PackSelection
from stalkproof.vault.vault import Vault

# Events per chronology part: small enough that a part's layout stays quick and light, big enough that
# the page left part-filled at the end of each part is rare.
ROWS_PER_PART = 1000


def render_pdf(
    vault: Vault,
    case_id: str,
    selection: PackSelection,
    target: Path,
    exhibits: list[ExhibitEntry],
    *,
    include_law: str | None = None,
    include_risk: bool = False,
) -> Path:
    """Write the pack's PDF to `target` and return it. `include_law` is a jurisdiction code (e.g.
    gb-eng-wls); the law view and the risk screening are left out unless the person asks for them."""
    content = gather(vault, case_id, selection, exhibits, include_law, include_risk)
    return write_pdf(content, target)


def write_pdf(content: PackContent, target: Path, rows_per_part: int = ROWS_PER_PART) -> Path:
    title = f"{content.wording.cover['title']}: {content.reference}"
    join_with_marks(render_parts(part_htmls(content, rows_per_part)), content.reference, target, title)
    return target


def part_htmls(content: PackContent, rows_per_part: int = ROWS_PER_PART) -> list[str]:
    """The pack as HTML documents in reading order: front matter, chronology slices, diary, exhibit list,
    the rest. Long sections are parts of their own so that both cores stay busy to the end."""
    template = _environment().get_template("pack.html.j2")
    slices = _slices(content.chronology, rows_per_part)
    chronology = [
        template.render(c=content, part="chronology", rows=rows, first=number == 0)
        for number, rows in enumerate(slices)
    ]
    front = template.render(c=content, part="front")
    return [
        front,
        *chronology,
        *(template.render(c=content, part=part) for part in ("diary", "exhibits", "back")),
    ]


def render_html(content: PackContent) -> str:
    """The whole pack as one HTML document (for reading or checking the template, not for printing)."""
    return "\n".join(part_htmls(content, max(1, len(content.chronology))))


def _slices(rows: Sequence[ChronologyRow], size: int) -> list[Sequence[ChronologyRow]]:
    # An empty chronology still gets its section, saying there are no events.
    return [rows[start : start + size] for start in range(0, len(rows), size)] or [rows]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
