"""The demo's digital checks: Sam's phone checked at the helpline (findings saved into the case), and a
photo she meant to share checked for its location and cleaned."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from PIL import Image
from PIL.ExifTags import IFD

from stalkproof.digital.findings import level_rank
from stalkproof.digital.indicators.store import load_indicators
from stalkproof.digital.media.scan import scan_paths
from stalkproof.digital.media.strip import strip_paths
from stalkproof.digital.phone.check import check_device
from stalkproof.evidence.findings import FindingNote, save_check
from stalkproof.vault.vault import Vault


def check_phone(vault: Vault, case_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run `device check` on the scenario's app list and keep the report, the list and the findings."""
    with tempfile.TemporaryDirectory(prefix="stalkproof-demo-") as folder:
        listing = Path(folder) / spec["file"]
        listing.write_text(spec["content"], encoding="utf-8")
        report = check_device(listing, load_indicators().indicators)
        notes = [
            FindingNote(alert.level, alert.message, {"alert": alert.to_json()})
            for alert in report.sorted_alerts()
            if level_rank(alert.level) >= level_rank("low")
        ]
        saved = save_check(vault, case_id, report.check, report.to_json(), notes, [listing])
    return {
        "kind": "device check",
        "verdict": report.verdict().headline,
        "alerts": dict(Counter(alert.level for alert in report.alerts)),
        "report exhibit": saved.report_ref,
        "findings on the timeline": len(saved.event_ids),
    }


def check_photo(spec: dict[str, Any], out: Path) -> dict[str, Any]:
    """Write the scenario's photo (with the GPS tags a phone camera adds), scan it, and make a cleaned copy
    in `out`, as `media scan` and `media strip` do."""
    with tempfile.TemporaryDirectory(prefix="stalkproof-demo-") as folder:
        photo = _photo_with_location(Path(folder) / spec["file"], spec)
        (found,) = scan_paths([photo])
        (cleaned,) = strip_paths([photo], out)
        if cleaned.out is None:  # strip fails closed; the demo's photo is one it must be able to clean
            raise RuntimeError(f"the demo photo could not be cleaned: {cleaned.error}")
        (after,) = scan_paths([cleaned.out])
    return {
        "kind": "photo check",
        "reveals": found.findings[0] if found.findings else None,
        "cleaned copy": str(cleaned.out),
        "verified": cleaned.verified,
        "location left": after.reveals_location,
    }


def _photo_with_location(path: Path, spec: dict[str, Any]) -> Path:
    image = Image.new("RGB", (320, 240), (90, 140, 200))
    exif = image.getexif()
    exif[0x0110] = spec["camera"]  # Model
    exif[IFD.GPSInfo] = {
        1: "N" if spec["lat"] >= 0 else "S",
        2: _degrees(spec["lat"]),
        3: "E" if spec["lon"] >= 0 else "W",
        4: _degrees(spec["lon"]),
    }
    image.save(path, exif=exif)
    return path


def _degrees(value: float) -> tuple[float, float, float]:
    value = abs(value)
    whole = int(value)
    minutes = (value - whole) * 60
    return (float(whole), float(int(minutes)), round((minutes - int(minutes)) * 60, 2))
