"""`adb shell getprop` output (`[ro.build.version.release]: [14]`): the phone's properties and version."""

from __future__ import annotations

import re

from stalkproof.digital.phone.android.model import AndroidDevice

_LINE = re.compile(r"^\[([^\]]+)\]:\s*\[(.*)\]\s*$")
_OPENED = re.compile(r"^\[([^\]]+)\]:\s*\[(.*)$")


def parse_getprop(text: str) -> dict[str, str]:
    """Property name → value. A value that runs over several lines is joined with newlines."""
    properties: dict[str, str] = {}
    pending: tuple[str, list[str]] | None = None
    for line in text.splitlines():
        if pending is not None:
            name, parts = pending
            if line.rstrip().endswith("]"):
                parts.append(line.rstrip()[:-1])
                properties[name] = "\n".join(parts)
                pending = None
            else:
                parts.append(line)
            continue
        match = _LINE.match(line.strip())
        if match:
            properties[match.group(1)] = match.group(2)
            continue
        opened = _OPENED.match(line.strip())
        if opened:
            pending = (opened.group(1), [opened.group(2)])
    return properties


def looks_like_getprop(text: str) -> bool:
    """Most non-empty lines are `[name]: [value]`."""
    lines = [line.strip() for line in text.splitlines()[:200] if line.strip()]
    matching = sum(bool(_LINE.match(line) or _OPENED.match(line)) for line in lines)
    return bool(lines) and matching >= 0.6 * len(lines)


def read_getprop(text: str, device: AndroidDevice, where: str) -> None:
    properties = parse_getprop(text)
    if not properties:
        return
    device.properties.update(properties)
    device.sections.add("properties")
    device.note_read(where)
    sdk = properties.get("ro.build.version.sdk", "")
    device.set_version(
        release=properties.get("ro.build.version.release") or None,
        sdk=int(sdk) if sdk.isdigit() else None,
        source="getprop",
    )
    fingerprint = properties.get("ro.build.fingerprint")
    if fingerprint:
        device.set_version(release=release_from_fingerprint(fingerprint), source="build fingerprint")


def release_from_fingerprint(fingerprint: str) -> str | None:
    """`brand/product/device:14/ID/incremental:user/release-keys` → `14`."""
    parts = fingerprint.strip().strip("'").split(":")
    if len(parts) < 3:
        return None
    release = parts[1].split("/", 1)[0]
    return release if re.fullmatch(r"\d+(\.\d+)*", release) else None
