"""Configuration profiles and device supervision, as an iPhone backup records them.

A configuration profile can put a phone under someone's management (MDM), send its traffic through their
proxy or VPN, or make it trust their certificate. iOS keeps installed profiles, and the record of whether
the phone is supervised, in the configuration-profiles system group and under `Library/ConfigurationProfiles`.
Any property list there that carries a `PayloadIdentifier` and a list of payloads is read as a profile, so
the exact file names (which change between iOS versions) do not matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from stalkproof.digital.phone.ios.backup import BackupFile, IosBackup, iso
from stalkproof.digital.phone.ios.plists import load_plist

PROFILE_DOMAIN = "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles"
PROFILE_PLACES = (
    (PROFILE_DOMAIN, "Library/ConfigurationProfiles/"),
    ("HomeDomain", "Library/ConfigurationProfiles/"),
    ("HomeDomain", "Library/UserConfigurationProfiles/"),
)
CLOUD_CONFIGURATION = "CloudConfigurationDetails.plist"
# Payload keys that name a server: who receives the management, proxy or VPN traffic.
_SERVER_KEYS = ("ServerURL", "CheckInURL", "ProxyServer", "ProxyPACURL", "RemoteAddress", "ServerAddresses")


@dataclass(frozen=True)
class ConfigurationProfile:
    identifier: str
    uuid: str | None
    display_name: str | None
    organisation: str | None
    payload_types: tuple[str, ...]
    servers: tuple[str, ...]
    installed: str | None
    location: str

    @property
    def shown_name(self) -> str:
        return self.display_name or self.identifier

    def to_json(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "uuid": self.uuid,
            "display_name": self.display_name,
            "organisation": self.organisation,
            "payload_types": list(self.payload_types),
            "servers": list(self.servers),
            "installed": self.installed,
            "location": self.location,
        }


@dataclass(frozen=True)
class Supervision:
    """The phone's cloud configuration record: whether an organisation supervises it."""

    supervised: bool
    organisation: str | None
    location: str


@dataclass(frozen=True)
class ProfileRecords:
    profiles: list[ConfigurationProfile]
    supervision: Supervision | None


def read_profiles(backup: IosBackup) -> ProfileRecords:
    """Every profile the backup holds (once each, in the order found) and the supervision record."""
    found: dict[tuple[str, str | None], ConfigurationProfile] = {}
    supervised: Supervision | None = None
    for entry, content in _profile_files(backup):
        if entry.name == CLOUD_CONFIGURATION and "IsSupervised" in content:
            supervised = _supervision(content, entry)
            continue
        profile = _as_profile(content, entry, backup)
        if profile is not None:
            found.setdefault((profile.identifier, profile.uuid), profile)
    return ProfileRecords(list(found.values()), supervised)


def _supervision(content: dict[str, Any], entry: BackupFile) -> Supervision:
    return Supervision(
        supervised=content.get("IsSupervised") is True,
        organisation=_text(content.get("OrganizationName")),
        location=entry.describe(),
    )


def profile_files_listed(backup: IosBackup) -> int:
    """How many files the backup lists where profiles are kept (read or not)."""
    return sum(
        len(backup.entries(domain, path_prefix=prefix, files_only=True)) for domain, prefix in PROFILE_PLACES
    )


def _profile_files(backup: IosBackup) -> Iterator[tuple[BackupFile, dict[str, Any]]]:
    for domain, prefix in PROFILE_PLACES:
        for entry in backup.entries(domain, path_prefix=prefix, files_only=True):
            data = backup.read(entry)
            content = load_plist(data) if data else None
            if content is not None:
                yield entry, content


def _as_profile(content: dict[str, Any], entry: BackupFile, backup: IosBackup) -> ConfigurationProfile | None:
    identifier = content.get("PayloadIdentifier")
    payloads = content.get("PayloadContent")
    if not isinstance(identifier, str) or not identifier:
        return None
    if not isinstance(payloads, list) and content.get("PayloadType") != "Configuration":
        return None
    payload_dicts = [payload for payload in payloads or () if isinstance(payload, dict)]
    types = tuple(
        dict.fromkeys(str(p["PayloadType"]) for p in payload_dicts if isinstance(p.get("PayloadType"), str))
    )
    installed = content.get("InstallDate")
    if not isinstance(installed, datetime):
        installed = backup.file_times(entry)[0]
    return ConfigurationProfile(
        identifier=identifier,
        uuid=_text(content.get("PayloadUUID")),
        display_name=_text(content.get("PayloadDisplayName")),
        organisation=_text(content.get("PayloadOrganization")),
        payload_types=types,
        servers=tuple(dict.fromkeys(server for p in payload_dicts for server in _servers(p))),
        installed=iso(installed),
        location=entry.describe(),
    )


def _servers(payload: dict[str, Any]) -> Iterator[str]:
    """Host names a payload sends things to; nested settings (a VPN's proxy, for one) included."""
    for key, value in payload.items():
        if key in _SERVER_KEYS:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str) and item.strip():
                    yield _host(item.strip())
        elif isinstance(value, dict):
            yield from _servers(value)


def _host(value: str) -> str:
    host = urlsplit(value if "//" in value else f"//{value}").hostname
    return host or value


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
