"""Where a path on the iPhone is kept in a backup, for matching indicator files' `file:path` values.

A backup stores each file under a domain and a path inside it; only some domains are fixed folders on the
phone. App containers and system groups sit under per-install random folder names, so a phone path
inside them cannot be tied to a backup entry and is not matched (rather than matched loosely).
"""

from __future__ import annotations

from dataclasses import dataclass

# Fixed folders on the phone, and the backup domain that holds each.
DOMAIN_ROOTS: dict[str, str] = {
    "HomeDomain": "/private/var/mobile",
    "CameraRollDomain": "/private/var/mobile",
    "MediaDomain": "/private/var/mobile",
    "KeyboardDomain": "/private/var/mobile",
    "RootDomain": "/private/var/root",
    "WirelessDomain": "/private/var/wireless",
    "SystemPreferencesDomain": "/private/var/preferences",
    "ManagedPreferencesDomain": "/private/var/Managed Preferences",
    "KeychainDomain": "/private/var/Keychains",
    "MobileDeviceDomain": "/private/var/MobileDevice",
    "DatabaseDomain": "/private/var/db",
}


@dataclass(frozen=True)
class BackupPlace:
    """A domain and a path inside it; `folder` when the phone path names a folder (ends with '/')."""

    domain: str
    relative_path: str
    folder: bool


def backup_places(phone_path: str) -> list[BackupPlace]:
    """Every (domain, relative path) that `phone_path` would be stored at; empty when no domain holds it."""
    path = phone_path.strip()
    if path.startswith("/var/"):
        path = "/private" + path
    folder = path.endswith("/")
    path = path.rstrip("/")
    places: list[BackupPlace] = []
    for domain, root in DOMAIN_ROOTS.items():
        if path.startswith(root + "/"):
            places.append(BackupPlace(domain, path[len(root) + 1 :], folder))
    return places
