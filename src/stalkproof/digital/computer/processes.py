"""Running programs: name, program path, first command-line word and user, read with psutil.

Only read: no process is ever signalled, stopped or changed. Without administrator rights the system
hides some details of other users' programs; those are counted and reported as not checked.
"""

from __future__ import annotations

from collections.abc import Iterator

import psutil

from stalkproof.digital.computer.model import Collected, Environment, Note, ProcessInfo

# psutil puts this in place of a detail the system refused to show (AccessDenied).
_DENIED = object()


def collect(env: Environment) -> Collected[ProcessInfo]:
    """The injected process list if there is one, else this computer's own when `env.live`."""
    found: Collected[ProcessInfo] = Collected()
    if env.processes is not None:
        found.items = list(env.processes)
    elif env.live:
        found.items = list(live_processes())
    else:
        found.not_checked.append(Note("processes_not_live"))
        return found
    found.checked.append(Note("processes", str(len(found.items))))
    hidden = sum(process.details_hidden for process in found.items)
    if hidden:
        found.not_checked.append(Note("process_details_hidden", str(hidden)))
    return found


def live_processes() -> Iterator[ProcessInfo]:
    attributes = ["pid", "name", "exe", "cmdline", "username"]
    for process in psutil.process_iter(attributes, ad_value=_DENIED):
        try:
            info = process.info
        except psutil.Error:  # it ended while being read
            continue
        yield _from_info(info)


def _from_info(info: dict[str, object]) -> ProcessInfo:
    exe, cmdline = info.get("exe"), info.get("cmdline")
    first = cmdline[0] if isinstance(cmdline, list) and cmdline else None
    pid = info.get("pid")
    return ProcessInfo(
        pid=pid if isinstance(pid, int) else -1,
        name=_text(info.get("name")),
        exe=_text(exe),
        cmdline0=_text(first),
        username=_text(info.get("username")),
        details_hidden=exe is _DENIED or cmdline is _DENIED,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
