"""AndroidQF acquisitions (a folder, or a zip of one): `packages.json` (apps with installer, uid, system
flag, APK hashes and signing certificates), `dumpsys.txt`, `getprop.txt`, `settings_*.txt`,
`root_binaries.json`, `ps.txt` / `processes.json`, `files.json`.

`backup.ab` (text messages) and logs are not read; the report says so.
"""

from __future__ import annotations

from typing import Any

import orjson

from stalkproof.digital.phone.android.bundle import Bundle
from stalkproof.digital.phone.android.dumpsys import read_dumpsys
from stalkproof.digital.phone.android.getprop import read_getprop
from stalkproof.digital.phone.android.model import IN_APP_LIST, AndroidDevice, AndroidPackage, ApkFile
from stalkproof.digital.phone.android.processes import read_processes_json, read_ps
from stalkproof.digital.phone.android.settings import read_settings
from stalkproof.errors import InputError

# The files that make a folder or zip an AndroidQF acquisition (any one is enough).
MARKERS = frozenset(
    {
        "packages.json",
        "dumpsys.txt",
        "getprop.txt",
        "ps.txt",
        "processes.json",
        "root_binaries.json",
        "files.json",
        "acquisition.json",
        "settings_global.txt",
        "settings_secure.txt",
        "settings_system.txt",
    }
)
# Files AndroidQF writes that stalkproof does not read, and what that leaves unchecked.
UNREAD = {
    "backup.ab": "The Android backup (backup.ab, which holds text messages) was not read, so links in "
    "text messages were not checked.",
    "logcat.txt": "The system log (logcat.txt) was not read.",
}


def is_androidqf(bundle: Bundle) -> bool:
    names = {name.lower() for name in bundle.top_level()}
    return bool(names & MARKERS) or any(name.startswith("settings_") for name in names)


def read_androidqf(bundle: Bundle) -> AndroidDevice:
    device = AndroidDevice()
    getprop = bundle.find("getprop.txt")
    if getprop:  # first, so the phone's own version wins over hints elsewhere
        read_getprop(bundle.read_text(getprop), device, "getprop.txt")
    packages = bundle.find("packages.json")
    if packages:
        read_packages_json(_json(bundle, packages), device, bundle.path_of(packages))
    dumpsys = bundle.find("dumpsys.txt")
    if dumpsys:
        read_dumpsys(bundle.read_text(dumpsys), device, "dumpsys.txt")
    for name in bundle.top_level():
        if name.lower().startswith("settings_") and name.lower().endswith(".txt"):
            read_settings(bundle.read_text(name), device, name)
    _read_root_binaries(bundle, device)
    _read_processes(bundle, device)
    _read_files(bundle, device)
    for name, note in UNREAD.items():
        if bundle.find(name):
            device.notes.append(note)
    return device


def read_packages_json(items: Any, device: AndroidDevice, where: str) -> None:
    if not isinstance(items, list):
        raise InputError(
            "packages.json in this acquisition is not a list of apps, so it was not read.", where
        )
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
            _read_package(item, device.package(item["name"], IN_APP_LIST))
    device.sections.update({"package_list", "package_files"})
    device.note_read("packages.json")


def _read_package(item: dict[str, Any], package: AndroidPackage) -> None:
    if "installer" in item:
        package.set_installer(item["installer"] if isinstance(item["installer"], str) else None)
    if isinstance(item.get("system"), bool):
        package.system = item["system"]
    elif isinstance(item.get("third_party"), bool):
        package.system = not item["third_party"]
    if isinstance(item.get("uid"), int):
        package.uid = item["uid"]
    if isinstance(item.get("disabled"), bool):
        package.disabled = item["disabled"]
    for entry in item.get("files") or ():
        if isinstance(entry, dict):
            apk = _apk_file(entry)
            package.files.append(apk)
            package.set_apk_path(apk.path)
    for permission in item.get("requested_permissions") or ():
        if isinstance(permission, dict) and permission.get("granted") and permission.get("name"):
            package.permissions.add(str(permission["name"]))


def _apk_file(entry: dict[str, Any]) -> ApkFile:
    certificate: dict[str, Any] = entry["certificate"] if isinstance(entry.get("certificate"), dict) else {}

    def text(source: dict[str, Any], *keys: str) -> str | None:
        for key in keys:
            value = source.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None

    return ApkFile(
        path=text(entry, "path") or "",
        sha256=text(entry, "sha256"),
        sha1=text(entry, "sha1"),
        md5=text(entry, "md5"),
        cert_sha1=text(certificate, "Sha1", "sha1"),
        cert_sha256=text(certificate, "Sha256", "sha256"),
        cert_md5=text(certificate, "Md5", "md5"),
        cert_subject=text(certificate, "Subject", "subject"),
    )


def _read_root_binaries(bundle: Bundle, device: AndroidDevice) -> None:
    name = bundle.find("root_binaries.json")
    if not name:
        return
    found = _json(bundle, name)
    if not isinstance(found, list):
        raise InputError(
            "root_binaries.json in this acquisition is not a list, so it was not read.", bundle.path_of(name)
        )
    device.root_binaries.extend(str(path) for path in found if isinstance(path, str) and path.strip())
    device.sections.add("root_binaries")
    device.note_read(name)


def _read_processes(bundle: Bundle, device: AndroidDevice) -> None:
    processes = bundle.find("processes.json")
    if processes:
        read_processes_json(bundle.read_bytes(processes), device, processes)
    ps = bundle.find("ps.txt")
    if ps:
        read_ps(bundle.read_text(ps), device, ps)


def _read_files(bundle: Bundle, device: AndroidDevice) -> None:
    name = bundle.find("files.json")
    if not name:
        return
    found = _json(bundle, name)
    entries = found if isinstance(found, list) else []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            device.files.append(_apk_file(entry))
    device.sections.add("files")
    device.note_read(name)


def _json(bundle: Bundle, name: str) -> Any:
    try:
        return orjson.loads(bundle.read_bytes(name))
    except orjson.JSONDecodeError as error:
        raise InputError(
            f"{name} in this acquisition is not valid JSON, so it could not be read.", bundle.path_of(name)
        ) from error
