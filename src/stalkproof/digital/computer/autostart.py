"""Programs set up to start by themselves, read from the files and registry keys that start them.

Linux: XDG autostart files (`~/.config/autostart`, `/etc/xdg/autostart`; a user's file of the same name
overrides the system one), systemd units switched on through `*.wants/` links (system and user), and the
crontabs that can be read. macOS: launch agents and daemons (`~/Library/LaunchAgents`,
`/Library/LaunchAgents`, `/Library/LaunchDaemons`); login items cannot be read and are reported as not
checked. Windows: the Run and RunOnce registry keys and the Startup folders. Every file read is hashed.
"""

from __future__ import annotations

import os
import plistlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from stalkproof.digital.computer import paths
from stalkproof.digital.computer.model import (
    AutostartEntry,
    Collected,
    Environment,
    Note,
    RegistryReader,
    StartKind,
)
from stalkproof.digital.computer.reading import children, read_input, text_of
from stalkproof.digital.computer.registry import RUN_KEYS

SYSTEMD_SYSTEM_DIRS = (
    "etc/systemd/system",
    "usr/local/lib/systemd/system",
    "lib/systemd/system",
    "usr/lib/systemd/system",
)
SYSTEMD_USER_DIRS = ("etc/systemd/user", "usr/local/lib/systemd/user", "usr/lib/systemd/user")
CRONTAB_FILES = ("etc/crontab",)
CRONTAB_DIRS_SYSTEM = ("etc/cron.d",)
CRONTAB_DIRS_USER = ("var/spool/cron/crontabs", "var/spool/cron")
STARTUP_USER = "Microsoft\\Windows\\Start Menu\\Programs\\Startup"
STARTUP_ALL = "Microsoft\\Windows\\Start Menu\\Programs\\StartUp"
_UNIT_SUFFIXES = (".service", ".timer")
_EXEC_PREFIXES = "-@:+!"


def collect(env: Environment) -> Collected[AutostartEntry]:
    if env.platform == "linux":
        return _linux(env)
    if env.platform == "macos":
        return _macos(env)
    if env.platform == "windows":
        return _windows(env)
    found: Collected[AutostartEntry] = Collected()
    found.not_checked.append(Note("platform_unsupported"))
    return found


# ---------------------------------------------------------------------------------------------- Linux


def _linux(env: Environment) -> Collected[AutostartEntry]:
    found: Collected[AutostartEntry] = Collected()
    found.absorb(xdg_autostart(env))
    found.absorb(systemd_units(env))
    found.absorb(crontabs(env))
    return found


def xdg_autostart(env: Environment) -> Collected[AutostartEntry]:
    found: Collected[AutostartEntry] = Collected()
    folders = [env.root / "etc/xdg/autostart"]
    if env.home is not None:
        folders.insert(0, env.home / ".config/autostart")
    else:
        found.not_checked.append(Note("no_home"))
    seen: set[str] = set()
    for folder in folders:
        for file in children(folder, found, ".desktop"):
            if file.name in seen:  # the user's own file of this name overrides the system one
                continue
            seen.add(file.name)
            data = read_input(file, found)
            if data is not None:
                found.items.append(_desktop_entry(file, data))
    found.checked.append(Note("autostart_files", ", ".join(str(folder) for folder in folders)))
    return found


def _desktop_entry(file: Path, data: bytes) -> AutostartEntry:
    keys = desktop_keys(text_of(data))
    enabled = (
        keys.get("Hidden", "").lower() != "true"
        and keys.get("X-GNOME-Autostart-enabled", "").lower() != "false"
    )
    program = paths.program_of(keys.get("Exec", ""), "linux")
    return AutostartEntry(file.stem, program, "login", str(file), enabled)


def desktop_keys(text: str) -> dict[str, str]:
    """The keys of a .desktop file's [Desktop Entry] group (first value wins, locales ignored)."""
    keys: dict[str, str] = {}
    group = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        if group == "Desktop Entry" and sep and "[" not in key:
            keys.setdefault(key.strip(), value.strip())
    return keys


def systemd_units(env: Environment) -> Collected[AutostartEntry]:
    """Units switched on: every `*.service` / `*.timer` link in a `*.wants/` folder of a unit folder."""
    found: Collected[AutostartEntry] = Collected()
    system = [env.root / folder for folder in SYSTEMD_SYSTEM_DIRS]
    user = [env.root / folder for folder in SYSTEMD_USER_DIRS]
    if env.home is not None:
        user.insert(0, env.home / ".config/systemd/user")
    # One unit enabled from several folders (or through /lib -> /usr/lib) is one entry per scope.
    seen: set[tuple[str, str]] = set()
    for scope, unit_dirs in (("system", system), ("user", user)):
        for wants in _wants_dirs(unit_dirs, found):
            for link in children(wants, found):
                if not link.name.endswith(_UNIT_SUFFIXES) or (scope, link.name) in seen:
                    continue
                seen.add((scope, link.name))
                entry = _unit_entry(link, unit_dirs, env, found)
                if entry is not None:
                    found.items.append(entry)
    found.checked.append(Note("systemd", str(len(found.items))))
    return found


def _wants_dirs(unit_dirs: Iterable[Path], found: Collected[AutostartEntry]) -> list[Path]:
    return [child for folder in unit_dirs for child in children(folder, found, ".wants")]


def _unit_entry(
    link: Path, unit_dirs: list[Path], env: Environment, found: Collected[AutostartEntry]
) -> AutostartEntry | None:
    unit_file = _unit_file(link, unit_dirs, env)
    if unit_file is None:
        return AutostartEntry(_unit_name(link.name), None, "service", str(link))
    if unit_file.name == "null":  # masked: linked to /dev/null, so it never starts
        return None
    data = read_input(unit_file, found)
    command = exec_start(text_of(data)) if data is not None else None
    program = paths.program_of(command, "linux") if command else None
    how: StartKind = "schedule" if link.name.endswith(".timer") else "service"
    return AutostartEntry(_unit_name(link.name), program, how, str(unit_file))


def _unit_name(file_name: str) -> str:
    return file_name.rsplit(".", 1)[0]


def _unit_file(link: Path, unit_dirs: list[Path], env: Environment) -> Path | None:
    """The unit file behind a `wants/` entry: its link target (inside our root), else the unit folders,
    trying the template (`name@.service`) for an instance (`name@x.service`)."""
    try:
        if link.is_symlink():
            target = Path(os.readlink(link))
            target = env.root / str(target).lstrip("/") if target.is_absolute() else link.parent / target
            if str(target).endswith("/dev/null"):
                return target
            if target.is_file():
                return target
        elif link.is_file():
            return link
    except OSError:
        return None
    names = [link.name]
    stem, at, rest = link.name.partition("@")
    if at:
        names.append(f"{stem}@.{rest.rsplit('.', 1)[-1]}")
    for folder in unit_dirs:
        for name in names:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


def exec_start(text: str) -> str | None:
    """The first `ExecStart=` command of a unit's [Service] group, without its prefix characters."""
    group = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        if group == "Service" and sep and key.strip() == "ExecStart" and value.strip():
            return value.strip().lstrip(_EXEC_PREFIXES)
    return None


def crontabs(env: Environment) -> Collected[AutostartEntry]:
    found: Collected[AutostartEntry] = Collected()
    files = [(env.root / name, True) for name in CRONTAB_FILES]
    files += [(file, True) for folder in CRONTAB_DIRS_SYSTEM for file in children(env.root / folder, found)]
    for folder in CRONTAB_DIRS_USER:
        files += [(file, False) for file in children(env.root / folder, found) if not file.is_dir()]
    read = 0
    for file, system in files:
        data = read_input(file, found)
        if data is None:
            continue
        read += 1
        found.items.extend(cron_entries(text_of(data), str(file), system))
    found.checked.append(Note("cron", str(read)))
    return found


def cron_entries(text: str, where: str, system: bool) -> list[AutostartEntry]:
    """One entry per job line. System crontabs have a user column before the command."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        first = line.split(maxsplit=1)[0] if line else ""
        if not line or line.startswith("#") or ("=" in first and not first.startswith("@")):
            continue
        command_index = (1 if line.startswith("@") else 5) + (1 if system else 0)
        fields = line.split(maxsplit=command_index)
        if len(fields) <= command_index:
            continue
        program = paths.program_of(fields[command_index], "linux")
        if program is None:
            continue
        how: StartKind = "service" if fields[0] == "@reboot" else "schedule"
        entries.append(AutostartEntry(paths.basename(program, "linux"), program, how, f"{where}:{number}"))
    return entries


# ---------------------------------------------------------------------------------------------- macOS


def _macos(env: Environment) -> Collected[AutostartEntry]:
    found: Collected[AutostartEntry] = Collected()
    folders: list[tuple[Path, StartKind]] = [
        (env.root / "Library/LaunchAgents", "login"),
        (env.root / "Library/LaunchDaemons", "service"),
    ]
    if env.home is not None:
        folders.insert(0, (env.home / "Library/LaunchAgents", "login"))
    else:
        found.not_checked.append(Note("no_home"))
    for folder, how in folders:
        for file in children(folder, found, ".plist"):
            data = read_input(file, found)
            if data is not None:
                found.items.append(launchd_entry(file, data, how))
    found.checked.append(Note("launchd", ", ".join(str(folder) for folder, _ in folders)))
    found.not_checked.append(Note("login_items"))
    return found


def launchd_entry(file: Path, data: bytes, how: StartKind) -> AutostartEntry:
    """A launch agent or daemon: its Label, and Program or the first ProgramArguments word."""
    try:
        plist = plistlib.loads(data)
    except (plistlib.InvalidFileException, ValueError, OverflowError):
        plist = {}
    if not isinstance(plist, dict):
        plist = {}
    label = plist.get("Label")
    program = plist.get("Program")
    arguments = plist.get("ProgramArguments")
    if not isinstance(program, str) and isinstance(arguments, list) and arguments:
        program = arguments[0]
    return AutostartEntry(
        name=label if isinstance(label, str) and label else file.stem,
        program=program if isinstance(program, str) and program else None,
        how=how,
        where=str(file),
        enabled=plist.get("Disabled") is not True,
    )


# -------------------------------------------------------------------------------------------- Windows


def _windows(env: Environment) -> Collected[AutostartEntry]:
    found: Collected[AutostartEntry] = Collected()
    if env.registry is None:
        found.not_checked.append(Note("no_registry"))
    else:
        found.absorb(run_keys(env.registry))
    found.absorb(startup_folders(env))
    found.not_checked.append(Note("windows_tasks"))
    return found


def run_keys(registry: RegistryReader) -> Collected[AutostartEntry]:
    found: Collected[AutostartEntry] = Collected()
    for key in RUN_KEYS:
        try:
            values = registry.values(key)
        except OSError:
            found.not_checked.append(Note("unreadable", key))
            continue
        found.items.extend(_run_entries(key, values or {}))
    found.checked.append(Note("registry_run"))
    return found


def _run_entries(key: str, values: Mapping[str, object]) -> list[AutostartEntry]:
    entries = []
    for name, command in values.items():
        if not isinstance(command, str) or not name:
            continue
        entries.append(AutostartEntry(name, paths.program_of(command, "windows"), "login", key))
    return entries


def startup_folders(env: Environment) -> Collected[AutostartEntry]:
    found: Collected[AutostartEntry] = Collected()
    folders = [f"%ProgramData%\\{STARTUP_ALL}"]
    if env.home is not None:
        folders.insert(0, f"%APPDATA%\\{STARTUP_USER}")
    else:
        found.not_checked.append(Note("no_home"))
    for pattern in folders:
        folder = paths.locate(pattern, env)
        if folder is None:
            continue
        for file in children(folder, found):
            if file.name.lower() == "desktop.ini" or read_input(file, found) is None:
                continue
            # A shortcut's target is inside a binary format we do not read; its name is still telling.
            program = None if file.suffix.lower() == ".lnk" else file.name
            found.items.append(AutostartEntry(file.stem, program, "login", str(file)))
    found.checked.append(Note("startup_folders"))
    return found
