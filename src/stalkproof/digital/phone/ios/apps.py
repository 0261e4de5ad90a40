"""Which apps an iPhone backup shows, by app id (bundle id), and where the backup says each came from.

A backup names apps in several places, and none of them is complete on its own: Info.plist's "Installed
Applications" and "Applications" (with the App Store's record of each app), Manifest.plist's
"Applications", and the data folders in Manifest.db (`AppDomain-<app id>`). Shared folders
(`AppDomainGroup-group.<id>`) are kept apart: a group's name is chosen by its developer and only usually
follows the app id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stalkproof.digital.phone.ios.backup import IosBackup, iso
from stalkproof.digital.phone.ios.plists import load_plist

APP_DOMAIN = "AppDomain-"
GROUP_DOMAIN = "AppDomainGroup-"
APPLE_PREFIX = "com.apple."

INSTALLED_LIST = "the backup's list of installed apps (Info.plist)"
APP_RECORDS = "the backup's app records (Info.plist)"
MANIFEST_APPS = "the backup's list of apps (Manifest.plist)"
DATA_FOLDER = "an app data folder in the backup"


@dataclass(frozen=True)
class InstalledApp:
    """An app the backup shows. `installer` is the part of iOS that installed it, when recorded."""

    bundle_id: str
    evidence: tuple[str, ...]
    name: str | None = None
    version: str | None = None
    installer: str | None = None
    purchase_date: str | None = None

    @property
    def is_apple(self) -> bool:
        return self.bundle_id.startswith(APPLE_PREFIX)

    @property
    def shown_name(self) -> str:
        return self.name or self.bundle_id

    def to_json(self) -> dict[str, Any]:
        return {
            "bundle_id": self.bundle_id,
            "name": self.name,
            "version": self.version,
            "installer": self.installer,
            "purchase_date": self.purchase_date,
            "evidence": list(self.evidence),
        }


def installed_apps(backup: IosBackup) -> list[InstalledApp]:
    """Every app id the backup names, with each place that names it; sorted by app id."""
    evidence: dict[str, list[str]] = {}

    def note(bundle_id: Any, where: str) -> None:
        if isinstance(bundle_id, str) and bundle_id.strip():
            places = evidence.setdefault(bundle_id.strip(), [])
            if where not in places:
                places.append(where)

    for bundle_id in _list(backup.info.get("Installed Applications")):
        note(bundle_id, INSTALLED_LIST)
    records = _dict(backup.info.get("Applications"))
    for bundle_id in records:
        note(bundle_id, APP_RECORDS)
    for bundle_id in _dict(backup.manifest.get("Applications")):
        note(bundle_id, MANIFEST_APPS)
    for domain in backup.domains(APP_DOMAIN):
        note(domain.removeprefix(APP_DOMAIN), DATA_FOLDER)
    return [
        _with_store_record(bundle_id, tuple(places), records)
        for bundle_id, places in sorted(evidence.items())
    ]


def app_groups(backup: IosBackup) -> list[str]:
    """The names of shared app folders (`group.…`), as the backup lists them."""
    return [domain.removeprefix(GROUP_DOMAIN) for domain in backup.domains(GROUP_DOMAIN)]


def _with_store_record(bundle_id: str, places: tuple[str, ...], records: dict[Any, Any]) -> InstalledApp:
    record = _dict(records.get(bundle_id))
    metadata = record.get("iTunesMetadata")
    store = load_plist(metadata) if isinstance(metadata, bytes) else None
    if not store:
        return InstalledApp(bundle_id, places)
    return InstalledApp(
        bundle_id,
        places,
        name=_text(store.get("itemName")),
        version=_text(store.get("bundleShortVersionString") or store.get("bundleVersion")),
        installer=_text(store.get("sourceApp")),
        purchase_date=_date_text(store.get("purchaseDate")),
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _date_text(value: Any) -> str | None:
    if isinstance(value, datetime):
        return iso(value)
    return _text(value)
