"""Observations against the product list: which products were seen, where, and by which exact match.

Each product found gets one `ProductMatch` holding every piece of evidence (running, starting by itself,
installed, folder present), so a person reads one finding per product rather than one per trace.
The rules for what counts as a match are in `indicators.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from stalkproof.digital.computer import paths
from stalkproof.digital.computer.indicators import Hit, PlatformIndex, Product
from stalkproof.digital.computer.model import (
    AutostartEntry,
    Environment,
    EvidenceKind,
    InstalledItem,
    Place,
    ProcessInfo,
)

ACTIVE_PLACES: tuple[Place, ...] = ("running", "starts", "schedule")


@dataclass(frozen=True)
class Evidence:
    """`observed` is the name seen; `where` the process, file or registry key it was seen in."""

    place: Place
    kind: EvidenceKind
    hit: Hit
    observed: str
    where: str

    def to_json(self) -> dict[str, str]:
        return {
            "place": self.place,
            "observed": self.observed,
            "where": self.where,
            "indicator_type": self.hit.type,
            "indicator": self.hit.value,
        }


@dataclass
class ProductMatch:
    product: Product
    evidence: list[Evidence] = field(default_factory=list)

    def places(self) -> list[Place]:
        """Where it was seen, in a fixed order; a present folder is not repeated when it is installed."""
        seen = {item.place for item in self.evidence}
        if "installed" in seen:
            seen.discard("files")
        order: tuple[Place, ...] = ("running", "starts", "schedule", "switched_off", "installed", "files")
        return [place for place in order if place in seen]

    def active(self) -> bool:
        """Running now, or set up to start by itself: usable without anyone at the computer."""
        return any(item.place in ACTIVE_PLACES for item in self.evidence)

    def first_hit(self) -> Hit:
        return self.evidence[0].hit


def match_products(
    index: PlatformIndex,
    env: Environment,
    processes: Iterable[ProcessInfo],
    autostart: Iterable[AutostartEntry],
    installed: Iterable[InstalledItem],
) -> list[ProductMatch]:
    """Every product with at least one exact match, in the order they were first seen."""
    found: dict[str, ProductMatch] = {}
    evidence = [
        *(item for process in processes for item in process_evidence(index, env, process)),
        *(item for entry in autostart for item in autostart_evidence(index, env, entry)),
        *(item for thing in installed for item in installed_evidence(index, env, thing)),
        *folder_evidence(index, env),
    ]
    for item in evidence:
        found.setdefault(item.hit.product.name, ProductMatch(item.hit.product)).evidence.append(item)
    return list(found.values())


def process_evidence(index: PlatformIndex, env: Environment, process: ProcessInfo) -> Iterator[Evidence]:
    hit = (
        index.exact("process", process.name)
        or index.program(process.exe)
        or index.program(process.cmdline0)
        or index.path(process.exe, env)
        or index.path(process.cmdline0, env)
    )
    if hit is None:
        return
    observed = process.name or paths.basename(process.exe or process.cmdline0 or "?", env.platform)
    user = f", user {process.username}" if process.username else ""
    yield Evidence("running", "process", hit, observed, f"process {process.pid}{user}")


def autostart_evidence(index: PlatformIndex, env: Environment, entry: AutostartEntry) -> Iterator[Evidence]:
    if env.platform == "macos":
        by_name = index.exact("launchd_label", entry.name)
    else:
        by_name = index.exact("autostart", entry.name) or index.exact("autostart", entry.name.split("@")[0])
    hit = by_name or index.program(entry.program) or index.path(entry.program, env)
    if hit is None:
        return
    place: Place = "starts" if entry.how != "schedule" else "schedule"
    if not entry.enabled:
        place = "switched_off"
    kind: EvidenceKind = "launchd" if env.platform == "macos" else "autostart"
    yield Evidence(place, kind, hit, entry.name, entry.where)


def installed_evidence(index: PlatformIndex, env: Environment, item: InstalledItem) -> Iterator[Evidence]:
    if item.kind in ("package", "snap"):
        hit = index.exact("package", item.name)
    elif item.kind == "flatpak":
        hit = index.exact("flatpak", item.name)
    elif item.kind == "bundle_id":
        hit = index.exact("bundle_id", item.name) or index.path(item.location, env)
    else:
        hit = index.uninstall_name(item.name) or index.path(item.location, env)
    if hit is not None:
        where = item.location or item.where
        yield Evidence("installed", item.kind, hit, item.name, where)


def folder_evidence(index: PlatformIndex, env: Environment) -> Iterator[Evidence]:
    """Product folders that exist on disk, whether or not anything else names them."""
    for hit in index.path_hits():
        located = paths.locate(hit.value, env)
        try:
            present = located is not None and located.exists()
        except OSError:
            present = False
        if present:
            yield Evidence("files", "files", hit, hit.value, str(located))
