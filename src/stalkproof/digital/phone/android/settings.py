"""Android settings: AndroidQF's `settings_global.txt` / `settings_secure.txt` / `settings_system.txt`
(`name=value` lines) and the tables `dumpsys settings` prints (`_id:3 name:adb_enabled … value:1`).

Two secure settings also say which accessibility services and notification listeners are switched on,
which matters when the input has no `dumpsys accessibility` or `dumpsys notification`.
"""

from __future__ import annotations

import re

from stalkproof.digital.phone.android.model import (
    IN_ACCESSIBILITY,
    IN_NOTIFICATIONS,
    AndroidDevice,
    package_of,
)

_NAME_VALUE = re.compile(r"^([A-Za-z0-9_.\-]+)=(.*)$")
_DUMPSYS_ROW = re.compile(r"\bname:(\S+)\s.*?\bvalue:(\S*)")
ACCESSIBILITY_KEY = "enabled_accessibility_services"
LISTENERS_KEY = "enabled_notification_listeners"


def parse_settings(text: str) -> dict[str, str]:
    """Setting name → value, from either layout."""
    settings: dict[str, str] = {}
    for line in text.splitlines():
        row = _DUMPSYS_ROW.search(line)
        if row:
            settings.setdefault(row.group(1), "" if row.group(2) == "null" else row.group(2))
            continue
        match = _NAME_VALUE.match(line.strip())
        if match:
            settings.setdefault(match.group(1), match.group(2).strip())
    return settings


def read_settings(text: str, device: AndroidDevice, where: str) -> None:
    settings = parse_settings(text)
    if not settings:
        return
    for name, value in settings.items():
        device.settings.setdefault(name, value)
    device.sections.add("settings")
    device.note_read(where)
    if ACCESSIBILITY_KEY in settings:
        device.sections.add("accessibility")
        _add_components(device.accessibility_services, settings[ACCESSIBILITY_KEY], device, IN_ACCESSIBILITY)
    if LISTENERS_KEY in settings:
        device.sections.add("notification_listeners")
        _add_components(device.notification_listeners, settings[LISTENERS_KEY], device, IN_NOTIFICATIONS)


def _add_components(target: list[str], value: str, device: AndroidDevice, seen_in: str) -> None:
    """Settings list components separated by colons: `com.a/.Service:com.b/com.b.Listener`."""
    for entry in value.split(":"):
        component = entry.strip()
        if "/" in component and component not in target:
            target.append(component)
            device.package(package_of(component), seen_in)
