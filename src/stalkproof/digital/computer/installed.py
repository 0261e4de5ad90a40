"""Installed software, read from the lists the system keeps.

Linux: the dpkg status file (Debian, Ubuntu, Mint), pacman's local database folders (Arch), installed
Flatpak apps (system and user) and Snaps. The RPM database (Fedora, openSUSE) is a binary database that
stalkproof does not read: it is reported as not checked. macOS: apps in /Applications and ~/Applications
(one folder deep) by their Info.plist bundle id. Windows: the Uninstall registry keys (64-bit, 32-bit and
the user's own) by display name and install folder.
"""

from __future__ import annotations

import plistlib
from collections.abc import Iterator
from pathlib import Path

from stalkproof.digital.computer.model import (
    Collected,
    Environment,
    InstalledItem,
    Note,
    RegistryReader,
)
from stalkproof.digital.computer.reading import children, is_dir, read_input, text_of
from stalkproof.digital.computer.registry import UNINSTALL_KEYS

DPKG_STATUS = "var/lib/dpkg/status"
PACMAN_LOCAL = "var/lib/pacman/local"
RPM_DATABASES = ("var/lib/rpm", "usr/lib/sysimage/rpm")
FLATPAK_SYSTEM = "var/lib/flatpak/app"
FLATPAK_USER = ".local/share/flatpak/app"
SNAP_FOLDER = "snap"
_SNAP_NOT_APPS = {"bin", "README"}


def collect(env: Environment) -> Collected[InstalledItem]:
    if env.platform == "linux":
        return _linux(env)
    if env.platform == "macos":
        return applications(env)
    if env.platform == "windows":
        return uninstall_entries(env.registry)
    found: Collected[InstalledItem] = Collected()
    found.not_checked.append(Note("platform_unsupported"))
    return found


# ---------------------------------------------------------------------------------------------- Linux


def _linux(env: Environment) -> Collected[InstalledItem]:
    found: Collected[InstalledItem] = Collected()
    found.absorb(dpkg(env))
    found.absorb(pacman(env))
    found.absorb(flatpaks(env))
    found.absorb(snaps(env))
    for database in RPM_DATABASES:
        if is_dir(env.root / database):
            found.not_checked.append(Note("rpm", str(env.root / database)))
    return found


def dpkg(env: Environment) -> Collected[InstalledItem]:
    found: Collected[InstalledItem] = Collected()
    status = env.root / DPKG_STATUS
    data = read_input(status, found)
    if data is None:
        return found
    found.items = [InstalledItem(name, "package", str(status)) for name in installed_packages(text_of(data))]
    found.checked.append(Note("dpkg", str(len(found.items))))
    return found


def installed_packages(status: str) -> Iterator[str]:
    """Names of the packages the dpkg status file lists as installed (not removed or half-removed)."""
    name, state = "", ""
    for line in [*status.splitlines(), ""]:
        if not line.strip():
            if name and state.split()[-1:] == ["installed"]:
                yield name
            name, state = "", ""
        elif line.startswith("Package:"):
            name = line.partition(":")[2].strip()
        elif line.startswith("Status:"):
            state = line.partition(":")[2].strip()


def pacman(env: Environment) -> Collected[InstalledItem]:
    """Arch keeps one folder per package, named `name-version-release`."""
    found: Collected[InstalledItem] = Collected()
    folder = env.root / PACMAN_LOCAL
    if not is_dir(folder):
        return found
    for entry in children(folder, found):
        parts = entry.name.rsplit("-", 2)
        if len(parts) == 3 and is_dir(entry):
            found.items.append(InstalledItem(parts[0], "package", str(entry)))
    found.checked.append(Note("pacman", str(len(found.items))))
    return found


def flatpaks(env: Environment) -> Collected[InstalledItem]:
    found: Collected[InstalledItem] = Collected()
    folders = [env.root / FLATPAK_SYSTEM]
    if env.home is not None:
        folders.append(env.home / FLATPAK_USER)
    for folder in folders:
        for app in children(folder, found):
            if is_dir(app):
                found.items.append(InstalledItem(app.name, "flatpak", str(app), location=str(app)))
    found.checked.append(Note("flatpak", str(len(found.items))))
    return found


def snaps(env: Environment) -> Collected[InstalledItem]:
    found: Collected[InstalledItem] = Collected()
    folder = env.root / SNAP_FOLDER
    for app in children(folder, found):
        if app.name not in _SNAP_NOT_APPS and is_dir(app):
            found.items.append(InstalledItem(app.name, "snap", str(app), location=str(app)))
    found.checked.append(Note("snap", str(len(found.items))))
    return found


# ---------------------------------------------------------------------------------------------- macOS


def applications(env: Environment) -> Collected[InstalledItem]:
    found: Collected[InstalledItem] = Collected()
    folders = [env.root / "Applications"]
    if env.home is not None:
        folders.append(env.home / "Applications")
    else:
        found.not_checked.append(Note("no_home"))
    for folder in folders:
        for app in _app_bundles(folder, found):
            item = app_bundle(app, found)
            if item is not None:
                found.items.append(item)
    found.checked.append(Note("applications", ", ".join(str(folder) for folder in folders)))
    return found


def _app_bundles(folder: Path, found: Collected[InstalledItem]) -> Iterator[Path]:
    """`*.app` in `folder`, and one level down (vendors often install into a folder of their own)."""
    for entry in children(folder, found):
        if entry.suffix == ".app":
            yield entry
        elif is_dir(entry):
            yield from children(entry, found, ".app")


def app_bundle(app: Path, found: Collected[InstalledItem]) -> InstalledItem | None:
    data = read_input(app / "Contents/Info.plist", found)
    if data is None:
        return None
    try:
        info = plistlib.loads(data)
    except (plistlib.InvalidFileException, ValueError, OverflowError):
        found.not_checked.append(Note("unreadable", str(app / "Contents/Info.plist")))
        return None
    bundle_id = info.get("CFBundleIdentifier") if isinstance(info, dict) else None
    if not isinstance(bundle_id, str) or not bundle_id:
        return None
    return InstalledItem(bundle_id, "bundle_id", str(app), label=app.stem, location=str(app))


# -------------------------------------------------------------------------------------------- Windows


def uninstall_entries(registry: RegistryReader | None) -> Collected[InstalledItem]:
    found: Collected[InstalledItem] = Collected()
    if registry is None:
        found.not_checked.append(Note("no_registry"))
        return found
    for key in UNINSTALL_KEYS:
        try:
            for subkey in registry.subkeys(key) or ():
                item = _uninstall_item(registry, f"{key}\\{subkey}")
                if item is not None:
                    found.items.append(item)
        except OSError:
            found.not_checked.append(Note("unreadable", key))
    found.checked.append(Note("uninstall_registry", str(len(found.items))))
    return found


def _uninstall_item(registry: RegistryReader, key: str) -> InstalledItem | None:
    values = registry.values(key) or {}
    name = values.get("DisplayName")
    if not isinstance(name, str) or not name.strip():
        return None
    location = values.get("InstallLocation")
    return InstalledItem(
        name.strip(),
        "uninstall_name",
        key,
        label=name.strip(),
        location=location if isinstance(location, str) and location else None,
    )
