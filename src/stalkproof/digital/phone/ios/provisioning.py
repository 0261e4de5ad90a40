"""Provisioning profiles: the permissions that let apps run on an iPhone without coming from the App Store.

Developers, beta testers and organisations use them for their own apps; they are also how spying apps are
put on a phone without the App Store. A backup keeps them under `MobileDeviceDomain/ProvisioningProfiles`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stalkproof.digital.phone.ios.backup import IosBackup, iso
from stalkproof.digital.phone.ios.plists import load_plist

DOMAIN = "MobileDeviceDomain"
FOLDER = "ProvisioningProfiles/"


@dataclass(frozen=True)
class ProvisioningProfile:
    name: str
    team: str | None
    app_id: str | None
    created: str | None
    expires: str | None
    for_any_device: bool
    location: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "team": self.team,
            "app_id": self.app_id,
            "created": self.created,
            "expires": self.expires,
            "for_any_device": self.for_any_device,
            "location": self.location,
        }


def provisioning_profiles(backup: IosBackup) -> list[ProvisioningProfile]:
    found: list[ProvisioningProfile] = []
    for entry in backup.entries(DOMAIN, path_prefix=FOLDER, files_only=True):
        data = backup.read(entry)
        content = load_plist(data) if data else None
        if content is None:
            continue
        entitlements = content.get("Entitlements")
        app_id = entitlements.get("application-identifier") if isinstance(entitlements, dict) else None
        found.append(
            ProvisioningProfile(
                name=_text(content.get("Name")) or entry.name,
                team=_text(content.get("TeamName")),
                app_id=_text(app_id),
                created=_date(content.get("CreationDate")),
                expires=_date(content.get("ExpirationDate")),
                # Set for enterprise distribution: the apps run on any phone, not a list of test devices.
                for_any_device=content.get("ProvisionsAllDevices") is True,
                location=entry.describe(),
            )
        )
    return found


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _date(value: Any) -> str | None:
    return iso(value) if isinstance(value, datetime) else None
