"""`stalkproof device check PATH`: recognise what a phone acquisition is, read it, and check it.

Recognised: an AndroidQF acquisition (folder or zip), an Android bugreport (zip or unpacked folder), raw
`dumpsys` text, `pm list packages` output, `getprop` or `ps` output on their own, and an iOS backup folder
(handed to stalkproof.digital.phone.ios). Anything else is refused with one sentence saying what the
input looks like instead, so nobody reads "nothing found" about a file that was never checked.
Every input file is hashed before it is read.
"""

from __future__ import annotations

import importlib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson

from stalkproof import __version__
from stalkproof.clock import now_iso
from stalkproof.digital.findings import CheckReport, InputFile
from stalkproof.digital.indicators.model import IndicatorSet
from stalkproof.digital.phone.android.androidqf import MARKERS as ANDROIDQF_MARKERS
from stalkproof.digital.phone.android.androidqf import is_androidqf, read_androidqf
from stalkproof.digital.phone.android.bugreport import is_bugreport, read_bugreport
from stalkproof.digital.phone.android.bundle import MAX_MEMBER_BYTES, Bundle
from stalkproof.digital.phone.android.checks import run_checks
from stalkproof.digital.phone.android.dumpsys import READERS, looks_like_dumpsys, read_dumpsys
from stalkproof.digital.phone.android.getprop import looks_like_getprop, read_getprop
from stalkproof.digital.phone.android.heuristics import load_heuristics
from stalkproof.digital.phone.android.model import AndroidDevice
from stalkproof.digital.phone.android.pm_list import looks_like_pm_list, read_pm_list
from stalkproof.digital.phone.android.processes import looks_like_ps, read_ps
from stalkproof.digital.phone.android.report import describe_coverage
from stalkproof.errors import InputError

InputKind = Literal["androidqf", "bugreport", "dumpsys", "pm_list", "getprop", "processes", "ios_backup"]

KIND_NAMES: dict[InputKind, str] = {
    "androidqf": "an AndroidQF acquisition",
    "bugreport": "an Android bugreport",
    "dumpsys": "dumpsys output",
    "pm_list": "'pm list packages' output",
    "getprop": "getprop output",
    "processes": "ps output",
    "ios_backup": "an iOS backup",
}
NOT_AN_ACQUISITION = "This does not look like a phone acquisition: "
WHAT_IS_ACCEPTED = (
    "stalkproof reads AndroidQF acquisitions (folder or zip), Android bugreports, dumpsys or "
    "'pm list packages' output, and iOS backup folders."
)
_HEAD_BYTES = 1 << 16
IOS_MODULE = "stalkproof.digital.phone.ios"


@dataclass(frozen=True)
class Recognised:
    kind: InputKind
    path: Path
    text: str | None = None


def check_device(path: Path, indicators: IndicatorSet, *, password: str | None = None) -> CheckReport:
    """Check one phone acquisition against `indicators` and the Android heuristics."""
    try:
        return _check(path, indicators, password)
    except InputError as error:
        if error.path is None:
            raise InputError(error.message, path) from error
        raise
    except OSError as error:
        raise InputError(f"This could not be read ({error.strerror or error}).", path) from error


def _check(path: Path, indicators: IndicatorSet, password: str | None) -> CheckReport:
    if not path.exists():
        raise InputError("There is no file or folder at this path.", path)
    recognised = recognise(path, password)
    if recognised.kind == "ios_backup":
        return _check_ios(recognised.path, indicators, password)
    inputs = InputFile.of_tree(path)  # before reading, so the hashes are of what was given
    device = read_android(recognised, password)
    wording = load_heuristics()
    report = CheckReport("device", inputs=inputs, indicator_sources=list(indicators.sources))
    report.add(run_checks(device, indicators, wording))
    describe_coverage(report, device, indicators, wording)
    report.details.update({"input_kind": recognised.kind, "target": str(path)})
    return report


# --- recognising the input ---------------------------------------------------------------------


def recognise(path: Path, password: str | None = None) -> Recognised:
    """What `path` is, or an InputError saying what it looks like instead."""
    if path.is_dir():
        return _recognise_folder(path, password, descend=True)
    head = _head(path)
    if not head:
        raise InputError("This file is empty.", path)
    if zipfile.is_zipfile(path):
        return _recognise_zip(path, password)
    _refuse_known_binaries(head)
    binary = b"\x00" in head
    if binary and classify_text(head.decode("utf-8", errors="replace")) is None:
        raise InputError(NOT_AN_ACQUISITION + "it is a binary file that is not a zip. " + WHAT_IS_ACCEPTED)
    if path.stat().st_size > MAX_MEMBER_BYTES:
        raise InputError(NOT_AN_ACQUISITION + "it is too large to be the text output of an Android tool.")
    # dumpsys text may hold stray binary (the adb key store), so decoding keeps going past it.
    text = path.read_bytes().decode("utf-8", errors="replace")
    _refuse_json(text, path.name)
    kind = classify_text(text)
    if kind is None:
        _refuse_part(path.name)
        raise InputError(
            f"{NOT_AN_ACQUISITION}it is a text file stalkproof does not recognise. {WHAT_IS_ACCEPTED}"
        )
    return Recognised(kind, path, text)


def _head(path: Path) -> bytes:
    with path.open("rb") as stream:
        return stream.read(_HEAD_BYTES)


def classify_text(text: str) -> InputKind | None:
    checks: tuple[tuple[InputKind, Callable[[str], bool]], ...] = (
        ("pm_list", looks_like_pm_list),
        ("getprop", looks_like_getprop),
        ("processes", looks_like_ps),
        ("dumpsys", looks_like_dumpsys),
    )
    return next((kind for kind, looks_like in checks if looks_like(text)), None)


def _refuse_known_binaries(head: bytes) -> None:
    if head.startswith(b"ANDROID BACKUP"):
        raise InputError(
            "This is an Android backup (.ab) file, which stalkproof cannot check on its own: make an "
            "AndroidQF acquisition or a bugreport of the phone instead."
        )
    if head.startswith(b"age-encryption.org/"):
        raise InputError(
            "This acquisition is encrypted (age, as AndroidQF can do): decrypt it with the key it was made "
            "with, then check the zip that gives."
        )
    if head.startswith(b"SQLite format 3"):
        raise InputError(
            NOT_AN_ACQUISITION + "it is a database file. For an iOS backup, give the whole backup folder "
            "(the one holding Manifest.db and Info.plist)."
        )
    if head.startswith(b"bplist") or b"<plist" in head[:512]:
        raise InputError(
            NOT_AN_ACQUISITION + "it is a single property list (plist). For an iOS backup, give the whole "
            "backup folder (the one holding Manifest.db and Info.plist)."
        )


def _refuse_part(name: str) -> None:
    """One file taken out of an acquisition: say which, and what to give instead."""
    lowered = name.lower()
    if lowered in ANDROIDQF_MARKERS or lowered.startswith("settings_"):
        raise InputError(
            f"This is {name}, one file from an AndroidQF acquisition: give the whole acquisition folder "
            "or its zip."
        )
    if lowered == "main_entry.txt" or lowered.startswith("tombstone"):
        raise InputError(
            f"This is {name}, one file from an Android bugreport: give the whole bugreport zip or folder."
        )


def _refuse_json(text: str, name: str) -> None:
    if not text.lstrip().startswith(("{", "[")):
        return
    try:
        data: Any = orjson.loads(text)
    except orjson.JSONDecodeError:
        return  # getprop output starts with '[' too
    if isinstance(data, dict) and data.get("type") == "bundle":
        raise InputError(
            "This is a STIX2 indicator file, not a phone acquisition: give it as an indicator file and "
            "the acquisition as the path to check."
        )
    _refuse_part(name)
    raise InputError(NOT_AN_ACQUISITION + "it is a JSON file. " + WHAT_IS_ACCEPTED)


def _recognise_zip(path: Path, password: str | None) -> Recognised:
    with Bundle.open(path, password) as bundle:
        if is_androidqf(bundle):
            return Recognised("androidqf", path)
        if is_bugreport(bundle):
            return Recognised("bugreport", path)
        if "manifest.db" in bundle.basenames():
            raise InputError(
                "This zip holds an iOS backup: unzip it and give the backup folder (the one holding "
                "Manifest.db and Info.plist)."
            )
    raise InputError(
        "This zip does not hold a phone acquisition: none of the files an AndroidQF acquisition "
        "(packages.json, dumpsys.txt, getprop.txt …) or an Android bugreport (main_entry.txt, "
        "dumpstate.txt) has is in it."
    )


def _recognise_folder(path: Path, password: str | None, *, descend: bool) -> Recognised:
    names = {child.name.lower(): child for child in path.iterdir()}
    if "manifest.db" in names:
        if "info.plist" in names or "manifest.plist" in names:
            return Recognised("ios_backup", path)
        raise InputError(
            "This looks like part of an iOS backup: Manifest.db is there, but Info.plist and "
            "Manifest.plist are missing."
        )
    with Bundle.open(path, password) as bundle:
        if is_androidqf(bundle):
            return Recognised("androidqf", path)
        if is_bugreport(bundle):
            return Recognised("bugreport", path)
    folders = [child for child in names.values() if child.is_dir() and not child.name.startswith(".")]
    files = [child for child in names.values() if child.is_file() and not child.name.startswith(".")]
    if descend and len(folders) == 1 and not files:
        # Tools put each acquisition in a folder of its own; accept the folder around it too.
        return _recognise_folder(folders[0], password, descend=False)
    raise InputError(
        NOT_AN_ACQUISITION + "the folder has none of the files an AndroidQF acquisition (packages.json, "
        "dumpsys.txt, getprop.txt …), an Android bugreport (main_entry.txt, dumpstate.txt) or an iOS "
        "backup (Manifest.db, Info.plist) holds."
    )


# --- reading Android inputs --------------------------------------------------------------------


def read_android(recognised: Recognised, password: str | None = None) -> AndroidDevice:
    """The device as the input describes it; an InputError when nothing in it could be read."""
    kind, path, text = recognised.kind, recognised.path, recognised.text or ""
    device = AndroidDevice()
    services: list[str] = []
    if kind in ("androidqf", "bugreport"):
        with Bundle.open(path, password) as bundle:
            device = read_androidqf(bundle) if kind == "androidqf" else read_bugreport(bundle)
    elif kind == "dumpsys":
        services = read_dumpsys(text, device, path.name)
    elif kind == "pm_list":
        read_pm_list(text, device, path.name)
    elif kind == "getprop":
        read_getprop(text, device, path.name)
    elif kind == "processes":
        read_ps(text, device, path.name)
    if device.is_empty() and not device.processes:
        raise InputError(_nothing_read(kind, services))
    return device


def _nothing_read(kind: InputKind, services: list[str]) -> str:
    unknown_version = "it may come from an Android version stalkproof does not know."
    if kind != "dumpsys" or not services:
        return f"This looks like {KIND_NAMES[kind]}, but none of it could be read: {unknown_version}"
    named = ", ".join(f"'dumpsys {service}'" for service in dict.fromkeys(services))
    if not any(service in READERS for service in services):
        return (
            f"This is {named} output, which holds nothing stalkproof checks: it checks apps, "
            "accessibility services, notification listeners, device administrators, app permissions "
            "and settings."
        )
    return f"This looks like {named} output, but none of it could be read: {unknown_version}"


# --- iOS ---------------------------------------------------------------------------------------


def _check_ios(path: Path, indicators: IndicatorSet, password: str | None) -> CheckReport:
    """Hand an iOS backup to the iOS reader, imported only when one is given."""
    try:
        module = importlib.import_module(IOS_MODULE)
    except ModuleNotFoundError as error:
        if error.name and not IOS_MODULE.startswith(error.name):
            raise InputError(
                f"iOS backups cannot be checked: a part stalkproof needs for them ({error.name}) is not "
                "installed.",
                path,
            ) from error
        module = None
    check_ios_backup = getattr(module, "check_ios_backup", None)
    if check_ios_backup is None:
        raise InputError("iOS backups cannot be checked yet: this stalkproof reads only Android.", path)
    report = check_ios_backup(path, indicators, password=password)
    if not isinstance(report, CheckReport):
        raise TypeError("check_ios_backup must return a CheckReport")
    return report


# --- MVT-style output --------------------------------------------------------------------------


def write_alerts_json(report: CheckReport, out_dir: Path) -> list[Path]:
    """Write MVT-compatible `alerts.json` and an `info.json` with the input hashes; return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    alerts = out_dir / "alerts.json"
    info = out_dir / "info.json"
    alerts.write_bytes(orjson.dumps(report.mvt_alerts(), option=orjson.OPT_INDENT_2))
    details = {
        "target_path": report.details.get("target"),
        "stalkproof_version": __version__,
        "date": now_iso(),
        "ioc_files": list(report.indicator_sources),
        "hashes": [{"file_path": item.path, "sha256": item.sha256} for item in report.inputs],
    }
    info.write_bytes(orjson.dumps(details, option=orjson.OPT_INDENT_2))
    return [alerts, info]
