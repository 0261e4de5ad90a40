"""One picture of an Android phone, whatever it was read from.

AndroidQF folders, bugreports, raw `dumpsys` text and `pm list packages` output all say different things
about the same phone. Each reader fills in what its input says and leaves the rest unknown (None, or a
section missing from `sections`), so the checks can tell "not there" apart from "not looked at".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# What an input can tell us about; `sections` records which of them were actually read.
Section = Literal[
    "package_list",  # which apps are installed (with system flag and installer where the input says)
    "package_files",  # APK hashes and signing certificates (AndroidQF packages.json)
    "launcher",  # which apps have an icon in the app drawer
    "receivers",  # which apps listen for text messages and calls
    "accessibility",
    "notification_listeners",
    "device_policy",
    "app_ops",
    "settings",
    "properties",
    "root_binaries",
    "processes",
    "files",
]

# Where an app was mentioned, in the words of "It was found in: …".
IN_APP_LIST = "the app list"
IN_ACCESSIBILITY = "the accessibility services"
IN_NOTIFICATIONS = "the notification listeners"
IN_DEVICE_POLICY = "the device administrators"
IN_APP_OPS = "the app permissions"
IN_BATTERY = "the battery history"
IN_DATABASES = "the app databases"
IN_COMPATIBILITY = "the compatibility settings"
# Records that say an app ran at some point, not that it is installed now.
RECORDS_ONLY = frozenset({IN_BATTERY, IN_DATABASES, IN_COMPATIBILITY})

# Installers recorded as "no installer": AndroidQF writes the string "null".
_NO_INSTALLER = {"", "null", "none"}


@dataclass
class ApkFile:
    """One APK of an app with the hashes and signing certificate AndroidQF recorded for it."""

    path: str
    sha256: str | None = None
    sha1: str | None = None
    md5: str | None = None
    cert_sha1: str | None = None
    cert_sha256: str | None = None
    cert_md5: str | None = None
    cert_subject: str | None = None

    def hashes(self) -> list[str]:
        return [digest for digest in (self.sha256, self.sha1, self.md5) if digest]

    def certificates(self) -> list[str]:
        return [digest for digest in (self.cert_sha1, self.cert_sha256, self.cert_md5) if digest]


@dataclass
class AndroidPackage:
    """An installed app. Fields are None when the input did not say."""

    name: str
    system: bool | None = None
    installer: str | None = None
    installer_known: bool = False
    uid: int | None = None
    disabled: bool | None = None
    has_launcher: bool | None = None
    apk_paths: list[str] = field(default_factory=list)
    files: list[ApkFile] = field(default_factory=list)
    permissions: set[str] = field(default_factory=set)
    app_ops: set[str] = field(default_factory=set)
    declares: set[str] = field(default_factory=set)
    receives: set[str] = field(default_factory=set)
    version: str | None = None
    first_installed: str | None = None
    seen_in: set[str] = field(default_factory=set)

    def set_installer(self, installer: str | None) -> None:
        """Record the installer; "null" and empty mean that none was recorded."""
        value = (installer or "").strip()
        self.installer = None if value.lower() in _NO_INSTALLER else value
        self.installer_known = True

    def set_apk_path(self, path: str) -> None:
        if path and path not in self.apk_paths:
            self.apk_paths.append(path)


@dataclass
class AndroidDevice:
    """Everything read about one phone. `read` names the files or sections read, for the report."""

    packages: dict[str, AndroidPackage] = field(default_factory=dict)
    accessibility_services: list[str] = field(default_factory=list)
    notification_listeners: list[str] = field(default_factory=list)
    device_admins: list[str] = field(default_factory=list)
    device_owner: str | None = None
    profile_owners: list[str] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    root_binaries: list[str] = field(default_factory=list)
    processes: list[str] = field(default_factory=list)
    files: list[ApkFile] = field(default_factory=list)
    sdk: int | None = None
    release: str | None = None
    version_source: str | None = None
    sections: set[Section] = field(default_factory=set)
    read: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def package(self, name: str, seen_in: str) -> AndroidPackage:
        """The package called `name`, created (with nothing known about it) when first mentioned."""
        found = self.packages.get(name)
        if found is None:
            found = self.packages[name] = AndroidPackage(name)
        found.seen_in.add(seen_in)
        return found

    def has(self, section: Section) -> bool:
        return section in self.sections

    def note_read(self, what: str) -> None:
        if what not in self.read:
            self.read.append(what)

    def set_version(self, *, release: str | None = None, sdk: int | None = None, source: str) -> None:
        """Keep the first version found; getprop is read first, so it wins over weaker hints."""
        if release and not self.release:
            self.release = release
            self.version_source = self.version_source or source
        if sdk and not self.sdk:
            self.sdk = sdk
            self.version_source = self.version_source or source

    def is_empty(self) -> bool:
        """True when nothing at all could be read from the input."""
        return not (self.sections or self.packages or self.properties)


def package_of(component: str) -> str:
    """`com.example/.Service` or `com.example/com.example.Service` → `com.example`."""
    return component.strip().split("/", 1)[0].strip("{} ")
