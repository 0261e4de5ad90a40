"""`stalkproof computer check`: spying, monitoring and remote-access tools on this computer.

Reads running programs, start-up entries and installed software (see the collectors), matches them
exactly against `indicators.yaml`, and words one finding per product found: what it is, where it was
seen, why it matched, and — for every product and for the heuristic — `removal_risk`, so the report puts
the safety note before any advice about removing it. One cheap heuristic: a start-up entry whose program
sits in a temporary or hidden folder (low). The check only reads: it never changes, stops or removes
anything, and a result with no findings never says the computer is safe.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from stalkproof.digital.computer import autostart, installed, paths
from stalkproof.digital.computer import processes as process_list
from stalkproof.digital.computer.indicators import (
    SOURCE_NAME,
    ComputerIndicators,
    PlatformIndex,
    load_indicators,
)
from stalkproof.digital.computer.matching import Evidence, ProductMatch, match_products
from stalkproof.digital.computer.model import (
    AutostartEntry,
    Collected,
    Environment,
    Note,
    ProcessInfo,
    RegistryReader,
    platform_of,
)
from stalkproof.digital.computer.registry import system_registry
from stalkproof.digital.computer.wording import ComputerWording, load_wording
from stalkproof.digital.findings import Alert, CheckReport, InputFile, Level, MatchedIndicator

MODULE = "computer"
# Echap's categories where they fit, so results read like the phone check's.
_CATEGORY = {"spyware": "stalkerware", "monitoring": "watchware", "remote_access": "remote_access"}


def check_computer(
    *,
    root: Path = Path("/"),
    home: Path | None = None,
    processes: Sequence[ProcessInfo] | None = None,
    platform: str | None = None,
    indicators: ComputerIndicators | None = None,
    registry: RegistryReader | None = None,
    environ: Mapping[str, str] | None = None,
) -> CheckReport:
    """Check the computer whose file system is at `root` (this one, by default).

    `home` is the person's home folder (their own when `root` is `/`); `processes` replaces the live
    process list (which is read only when `root` is `/`); `platform` is `linux`, `macos`/`darwin` or
    `windows`/`win32` (this computer's by default); `registry` replaces the Windows registry and `environ`
    the environment's folder variables.
    """
    env = environment(
        root=root, home=home, processes=processes, platform=platform, registry=registry, environ=environ
    )
    indicators = indicators or load_indicators()
    wording = load_wording()
    running, starts, present = process_list.collect(env), autostart.collect(env), installed.collect(env)
    index = PlatformIndex(indicators, env.platform)
    matches = match_products(index, env, running.items, starts.items, present.items)

    report = CheckReport(check="computer", indicator_sources=[indicators.describe(), SOURCE_NAME])
    report.add(product_alert(match, wording) for match in matches)
    reported = {(item.where, item.observed) for match in matches for item in match.evidence}
    report.add(odd_folder_alerts(env, starts.items, running.items, reported, wording))
    collected: tuple[Collected[Any], ...] = (running, starts, present)
    checked = [note for part in collected for note in part.checked]
    if index.path_hits():
        checked.append(Note("install_folders"))
    report.checked = render(checked, wording)
    not_checked = render((note for part in collected for note in part.not_checked), wording)
    report.not_checked = not_checked + list(wording.always_not_checked)
    report.inputs = unique_inputs(item for part in collected for item in part.inputs)
    report.details = {
        "platform": env.platform,
        "root": str(env.root),
        "home": str(env.home) if env.home else None,
        "processes_seen": len(running.items),
        "autostart_entries": len(starts.items),
        "installed_items": len(present.items),
        "products_on_list": len(indicators.products),
    }
    return report


def environment(
    *,
    root: Path,
    home: Path | None,
    processes: Sequence[ProcessInfo] | None,
    platform: str | None,
    registry: RegistryReader | None,
    environ: Mapping[str, str] | None,
) -> Environment:
    """The check's view of the computer. Only for `/` are this computer's home folder, environment,
    registry and running programs used; a copied or mounted disk gets none of them by default."""
    live = root == Path("/")
    chosen = platform_of(platform)
    return Environment(
        platform=chosen,
        root=root,
        home=home if home is not None else (Path.home() if live else None),
        live=live,
        environ=environ if environ is not None else (dict(os.environ) if live else {}),
        registry=registry if registry is not None else (system_registry() if live else None),
        processes=processes,
    )


def product_alert(match: ProductMatch, wording: ComputerWording) -> Alert:
    product = match.product
    kind = wording.kinds[product.kind]
    level: Level = product.level
    why = wording.why.format(
        kind_label=kind.label,
        name=product.name,
        url=product.url,
        evidence=evidence_text(match.evidence, wording),
    )
    if product.kind == "remote_access" and not match.active() and kind.installed_only_level:
        level = kind.installed_only_level
        why += " " + (kind.installed_only_why or "")
    places = " and ".join(_join(wording.places[place] for place in match.places()))
    message = " ".join(
        (
            wording.message.format(name=product.name, places=places),
            (product.does or kind.does).format(name=product.name),
            kind.advice.format(name=product.name),
        )
    )
    hit = match.first_hit()
    return Alert(
        level=level,
        module=MODULE,
        message=message,
        why=why.strip(),
        meaning=kind.meaning,
        matched_indicator=MatchedIndicator(
            value=hit.value,
            type=hit.type,
            name=product.name,
            category=_CATEGORY[product.kind],
            source=SOURCE_NAME,
        ),
        event={
            "product": product.name,
            "kind": product.kind,
            "found": [item.to_json() for item in match.evidence],
        },
        removal_risk=True,
    )


def _join(parts: Iterable[str]) -> list[str]:
    """["a", "b", "c"] → ["a, b", "c"], so joining with " and " reads "a, b and c"."""
    items = list(parts)
    return [", ".join(items[:-1]), items[-1]] if len(items) > 2 else items


def evidence_text(evidence: Iterable[Evidence], wording: ComputerWording) -> str:
    texts = [
        wording.evidence[item.kind].format(observed=item.observed, where=item.where) for item in evidence
    ]
    return "; ".join(dict.fromkeys(texts))


def odd_folder_alerts(
    env: Environment,
    entries: Iterable[AutostartEntry],
    running: Iterable[ProcessInfo],
    already_reported: set[tuple[str, str]],
    wording: ComputerWording,
) -> list[Alert]:
    """Start-up entries (not already reported as a product) whose program is in a temporary or hidden
    folder; the message adds whether that program is running now."""
    rule = wording.heuristics
    temporary = rule.temporary_folders.windows if env.platform == "windows" else rule.temporary_folders.posix
    running_programs = {
        paths.normalise(text, env.platform)
        for process in running
        for text in (process.exe, process.cmdline0)
        if text
    }
    alerts = []
    for entry in entries:
        if entry.program is None or (entry.where, entry.name) in already_reported:
            continue
        folder = paths.odd_folder(entry.program, env, temporary, rule.ordinary_hidden_folders)
        if folder is None:
            continue
        is_running = paths.normalise(entry.program, env.platform) in running_programs
        alerts.append(_odd_folder_alert(entry, folder, is_running, wording))
    return alerts


def _odd_folder_alert(
    entry: AutostartEntry, folder: str, is_running: bool, wording: ComputerWording
) -> Alert:
    text = wording.heuristics.odd_folder_autostart
    message = text.message.format(name=entry.name, folder=folder, program=entry.program)
    return Alert(
        level=text.level,
        module=MODULE,
        message=message + (text.running if is_running else ""),
        why=text.why.format(folder=folder, where=entry.where),
        meaning=text.meaning,
        event={
            "autostart": entry.name,
            "program": entry.program,
            "where": entry.where,
            "folder": folder,
            "running": is_running,
        },
        removal_risk=True,
    )


def render(notes: Iterable[Note], wording: ComputerWording) -> list[str]:
    """Each note in words, once."""
    return list(dict.fromkeys(wording.notes[note.code].format(detail=note.detail) for note in notes))


def unique_inputs(inputs: Iterable[InputFile]) -> list[InputFile]:
    seen: dict[str, InputFile] = {}
    for item in inputs:
        seen.setdefault(item.path, item)
    return list(seen.values())
