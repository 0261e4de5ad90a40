"""`adb shell dumpsys` output: a full dump (sections opened by `DUMP OF SERVICE name:`, as in AndroidQF's
dumpsys.txt and inside a bugreport) or the text of one service on its own (`dumpsys accessibility`).

Read here: `package` (see dumpsys_package.py), `accessibility` (enabled services), `notification`
(notification listeners), `device_policy` (device administrators and owners), `appops` (what each app is
allowed to do), `settings`, and the app names mentioned by `batterystats`, `dbinfo` and `platform_compat`
(enough to match them against indicator lists). Other services are recognised and skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from stalkproof.digital.phone.android.dumpsys_package import read_package_service
from stalkproof.digital.phone.android.model import (
    IN_ACCESSIBILITY,
    IN_APP_OPS,
    IN_BATTERY,
    IN_COMPATIBILITY,
    IN_DATABASES,
    IN_DEVICE_POLICY,
    IN_NOTIFICATIONS,
    AndroidDevice,
    package_of,
)
from stalkproof.digital.phone.android.settings import read_settings

_SERVICE = re.compile(r"^DUMP OF SERVICE (?:(?:CRITICAL|HIGH|NORMAL) )?(.+?):\s*$")
_SECTION_END = re.compile(r"^-{9} .*was the duration of dumpsys|^------ .* ------\s*$")
_COMPONENT = re.compile(r"([A-Za-z][\w]*(?:\.[\w]+)+/[\w.$]+)")
_PACKAGE_NAME = re.compile(r"^[A-Za-z][\w]*(\.[\w]+)+$")
_SYSTEM_BOUND = re.compile(r"\(user -1\)|\bSYSTEM\b")

# How a service's text begins when it was saved on its own, without the `DUMP OF SERVICE` line.
_OPENINGS: tuple[tuple[str, str], ...] = (
    ("ACCESSIBILITY MANAGER", "accessibility"),
    ("Current AppOps Service state", "appops"),
    ("Current Device Policy Manager state", "device_policy"),
    ("Device Policy Manager", "device_policy"),
    ("Current Notification Manager state", "notification"),
    ("Notification listeners:", "notification"),
    ("Database versions:", "package"),
    ("Verifiers:", "package"),
    ("Libraries:", "package"),
    ("Activity Resolver Table:", "package"),
    ("Receiver Resolver Table:", "package"),
    ("Service Resolver Table:", "package"),
    ("Packages:", "package"),
    ("Battery History", "batterystats"),
    ("Daily stats:", "batterystats"),
    ("Applications Database Info", "dbinfo"),
    ("ChangeId(", "platform_compat"),
    ("ADB MANAGER STATE", "adb"),
    ("GLOBAL SETTINGS", "settings"),
    ("SECURE SETTINGS", "settings"),
)


def split_services(text: str) -> list[tuple[str, str]]:
    """(service, text) for each service in a dump; a single service saved on its own is guessed."""
    if "DUMP OF SERVICE" not in text:
        guessed = guess_service(text)
        return [(guessed, text)] if guessed else []
    sections: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        opened = _SERVICE.match(line)
        if opened:
            current = []
            sections.append((opened.group(1).strip(), current))
        elif _SECTION_END.match(line):
            current = None
        elif current is not None:
            current.append(line)
    return [(name, "\n".join(lines)) for name, lines in sections]


def guess_service(text: str) -> str | None:
    for line in _first_lines(text, 60):
        for opening, service in _OPENINGS:
            if line.startswith(opening):
                return service
    return None


def _first_lines(text: str, count: int) -> Iterator[str]:
    seen = 0
    for line in text.splitlines():
        if line.strip():
            yield line.strip()
            seen += 1
            if seen >= count:
                return


def looks_like_dumpsys(text: str) -> bool:
    return "DUMP OF SERVICE" in text or guess_service(text) is not None


def read_dumpsys(text: str, device: AndroidDevice, where: str) -> list[str]:
    """Read every service stalkproof understands; return the names of all services found."""
    found: list[str] = []
    for service, body in split_services(text):
        found.append(service)
        reader = READERS.get(service)
        if reader is not None and reader(body, device):
            device.note_read(f"dumpsys {service} ({where})")
    return found


def read_accessibility(body: str, device: AndroidDevice) -> bool:
    """Enabled accessibility services: `Enabled services:{{a/.B}, {c/.D}}` (Android 10 and later) or an
    `enabled services: {` block with one `0 : a/.B` line each (older versions)."""
    enabled: list[str] = []
    recognised = False
    in_block = False
    for line in body.splitlines():
        stripped = line.strip()
        if in_block:
            if stripped.startswith("}"):
                in_block = False
            else:
                enabled.extend(_COMPONENT.findall(stripped))
            continue
        if stripped.lower().startswith("enabled services:"):
            recognised = True
            rest = stripped.split(":", 1)[1].strip()
            if rest == "{":
                in_block = True
            else:
                enabled.extend(_COMPONENT.findall(rest))
    if recognised:
        _record(device, device.accessibility_services, enabled, IN_ACCESSIBILITY)
        device.sections.add("accessibility")
    return recognised


def read_notification(body: str, device: AndroidDevice) -> bool:
    """Notification listeners: the components listed under `Notification listeners:` (allowed, enabled
    for the current profiles, and live), until the next block at the same depth."""
    listeners: list[str] = []
    header_indent: int | None = None
    for line in body.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped.lower().startswith("notification listeners:"):
            header_indent = indent
            continue
        if header_indent is None or not stripped:
            continue
        if indent <= header_indent and stripped.endswith(":"):
            break
        # Live listeners bound by the system itself (System UI, the ranker) are marked SYSTEM: not apps.
        if not _SYSTEM_BOUND.search(stripped):
            listeners.extend(_COMPONENT.findall(stripped))
    if header_indent is None:
        return False
    _record(device, device.notification_listeners, listeners, IN_NOTIFICATIONS)
    device.sections.add("notification_listeners")
    return True


def read_device_policy(body: str, device: AndroidDevice) -> bool:
    """Device owner, profile owners and enabled device administrators."""
    if "Device Policy Manager" not in body and "Device Admins" not in body:
        return False
    mode, mode_indent = "", 0
    for line in body.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped.startswith(("Device Owner", "Profile Owner", "Enabled Device Admins")):
            mode, mode_indent = stripped.split(" (")[0].rstrip(": "), indent
            continue
        if mode and stripped and indent <= mode_indent:
            mode = ""
        components = _COMPONENT.findall(stripped)
        if not components or not mode:
            continue
        if mode == "Device Owner" and stripped.startswith("admin="):
            device.device_owner = components[0]
            device.package(package_of(components[0]), IN_DEVICE_POLICY)
        elif mode == "Profile Owner" and stripped.startswith("admin="):
            _record(device, device.profile_owners, components[:1], IN_DEVICE_POLICY)
        elif mode == "Enabled Device Admins" and stripped.endswith(":"):
            _record(device, device.device_admins, components[:1], IN_DEVICE_POLICY)
    device.sections.add("device_policy")
    return True


_UID = re.compile(r"^Uid (\S+):")
_APPOPS_PACKAGE = re.compile(r"^Package ([\w.]+):")
_OP = re.compile(r"^([A-Z][A-Z0-9_]+)(?: \((\w+)\):|: mode=(\w+))")
_ALLOWED_MODES = {"allow", "foreground"}


def read_appops(body: str, device: AndroidDevice) -> bool:
    """What each app is allowed to do (`REQUEST_INSTALL_PACKAGES (allow):`), kept with the app."""
    uid: int | None = None
    package = None
    for line in body.splitlines():
        stripped = line.strip()
        uid_line = _UID.match(stripped)
        if uid_line:
            uid, package = _parse_uid(uid_line.group(1)), None
            continue
        opened = _APPOPS_PACKAGE.match(stripped)
        if opened:
            package = device.package(opened.group(1), IN_APP_OPS)
            package.uid = package.uid or uid
            continue
        op = _OP.match(stripped)
        if op and package is not None and (op.group(2) or op.group(3)) in _ALLOWED_MODES:
            package.app_ops.add(op.group(1))
    if package is None and "AppOps" not in body:
        return False
    device.sections.add("app_ops")
    return True


def _parse_uid(text: str) -> int | None:
    """`u0a103` → 10103 (user 0, app 103); `1000` → 1000."""
    app = re.fullmatch(r"u(\d+)a(\d+)", text)
    if app:
        return int(app.group(1)) * 100000 + 10000 + int(app.group(2))
    return int(text) if text.isdigit() else None


_BATTERY_NAMES = re.compile(r'(?:=\w+:"|Update )([A-Za-z][\w]*(?:\.[\w]+)+)')
_DBINFO_NAMES = re.compile(r"Database info for pid \d+ \[([\w.:]+)\]")
_OVERRIDE_NAMES = re.compile(r"(?:package|raw)Overrides=\{([^}]*)\}")


def read_mentions(pattern: re.Pattern[str], seen_in: str) -> Callable[[str, AndroidDevice], bool]:
    """A reader that only collects app names a service mentions, to match them against indicators."""

    def read(body: str, device: AndroidDevice) -> bool:
        names = [match.split(":")[0] for match in pattern.findall(body)]
        for name in names:
            if _PACKAGE_NAME.match(name):
                device.package(name, seen_in)
        return bool(names)

    return read


def _read_overrides(body: str, device: AndroidDevice) -> bool:
    names = [
        entry.split("=")[0].strip() for group in _OVERRIDE_NAMES.findall(body) for entry in group.split(",")
    ]
    for name in names:
        if _PACKAGE_NAME.match(name):
            device.package(name, IN_COMPATIBILITY)
    return bool(names)


def _read_settings_service(body: str, device: AndroidDevice) -> bool:
    before = len(device.settings)
    read_settings(body, device, "dumpsys settings")
    return len(device.settings) > before


def _record(device: AndroidDevice, target: list[str], components: list[str], seen_in: str) -> None:
    for component in components:
        if component not in target:
            target.append(component)
            device.package(package_of(component), seen_in)


READERS: dict[str, Callable[[str, AndroidDevice], bool]] = {
    "package": read_package_service,
    "accessibility": read_accessibility,
    "notification": read_notification,
    "device_policy": read_device_policy,
    "appops": read_appops,
    "settings": _read_settings_service,
    "batterystats": read_mentions(_BATTERY_NAMES, IN_BATTERY),
    "dbinfo": read_mentions(_DBINFO_NAMES, IN_DATABASES),
    "platform_compat": _read_overrides,
}
