"""What a person reads after `media scan`, in order, for every way of showing it (terminal, web page): one
sentence over all the files when there are several, then each file that tells something, then the advice.

The sentences for each file are the scan's own (`ScanResult.findings`); this module only chooses, counts
and orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from stalkproof.digital.media.scan import ScanResult
from stalkproof.digital.media.wording import load_wording

SHOWN_IN_DETAIL = 20


def scan_summary(results: Sequence[ScanResult]) -> str:
    """One sentence over several files: how many record a place, name someone, or could not be read."""
    located = sum(result.reveals_location for result in results)
    named = sum(result.reveals_identity for result in results)
    damaged = sum(result.error is not None for result in results)
    unread = sum(result.format is None and result.error is None for result in results)
    parts = [f"{located:,} of {len(results):,} files record a place", f"{named:,} name a person or device"]
    if damaged:
        parts.append(f"{damaged:,} could not be read")
    if unread:
        parts.append(f"{unread:,} are of a kind stalkproof does not read")
    return "; ".join(parts) + "."


def revealing(results: Sequence[ScanResult]) -> list[ScanResult]:
    """The files that give away a place or a person."""
    return [result for result in results if result.reveals_location or result.reveals_identity]


def telling(results: Sequence[ScanResult]) -> list[ScanResult]:
    """The files worth showing one by one: those that reveal something or could not be read."""
    return [
        result for result in results if result.reveals_location or result.reveals_identity or result.error
    ]


def shown_in_detail(results: Sequence[ScanResult]) -> list[ScanResult]:
    """A single file is always shown; of several, the first telling ones."""
    return list(results) if len(results) == 1 else telling(results)[:SHOWN_IN_DETAIL]


def names_places(results: Sequence[ScanResult]) -> bool:
    """True when a place name from the GeoNames list is shown, which then needs its credit."""
    return any(spot.place for result in results for spot in result.locations)


def share_advice(results: Sequence[ScanResult], path: str | Path | None = None) -> str | None:
    """Why and how to share a cleaned copy, when something is revealed. With `path`, the command-line
    sentence naming the command to run; without, the sentence for a page that offers the cleaned copy."""
    found = revealing(results)
    if not found:
        return None
    wording = load_wording()
    noun = wording.kind_of(found[0].format) if len(found) == 1 else "file"
    if path is None:
        return wording.advice.share_here.format(noun=noun)
    return wording.advice.share.format(noun=noun, path=path)
