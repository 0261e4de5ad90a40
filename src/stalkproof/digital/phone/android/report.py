"""From what was read about an Android phone to the report's lists: what was checked, what was not, and
the details an adviser needs (Android version, what was read)."""

from __future__ import annotations

from typing import Any

from stalkproof.digital.findings import CheckReport
from stalkproof.digital.indicators.model import IndicatorSet
from stalkproof.digital.phone.android.heuristics import Heuristics, render
from stalkproof.digital.phone.android.model import AndroidDevice, Section

# Without any of these the input cannot show whether spying software is installed.
CORE_SECTIONS: tuple[Section, ...] = (
    "package_list",
    "accessibility",
    "notification_listeners",
    "device_policy",
    "settings",
    "root_binaries",
)


def describe_coverage(
    report: CheckReport, device: AndroidDevice, indicators: IndicatorSet, wording: Heuristics
) -> None:
    """Fill `checked`, `not_checked` and `details` of `report` from what `device` holds."""
    checked, not_checked = coverage_lines(device, indicators, wording)
    report.checked.extend(checked)
    report.not_checked.extend(not_checked)
    report.details.update(
        {
            "coverage": coverage_level(device),
            "android": android_details(device, wording),
            "read": list(device.read),
            "counts": _counts(device),
        }
    )


def coverage_level(device: AndroidDevice) -> str:
    """`very_little` (none of the core evidence), `partial`, or `broad` (all of it), for a headline."""
    present = [device.has(section) for section in CORE_SECTIONS]
    return "broad" if all(present) else "partial" if any(present) else "very_little"


def coverage_lines(
    device: AndroidDevice, indicators: IndicatorSet, wording: Heuristics
) -> tuple[list[str], list[str]]:
    """What was checked and what was not, in sentences; "very little" comes first when it applies."""
    known_apps = f"{indicators.count('app_id'):,}"
    checked: list[str] = []
    not_checked: list[str] = []
    if not any(device.has(section) for section in CORE_SECTIONS):
        not_checked.append(render(wording.notes.very_little, {"what": ", ".join(device.read)}))
    if device.packages and not device.has("package_list"):
        checked.append(
            render(wording.notes.mentioned_apps, {"count": len(device.packages), "indicators": known_apps})
        )
    for section, coverage in wording.coverage.items():
        values = {"count": _count(device, section), "indicators": known_apps}
        if device.has(section):
            checked.append(render(coverage.checked, values))
        else:
            not_checked.append(render(coverage.not_checked, values))
    if device.processes and not device.has("processes"):
        checked.append(render(wording.notes.crashed_processes, {"count": len(device.processes)}))
    if device.has("package_list") and all(package.system is None for package in device.packages.values()):
        not_checked.append(render(wording.notes.system_unknown, {}))
    version_note = _version_note(device, wording)
    return checked, [*not_checked, *([version_note] if version_note else []), *device.notes]


def _counts(device: AndroidDevice) -> dict[str, int]:
    return {
        "apps": len(device.packages),
        "accessibility_services": len(device.accessibility_services),
        "notification_listeners": len(device.notification_listeners),
        "device_admins": len(device.device_admins),
        "processes": len(device.processes),
        "properties": len(device.properties),
        "settings": len(device.settings),
    }


def _count(device: AndroidDevice, section: Section) -> int:
    """How many things of a section were read, for "Running processes (212)"."""
    if section == "package_files":
        return sum(bool(package.files) for package in device.packages.values())
    if section == "processes":
        return len(device.processes)
    if section == "files":
        return len(device.files)
    if section == "properties":
        return len(device.properties)
    return len(device.packages)


def android_details(device: AndroidDevice, wording: Heuristics) -> dict[str, Any]:
    """The Android release and API level, where they came from, and the phone's make and model."""
    properties = device.properties
    release = device.release or (wording.android.releases.get(device.sdk) if device.sdk else None)
    details = {
        "release": release,
        "sdk": device.sdk,
        "source": device.version_source,
        "manufacturer": properties.get("ro.product.manufacturer"),
        "model": properties.get("ro.product.model"),
        "security_patch": properties.get("ro.build.version.security_patch"),
        "fingerprint": properties.get("ro.build.fingerprint"),
    }
    return {key: value for key, value in details.items() if value}


def _version_note(device: AndroidDevice, wording: Heuristics) -> str | None:
    versions = wording.android
    if device.sdk is None:
        return None if device.release else render(wording.notes.no_version, {})
    values = {
        "release": device.release or versions.releases.get(device.sdk, "?"),
        "sdk": device.sdk,
        "min": versions.tested_sdk_min,
        "max": versions.tested_sdk_max,
    }
    if device.sdk > versions.tested_sdk_max:
        return render(wording.notes.newer_version, values)
    if device.sdk < versions.tested_sdk_min:
        return render(wording.notes.older_version, values)
    return None
