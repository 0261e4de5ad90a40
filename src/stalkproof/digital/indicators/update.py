"""`stalkproof indicators update`: the one place stalkproof uses the network, and only when a person asks.

It downloads Echap's three files, checks they read as indicator lists, and only then puts them in place of
the previous copy, so a broken or half-finished download never replaces a working list. No identifying data
is sent: it is three plain HTTPS GETs for public files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from stalkproof.clock import now_iso
from stalkproof.digital.indicators.echap import FILES, load_echap
from stalkproof.digital.indicators.model import IndicatorSet, IndicatorType
from stalkproof.digital.indicators.store import SHIPPED_ECHAP, echap_folder, updates_folder
from stalkproof.errors import InputError

ECHAP_URL = "https://raw.githubusercontent.com/AssoEchap/stalkerware-indicators/master/"
MAX_BYTES = 50 * 1024 * 1024  # the lists are well under 1 MB; anything far larger is not them
TIMEOUT_SECONDS = 30
META_FILE = "meta.json"


@dataclass(frozen=True)
class UpdateResult:
    sources: list[dict[str, Any]]
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return {"sources": self.sources, "updated_at": self.updated_at}


def update_echap(base_url: str = ECHAP_URL, target: Path | None = None) -> UpdateResult:
    """Fetch Echap's lists from `base_url` into `target` (default: the user's indicators folder)."""
    destination = (target or updates_folder()) / "echap"
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".echap-", dir=destination.parent))
    try:
        hashes = {name: _download(base_url.rstrip("/") + "/" + name, staging / name) for name in FILES}
        indicators = load_echap(staging)  # raises before anything is replaced if a file is not a list
        updated_at = now_iso()
        meta = {"source": base_url, "files": hashes, "updated_at": updated_at}
        (staging / META_FILE).write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
        _swap_in(staging, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return UpdateResult([_describe("echap", base_url, indicators, hashes)], updated_at)


def current_lists() -> dict[str, Any]:
    """Which Echap copy checks use now, when it was fetched, and how many indicators of each type."""
    folder = echap_folder()
    indicators = load_echap(folder)
    meta: dict[str, Any] = {}
    if (folder / META_FILE).is_file():
        meta = orjson.loads((folder / META_FILE).read_bytes())
    shipped = folder == SHIPPED_ECHAP
    return {
        "sources": [
            {
                "name": "echap",
                "folder": str(folder),
                "shipped": shipped,
                "updated_at": meta.get("updated_at"),
                "licence": "CC BY 4.0 (Echap, stalkerware-indicators)",
                "counts": _counts(indicators),
            }
        ]
    }


def _download(url: str, target: Path) -> str:
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise InputError(f"indicator lists are only fetched over HTTPS, not from {url}.")
    digest = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response, target.open("wb") as out:  # noqa: S310
            while block := response.read(1 << 16):
                size += len(block)
                if size > MAX_BYTES:
                    raise InputError(f"{url} is far larger than an indicator list; nothing was changed.")
                digest.update(block)
                out.write(block)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise InputError(
            f"could not download {url} ({reason}). Nothing was changed; the lists you had are still used."
        ) from None
    return digest.hexdigest()


def _swap_in(staging: Path, destination: Path) -> None:
    """Replace `destination` with `staging` so a crash leaves one complete copy or the other."""
    old = destination.with_name(destination.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if destination.exists():
        os.replace(destination, old)
    os.replace(staging, destination)
    shutil.rmtree(old, ignore_errors=True)


def _describe(name: str, url: str, indicators: IndicatorSet, hashes: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "url": url, "files": hashes, "counts": _counts(indicators)}


def _counts(indicators: IndicatorSet) -> dict[str, int]:
    kinds: tuple[IndicatorType, ...] = (
        "app_id",
        "ios_bundle",
        "app_cert_sha1",
        "file_sha256",
        "domain",
        "ip",
    )
    return {kind: indicators.count(kind) for kind in kinds}
