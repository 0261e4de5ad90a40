"""Running processes: `ps -A` output (AndroidQF `ps.txt`, a bugreport's process section) and AndroidQF's
`processes.json`. Only the process names are kept; kernel threads (`[kthreadd]`) are skipped."""

from __future__ import annotations

import re
from typing import Any

import orjson

from stalkproof.digital.phone.android.model import AndroidDevice

_HEADER = re.compile(r"^\s*(LABEL\s+)?USER\s+PID\s")


def looks_like_ps(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return bool(_HEADER.match(first))


def parse_ps(text: str) -> list[str]:
    """Process names from the last column of `ps` output, in the order listed, without repeats.

    The last token is taken rather than splitting by the header, because empty columns (WCHAN) shift
    the others and Android process names have no spaces.
    """
    names: dict[str, None] = {}
    for line in text.splitlines():
        fields = line.split()
        # The PID is the second column, or the third when `-Z` adds the SELinux label first.
        if len(fields) < 3 or _HEADER.match(line) or not (fields[1].isdigit() or fields[2].isdigit()):
            continue
        name = fields[-1]
        if not name.startswith("["):
            names.setdefault(name)
    return list(names)


def read_ps(text: str, device: AndroidDevice, where: str) -> None:
    names = parse_ps(text)
    if not names:
        return
    _add(device, names, where)


def read_processes_json(data: bytes, device: AndroidDevice, where: str) -> None:
    """AndroidQF's `processes.json`: a list of objects naming each process."""
    try:
        items: Any = orjson.loads(data)
    except orjson.JSONDecodeError:
        device.notes.append(f"{where} is not valid JSON, so the processes in it were not checked.")
        return
    names = [
        str(item.get("name") or item.get("process_name") or item.get("cmdline") or "").split()[0]
        for item in items or ()
        if isinstance(item, dict) and (item.get("name") or item.get("process_name") or item.get("cmdline"))
    ]
    if names:
        _add(device, names, where)


def _add(device: AndroidDevice, names: list[str], where: str) -> None:
    for name in names:
        if name not in device.processes:
            device.processes.append(name)
    device.sections.add("processes")
    device.note_read(where)
