"""Android bugreports (`adb bugreport`, a zip, or the folder it unpacks to): `main_entry.txt` names the main
report (`bugreport-….txt` or `dumpstate.txt`), which holds the system properties, the process list and a
full `dumpsys`; `FS/data/tombstones/` holds crash reports naming the process that crashed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stalkproof.digital.phone.android.bundle import Bundle
from stalkproof.digital.phone.android.dumpsys import read_dumpsys
from stalkproof.digital.phone.android.getprop import read_getprop, release_from_fingerprint
from stalkproof.digital.phone.android.model import AndroidDevice
from stalkproof.digital.phone.android.processes import read_ps
from stalkproof.errors import InputError

_MAIN_FILE = re.compile(r"^(bugreport|dumpstate)[^/]*\.txt$", re.IGNORECASE)
_NOT_MAIN = {"dumpstate_log.txt", "dumpstate_board.txt"}
_SECTION = re.compile(r"^------ (.*) ------\s*$")
_FINGERPRINT = re.compile(r"^Build fingerprint: '([^']+)'", re.MULTILINE)
_CRASHED = re.compile(r">>> (\S+) <<<")


def is_bugreport(bundle: Bundle) -> bool:
    return bundle.find("main_entry.txt") is not None or _candidate(bundle) is not None


def _candidate(bundle: Bundle) -> str | None:
    return next(
        (name for name in bundle.top_level() if _MAIN_FILE.match(name) and name.lower() not in _NOT_MAIN),
        None,
    )


def main_report(bundle: Bundle) -> str:
    """The main report's name: the one main_entry.txt names, else the only `bugreport*.txt`."""
    entry = bundle.find("main_entry.txt")
    if entry:
        named = bundle.read_text(entry).strip()
        found = bundle.find(named) if named else None
        if found:
            return found
    candidate = _candidate(bundle)
    if candidate is None:
        raise InputError(
            "This looks like an Android bugreport, but its main report file is missing "
            "(main_entry.txt names none that is in it)."
        )
    return candidate


def read_bugreport(bundle: Bundle) -> AndroidDevice:
    device = AndroidDevice()
    name = main_report(bundle)
    text = bundle.read_text(name)
    for title, body in sections(text):
        if title.startswith("SYSTEM PROPERTIES"):
            read_getprop(body, device, f"{name}: system properties")
        elif title.startswith("PROCESSES"):
            read_ps(body, device, f"{name}: processes")
    fingerprint = _FINGERPRINT.search(text)
    if fingerprint:
        device.set_version(release=release_from_fingerprint(fingerprint.group(1)), source="build fingerprint")
    read_dumpsys(text, device, name)
    _read_tombstones(bundle, device)
    return device


def sections(text: str) -> Iterator[tuple[str, str]]:
    """(title, text) for each `------ TITLE (command) ------` section of a bugreport."""
    title: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        header = _SECTION.match(line)
        if header:
            if title is not None:
                yield title, "\n".join(lines)
            title, lines = header.group(1), []
            if "was the duration of" in title:
                title = None
        elif title is not None:
            lines.append(line)
    if title is not None:
        yield title, "\n".join(lines)


def _read_tombstones(bundle: Bundle, device: AndroidDevice) -> None:
    """Crash reports name the process that crashed; those names are matched like running processes."""
    tombstones = [name for name in bundle.names() if "tombstones/tombstone_" in name.lower()]
    for name in tombstones:
        for process in _CRASHED.findall(bundle.read_text(name)):
            if process not in device.processes:
                device.processes.append(process)
    if tombstones:
        device.note_read(f"crash reports ({len(tombstones)} tombstones)")
