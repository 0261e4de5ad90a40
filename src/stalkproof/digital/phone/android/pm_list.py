"""`adb shell pm list packages -f -i -U` output:

    package:/data/app/~~Ab==/com.example-Cd==/base.apk=com.example  installer=com.android.vending uid:10123

`-f` adds the APK path (which tells system apps apart: they live under /system, /product, /vendor …),
`-i` the installer, `-U` the uid. Each flag is optional; what a line lacks stays unknown.
"""

from __future__ import annotations

import re

from stalkproof.digital.phone.android.model import IN_APP_LIST, AndroidDevice, AndroidPackage

_INSTALLER = re.compile(r"\binstaller=(\S*)")
_UID = re.compile(r"\buid:(\d+)")
_PACKAGE_NAME = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
SYSTEM_PREFIXES = ("/system/", "/product/", "/vendor/", "/system_ext/", "/apex/", "/odm/", "/oem/")


def looks_like_pm_list(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines()[:500] if line.strip()]
    return bool(lines) and sum(line.startswith("package:") for line in lines) >= 0.8 * len(lines)


def is_system_path(path: str) -> bool:
    return path.startswith(SYSTEM_PREFIXES)


def read_pm_list(text: str, device: AndroidDevice, where: str) -> None:
    read = 0
    for line in text.splitlines():
        if line.strip().startswith("package:") and _read_line(line.strip(), device):
            read += 1
    if read:
        device.sections.add("package_list")
        device.note_read(where)


def _read_line(line: str, device: AndroidDevice) -> AndroidPackage | None:
    first = line.removeprefix("package:").split()[0] if line.removeprefix("package:").split() else ""
    # With -f the token is `path=name`; the path itself may contain '=' (base64 folder names).
    path, _, name = first.rpartition("=") if first.startswith("/") else ("", "", first)
    if not _PACKAGE_NAME.match(name):
        return None
    package = device.package(name, IN_APP_LIST)
    if path:
        package.set_apk_path(path)
        package.system = is_system_path(path)
    installer = _INSTALLER.search(line)
    if installer:
        package.set_installer(installer.group(1))
    uid = _UID.search(line)
    if uid:
        package.uid = int(uid.group(1))
    return package
