"""What the computer check looks at, and the small interface every collector implements.

A collector (`processes.py`, `autostart.py`, `installed.py`) takes an `Environment` — which platform, where
the file system's root and the person's home folder are, a registry reader on Windows, an injected
process list — and returns what it saw as `Collected`: the items, the files it read (hashed before
parsing), and notes on what it checked and what it could not. Collectors only read: they never change,
stop or remove anything. Tests point the environment at a fake file system under `tmp_path`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Literal, Protocol, TypeVar

from stalkproof.digital.findings import InputFile

Platform = Literal["linux", "macos", "windows", "other"]
StartKind = Literal["login", "service", "schedule"]
InstalledKind = Literal["package", "flatpak", "snap", "bundle_id", "uninstall_name"]
# Where a product was seen, as the finding's message says it ("is running now", "is installed", …).
Place = Literal["running", "starts", "schedule", "switched_off", "installed", "files"]
# What exactly matched, as the finding's `why` says it ("the start-up entry 'anydesk'", …).
EvidenceKind = Literal[
    "process", "autostart", "launchd", "package", "flatpak", "snap", "bundle_id", "uninstall_name", "files"
]

# What a collector checked or could not check, rendered in words by `wording.yaml`'s `notes`.
NoteCode = Literal[
    "processes",
    "process_details_hidden",
    "processes_not_live",
    "autostart_files",
    "systemd",
    "cron",
    "launchd",
    "login_items",
    "registry_run",
    "startup_folders",
    "no_registry",
    "windows_tasks",
    "dpkg",
    "pacman",
    "rpm",
    "flatpak",
    "snap",
    "applications",
    "uninstall_registry",
    "install_folders",
    "unreadable",
    "no_home",
    "platform_unsupported",
]

T = TypeVar("T")


def platform_of(name: str | None = None) -> Platform:
    """`linux`, `macos`, `windows` or `other`, from `sys.platform` or a name such as "darwin"."""
    lowered = (sys.platform if name is None else name).lower()
    if lowered.startswith("linux"):
        return "linux"
    if lowered in ("darwin", "macos", "mac", "osx"):
        return "macos"
    if lowered in ("win32", "windows", "cygwin", "win"):
        return "windows"
    return "other"


class RegistryReader(Protocol):
    """Read-only access to the Windows registry. Keys are written `HKLM\\SOFTWARE\\…` or `HKCU\\…`.

    Both methods return None when the key does not exist and raise PermissionError when it may not be
    read. Tests pass a dictionary-backed fake; on Windows, `registry.system_registry()` uses winreg.
    """

    def values(self, key: str) -> Mapping[str, object] | None: ...

    def subkeys(self, key: str) -> Sequence[str] | None: ...


@dataclass(frozen=True)
class ProcessInfo:
    """One running program. `details_hidden` means the system refused to show its path or command line
    (usually another user's program, without administrator rights)."""

    pid: int
    name: str | None
    exe: str | None = None
    cmdline0: str | None = None
    username: str | None = None
    details_hidden: bool = False


@dataclass(frozen=True)
class AutostartEntry:
    """Something set up to start by itself. `name` is the entry's own name (file name without extension,
    systemd unit, launchd Label, registry value name); `program` the program it starts, when known;
    `how` whether it starts at log-in, as a system service, or on a schedule; `where` the file or
    registry key that holds it."""

    name: str
    program: str | None
    how: StartKind
    where: str
    enabled: bool = True


@dataclass(frozen=True)
class InstalledItem:
    """Something installed: a package, Flatpak or Snap, a macOS bundle id, or a Windows uninstall entry
    (`name` is its display name). `label` is a name a person would recognise; `location` its folder."""

    name: str
    kind: InstalledKind
    where: str
    label: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class Note:
    """One line of "checked" or "not checked"; `detail` fills the wording's `{detail}`."""

    code: NoteCode
    detail: str = ""


@dataclass
class Collected(Generic[T]):
    items: list[T] = field(default_factory=list)
    inputs: list[InputFile] = field(default_factory=list)
    checked: list[Note] = field(default_factory=list)
    not_checked: list[Note] = field(default_factory=list)

    def absorb(self, other: Collected[T]) -> None:
        self.items.extend(other.items)
        self.inputs.extend(other.inputs)
        self.checked.extend(other.checked)
        self.not_checked.extend(other.not_checked)


@dataclass(frozen=True)
class Environment:
    """Where and what to look at. `live` is True when this is the running computer itself (root `/`):
    only then are running programs and the real registry read. `environ` supplies Windows folder
    variables such as %ProgramFiles%; missing ones fall back to the usual folders under `root`."""

    platform: Platform
    root: Path
    home: Path | None
    live: bool
    environ: Mapping[str, str] = field(default_factory=dict)
    registry: RegistryReader | None = None
    processes: Sequence[ProcessInfo] | None = None
