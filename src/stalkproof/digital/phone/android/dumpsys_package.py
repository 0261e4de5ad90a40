"""`dumpsys package`: installed apps (system flag, installer, uid, APK path, granted permissions, enabled
state), and its resolver tables — which apps receive text messages and calls, which declare an
accessibility service or notification listener, and which have a launcher icon.

The launcher icon can only be told when the tables print each filter's categories, as `dumpsys package
<app>` and `dumpsys package -f` do; a plain full dump lists components without them, and then "has an
icon" stays unknown rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from stalkproof.digital.phone.android.model import IN_APP_LIST, AndroidDevice, AndroidPackage
from stalkproof.digital.phone.android.pm_list import is_system_path

_TOP_HEADER = re.compile(r"^(\S[^:]*):\s*$")
_PACKAGE_BLOCK = re.compile(r"^ {2}Package \[([^\]]+)\]")
_COMPONENT = re.compile(r"^\s+[0-9a-f]+\s+([A-Za-z0-9_.]+)/(\S+)")
_KEY = re.compile(r"^\s+(\S+):\s*$")
_FILTER_LINE = re.compile(r'^\s+(Action|Category): "([^"]+)"')
_GRANTED = re.compile(r"^([\w.]+): granted=true")
_USER = re.compile(r"^User (\d+):.*\benabled=(\d+)")
_SDK = re.compile(r"\bsdkVersion=(\d+)")

MAIN = "android.intent.action.MAIN"
LAUNCHER = "android.intent.category.LAUNCHER"
# Declared capabilities, by the intent a component answers: reported with the app, not on their own.
_DECLARES = {
    "android.accessibilityservice.AccessibilityService": "accessibility service",
    "android.service.notification.NotificationListenerService": "notification listener",
    "android.app.action.DEVICE_ADMIN_ENABLED": "device administrator",
}
# Component states from PackageManager: 2 disabled, 3 disabled by the user, 4 disabled until used.
_DISABLED_STATES = {2, 3, 4}
_TABLES = {"Activity Resolver Table", "Receiver Resolver Table", "Service Resolver Table"}


@dataclass
class _Parser:
    device: AndroidDevice
    top: str = ""
    key: str = ""
    component: str = ""
    component_actions: set[str] = field(default_factory=set)
    filters_shown: bool = False
    launcher: set[str] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)
    block: AndroidPackage | None = None
    block_installer: bool = False
    block_user_seen: bool = False
    blocks: list[AndroidPackage] = field(default_factory=list)

    def feed(self, line: str) -> None:
        header = _TOP_HEADER.match(line)
        if header:
            self._end_block()
            self.top, self.key, self.component = header.group(1), "", ""
            if self.top in _TABLES:
                self.tables.add(self.top)
            return
        if self.top in _TABLES:
            self._table_line(line)
        elif self.top == "Packages":
            self._packages_line(line)
        elif self.top == "Database versions" and not self.device.sdk:
            sdk = _SDK.search(line)
            if sdk:
                self.device.set_version(sdk=int(sdk.group(1)), source="dumpsys package")

    def _table_line(self, line: str) -> None:
        component = _COMPONENT.match(line)
        if component:
            self.component, self.component_actions = component.group(1), set()
            self._component_seen(component.group(1))
            return
        detail = _FILTER_LINE.match(line)
        if detail and self.component:
            kind, value = detail.groups()
            if kind == "Action":
                self.component_actions.add(value)
                return
            self.filters_shown = True
            is_main = self.key == MAIN or MAIN in self.component_actions
            if value == LAUNCHER and self.top == "Activity Resolver Table" and is_main:
                self.launcher.add(self.component)
            return
        key = _KEY.match(line)
        if key:
            self.key, self.component = key.group(1), ""

    def _component_seen(self, name: str) -> None:
        package = self.device.package(name, IN_APP_LIST)
        if self.top == "Receiver Resolver Table":
            package.receives.add(self.key)
        if self.key in _DECLARES and self.top != "Activity Resolver Table":
            package.declares.add(_DECLARES[self.key])

    def _packages_line(self, line: str) -> None:
        opened = _PACKAGE_BLOCK.match(line)
        if opened:
            self._end_block()
            self.block = self.device.package(opened.group(1), IN_APP_LIST)
            self.blocks.append(self.block)
            self.block_installer, self.block_user_seen = False, False
            return
        if self.block is not None:
            self._block_field(self.block, line.strip())

    def _block_field(self, package: AndroidPackage, text: str) -> None:
        name, _, value = text.partition("=")
        if name in ("userId", "appId") and value.isdigit():
            package.uid = package.uid or int(value)
        elif name == "codePath":
            package.set_apk_path(value)
            package.system = package.system or is_system_path(value + "/")
        elif name in ("flags", "pkgFlags"):
            package.system = bool(package.system) or "SYSTEM" in value.strip("[] ").split()
        elif name == "installerPackageName":
            package.set_installer(value)
            self.block_installer = True
        elif name == "versionName":
            package.version = package.version or value
        elif name == "firstInstallTime":
            package.first_installed = package.first_installed or value
        else:
            self._block_state(package, text)

    def _block_state(self, package: AndroidPackage, text: str) -> None:
        granted = _GRANTED.match(text)
        if granted:
            package.permissions.add(granted.group(1))
            return
        user = _USER.match(text)
        if user and not self.block_user_seen:
            # The first user listed is the phone's owner (user 0); later ones are work or guest profiles.
            self.block_user_seen = True
            package.disabled = int(user.group(2)) in _DISABLED_STATES

    def _end_block(self) -> None:
        if self.block is not None and not self.block_installer and not self.block.installer_known:
            # dumpsys prints installerPackageName only when there is one.
            self.block.set_installer(None)
        self.block = None

    def finish(self) -> None:
        self._end_block()
        device = self.device
        if self.blocks:
            device.sections.add("package_list")
        if "Receiver Resolver Table" in self.tables:
            device.sections.add("receivers")
        if self.filters_shown:
            device.sections.add("launcher")
            for package in self.blocks:
                package.has_launcher = package.name in self.launcher
            for name in self.launcher:
                device.package(name, IN_APP_LIST).has_launcher = True


def read_package_service(body: str, device: AndroidDevice) -> bool:
    """Read one `dumpsys package` section into `device`; True when anything in it was recognised."""
    parser = _Parser(device)
    for line in body.splitlines():
        parser.feed(line)
    parser.finish()
    return bool(parser.blocks or parser.tables or device.sdk)
