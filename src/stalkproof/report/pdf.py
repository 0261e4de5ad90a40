"""evidence-pack.pdf: the pack's content laid out by a Jinja2 template and printed by WeasyPrint.

Rendering never touches the network: every resource is embedded or a local file, fonts are named by
family (installed DejaVu), and the URL fetcher refuses anything that is not a file or embedded data.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import jinja2

from stalkproof.report.exhibit_entries import ExhibitEntry
from stalkproof.report.pack_content import PackContent, gather
from stalkproof.report.selection import PackSelection
from stalkproof.report.weasy import weasyprint
from stalkproof.vault.vault import Vault

TEMPLATES = Path(__file__).with_name("templates")
LOCAL_SCHEMES = frozenset({"file", "data"})
# Tagged PDF first (readable by screen readers), then plain tags, then untagged: what this WeasyPrint
# can do depends on its version, and a pack without tags is still better than no pack.
ACCESSIBLE_OPTIONS: tuple[dict[str, Any], ...] = ({"pdf_variant": "pdf/ua-1"}, {"pdf_tags": True}, {})
LOGGER = logging.getLogger(__name__)


class LocalOnlyFetcher(weasyprint.URLFetcher):  # type: ignore[misc]
    """Fetches files and embedded data only: a stray web address in a template or a chart is refused."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=LOCAL_SCHEMES, allow_redirects=False)


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


def write_pdf(content: PackContent, target: Path) -> Path:
    html = weasyprint.HTML(
        string=render_html(content), base_url=str(TEMPLATES), url_fetcher=LocalOnlyFetcher()
    )
    stylesheet = weasyprint.CSS(filename=str(TEMPLATES / "pack.css"), url_fetcher=LocalOnlyFetcher())
    document = html.render(stylesheets=[stylesheet])
    target.parent.mkdir(parents=True, exist_ok=True)
    *tagged, plain = ACCESSIBLE_OPTIONS
    for options in tagged:
        try:
            document.write_pdf(target, **options)
            return target
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            LOGGER.debug("PDF option %s not available here (%s); trying the next", options, error)
    document.write_pdf(target, **plain)
    return target


def render_html(content: PackContent) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("pack.html.j2").render(c=content)
