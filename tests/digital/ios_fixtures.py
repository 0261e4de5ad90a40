"""Synthetic iPhone backups for the tests, built the way Finder and iTunes lay them out.

A backup is a folder with Info.plist, Manifest.plist, Status.plist and Manifest.db (SQLite: `Files(fileID,
domain, relativePath, flags, file)`); each file's content sits at `<fileID[:2]>/<fileID>`, where fileID is
the SHA-1 of "domain-relativePath". Everything here is fictional: people, organisations and servers use
example.org / example.com, and the stalkerware app id is made up for a synthetic indicator file.
"""

from __future__ import annotations

import hashlib
import plistlib
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

BACKUP_DATE = datetime(2026, 3, 14, 9, 30, 0)
SAFARI_EPOCH = datetime(2001, 1, 1, tzinfo=UTC)

ORDINARY_APPS = ("net.whatsapp.WhatsApp", "com.google.Gmail", "org.example.weather")
APPLE_APPS = ("com.apple.mobilesafari", "com.apple.MobileSMS", "com.apple.findmy")

# Echap's watchware.yaml lists Life360's iOS app id; the decoys only look like it.
WATCHWARE_BUNDLE = "com.life360.safetymap"
DECOY_BUNDLES = ("com.life360.safetymap2", "org.example.life360.safetymap", "com.life360.safetymapper")
# Only a synthetic STIX2 file (`stalkerware_stix2`) lists this one.
STALKERWARE_BUNDLE = "com.example.hiddenhelper"
MANAGED_BUNDLE = "com.example.workchat"
SIDELOADED_BUNDLE = "org.example.notesbeta"
JAILBREAK_SIGN = ("HomeDomain", "Library/Preferences/org.coolstar.SileoStore.plist")
JAILBREAK_DECOY_APP = "com.example.sileostore"
MDM_UUID = "0B7E1F4C-5D2A-4C8E-9A61-2F3B4C5D6E71"
PROXY_UUID = "9F3A2B1C-8D7E-4F60-A5B4-C3D2E1F0A9B8"
WIFI_UUID = "3C4D5E6F-7A8B-4C9D-8E0F-1A2B3C4D5E6F"
SPY_FILE = ("HomeDomain", "Library/Preferences/com.example.hiddenhelper.plist")


def file_id(domain: str, relative_path: str) -> str:
    return hashlib.sha1(f"{domain}-{relative_path}".encode()).hexdigest()


def mbfile(relative_path: str, *, birth: datetime, size: int, directory: bool) -> bytes:
    """The keyed-archive record Manifest.db keeps for each file (the fields the checks read, and a few)."""
    seconds = int(birth.replace(tzinfo=UTC).timestamp())
    record = {
        "$class": plistlib.UID(3),
        "RelativePath": plistlib.UID(2),
        "Birth": seconds,
        "LastModified": seconds,
        "LastStatusChange": seconds,
        "Size": size,
        "Mode": 0o40755 if directory else 0o100644,
        "Flags": 0,
        "UserID": 501,
        "GroupID": 501,
        "ProtectionClass": 3,
    }
    archive = {
        "$version": 100000,
        "$archiver": "NSKeyedArchiver",
        "$top": {"root": plistlib.UID(1)},
        "$objects": [
            "$null",
            record,
            relative_path,
            {"$classname": "MBFile", "$classes": ["MBFile", "NSObject"]},
        ],
    }
    return plistlib.dumps(archive, fmt=plistlib.FMT_BINARY)


def store_record(name: str, installer: str | None, purchased: datetime) -> bytes:
    """An app's App Store record (iTunesMetadata), as Info.plist's "Applications" holds it."""
    record: dict[str, Any] = {"itemName": name, "bundleShortVersionString": "1.0", "purchaseDate": purchased}
    if installer is not None:
        record["sourceApp"] = installer
    return plistlib.dumps(record, fmt=plistlib.FMT_BINARY)


def profile_plist(
    identifier: str,
    name: str,
    uuid: str,
    payloads: list[dict[str, Any]],
    *,
    organisation: str = "Example Org",
    installed: datetime | None = None,
) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "PayloadIdentifier": identifier,
        "PayloadDisplayName": name,
        "PayloadUUID": uuid,
        "PayloadOrganization": organisation,
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadContent": [
            {
                "PayloadIdentifier": f"{identifier}.{index}",
                "PayloadUUID": f"{uuid[:-2]}{index:02d}",
                **payload,
            }
            for index, payload in enumerate(payloads)
        ],
    }
    if installed is not None:
        profile["InstallDate"] = installed
    return profile


def signed(xml: bytes) -> bytes:
    """Stand-in for a CMS signature around a property list: opaque bytes before and after the XML."""
    noise = random.Random(11).randbytes(48)
    return b"\x30\x82\x1f\x00" + noise + xml + noise


def safari_history(visits: list[tuple[str, datetime]]) -> bytes:
    """A Safari History.db holding `visits` (address, time)."""
    connection = sqlite3.connect(":memory:")
    connection.executescript(
        "CREATE TABLE history_items (id INTEGER PRIMARY KEY, url TEXT UNIQUE, domain_expansion TEXT,"
        " visit_count INTEGER);"
        "CREATE TABLE history_visits (id INTEGER PRIMARY KEY, history_item INTEGER, visit_time REAL,"
        " title TEXT);"
    )
    for url, moment in visits:
        connection.execute("INSERT OR IGNORE INTO history_items (url, visit_count) VALUES (?, 0)", (url,))
        (item,) = connection.execute("SELECT id FROM history_items WHERE url = ?", (url,)).fetchone()
        seconds = (moment.replace(tzinfo=UTC) - SAFARI_EPOCH).total_seconds()
        connection.execute(
            "INSERT INTO history_visits (history_item, visit_time) VALUES (?, ?)", (item, seconds)
        )
    connection.commit()
    data = connection.serialize()
    connection.close()
    return data


@dataclass
class BackupBuilder:
    """Collects what the backup should hold, then writes it out with `write(folder)`."""

    device_name: str = "Alex's iPhone"
    product_type: str = "iPhone14,2"
    ios_version: str = "17.4.1"
    encrypted: bool = False
    finished: bool = True
    installed: list[str] = field(default_factory=list)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[tuple[str, str], bytes | None] = field(default_factory=dict)

    def app(
        self, bundle_id: str, *, installer: str | None = "com.apple.AppStore", name: str | None = None
    ) -> None:
        """An installed app with its data folder and, unless `installer` is None, its App Store record."""
        self.installed.append(bundle_id)
        if not bundle_id.startswith("com.apple."):
            metadata = store_record(
                name or bundle_id.rsplit(".", 1)[-1], installer, BACKUP_DATE - timedelta(days=40)
            )
            self.records[bundle_id] = {"iTunesMetadata": metadata}
        self.folder(f"AppDomain-{bundle_id}", "")
        self.add(
            f"AppDomain-{bundle_id}", "Library/Preferences/settings.plist", plistlib.dumps({"launched": 3})
        )

    def folder(self, domain: str, relative_path: str) -> None:
        self.files[(domain, relative_path)] = None

    def add(self, domain: str, relative_path: str, content: bytes) -> None:
        parts = relative_path.split("/")
        for depth in range(len(parts)):
            self.files.setdefault((domain, "/".join(parts[:depth])), None)
        self.files[(domain, relative_path)] = content

    def profile(self, relative_name: str, plist: dict[str, Any], *, binary: bool = False) -> None:
        content = plistlib.dumps(plist, fmt=plistlib.FMT_BINARY if binary else plistlib.FMT_XML)
        domain = "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles"
        self.add(domain, f"Library/ConfigurationProfiles/{relative_name}", content)

    def write(self, root: Path) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        self._write_plists(root)
        if self.encrypted:
            # An encrypted backup's Manifest.db is ciphertext; the files are too.
            (root / "Manifest.db").write_bytes(random.Random(5).randbytes(8192))
            return root
        rows = []
        for (domain, relative_path), content in sorted(self.files.items()):
            identifier = file_id(domain, relative_path)
            directory = content is None
            blob = mbfile(
                relative_path,
                birth=BACKUP_DATE - timedelta(days=30),
                size=len(content or b""),
                directory=directory,
            )
            rows.append((identifier, domain, relative_path, 2 if directory else 1, blob))
            if content is not None:
                stored = root / identifier[:2] / identifier
                stored.parent.mkdir(exist_ok=True)
                stored.write_bytes(content)
        write_manifest_db(root / "Manifest.db", rows)
        return root

    def _write_plists(self, root: Path) -> None:
        info: dict[str, Any] = {
            "Device Name": self.device_name,
            "Display Name": self.device_name,
            "Product Type": self.product_type,
            "Product Version": self.ios_version,
            "Build Version": "21E236",
            "Last Backup Date": BACKUP_DATE,
            "Installed Applications": list(self.installed),
            "Applications": self.records,
            "Target Type": "Device",
        }
        manifest: dict[str, Any] = {
            "IsEncrypted": self.encrypted,
            "Version": "10.0",
            "Date": BACKUP_DATE,
            "Applications": {bundle: {"CFBundleIdentifier": bundle} for bundle in self.installed},
            "Lockdown": {"DeviceName": self.device_name, "ProductType": self.product_type},
        }
        status = {"BackupState": "new", "IsFullBackup": False, "Date": BACKUP_DATE, "Version": "3.3"}
        status["SnapshotState"] = "finished" if self.finished else "uploading"
        (root / "Info.plist").write_bytes(plistlib.dumps(info))
        (root / "Manifest.plist").write_bytes(plistlib.dumps(manifest, fmt=plistlib.FMT_BINARY))
        (root / "Status.plist").write_bytes(plistlib.dumps(status, fmt=plistlib.FMT_BINARY))


def write_manifest_db(path: Path, rows: list[tuple[str, str, str, int, bytes]]) -> None:
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER,"
        " file BLOB);"
        "CREATE INDEX FilesDomainIdx ON Files(domain);"
        "CREATE INDEX FilesRelativePathIdx ON Files(relativePath);"
        "CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);"
    )
    connection.executemany("INSERT INTO Files VALUES (?, ?, ?, ?, ?)", rows)
    connection.commit()
    connection.close()


def clean_backup(root: Path) -> Path:
    """The control: ordinary App Store apps, ordinary browsing, nothing else."""
    builder = BackupBuilder(device_name="Sam's iPhone")
    for bundle in (*APPLE_APPS, *ORDINARY_APPS):
        builder.app(bundle)
    builder.add("HomeDomain", "Library/Safari/History.db", safari_history(_ordinary_visits()))
    builder.add("HomeDomain", "Library/Preferences/com.apple.Preferences.plist", plistlib.dumps({"a": 1}))
    return builder.write(root)


def watched_backup(root: Path) -> Path:
    """A phone with a family-tracking app, management and proxy profiles, a jailbreak trace and decoys."""
    builder = BackupBuilder()
    for bundle in (*APPLE_APPS, *ORDINARY_APPS, WATCHWARE_BUNDLE, *DECOY_BUNDLES, JAILBREAK_DECOY_APP):
        builder.app(bundle)
    builder.app(STALKERWARE_BUNDLE, installer=None, name="System Helper")
    builder.app(MANAGED_BUNDLE, installer="com.apple.dmd", name="WorkChat")
    builder.app(SIDELOADED_BUNDLE, installer="com.example.sideloader", name="Notes Beta")
    builder.folder("AppDomainGroup-group.com.life360.safetymap", "")
    builder.add(*JAILBREAK_SIGN, plistlib.dumps({"lastRefresh": 1}))
    builder.add(*SPY_FILE, plistlib.dumps({"upload": True}))
    _add_profiles(builder)
    builder.add(
        "MobileDeviceDomain", "ProvisioningProfiles/4E5F6A7B.mobileprovision", signed(_provisioning_xml())
    )
    builder.add("HomeDomain", "Library/Safari/History.db", safari_history(_watched_visits()))
    return builder.write(root)


def _add_profiles(builder: BackupBuilder) -> None:
    installed = BACKUP_DATE - timedelta(days=12)
    mdm = profile_plist(
        "org.example.mdm.enrol",
        "Device Enrolment",
        MDM_UUID,
        [
            {
                "PayloadType": "com.apple.mdm",
                "ServerURL": "https://mdm.example.org/server",
                "AccessRights": 8191,
            },
            {"PayloadType": "com.apple.security.scep", "URL": "https://mdm.example.org/scep"},
        ],
        installed=installed,
    )
    proxy = profile_plist(
        "com.example.netfilter",
        "Network Helper",
        PROXY_UUID,
        [
            {
                "PayloadType": "com.apple.proxy.http.global",
                "ProxyServer": "proxy.example.com",
                "ProxyServerPort": 8080,
            }
        ],
        organisation="",
    )
    wifi = profile_plist(
        "org.example.library.wifi",
        "Library Wi-Fi",
        WIFI_UUID,
        [{"PayloadType": "com.apple.wifi.managed", "SSID_STR": "Example Library"}],
        installed=installed,
    )
    builder.profile("profile-0b7e1f4c.stub", mdm)
    builder.profile("profile-9f3a2b1c.stub", proxy, binary=True)
    builder.profile("profile-3c4d5e6f.stub", wifi)
    # Bookkeeping files in the same folder are not profiles and must not be read as such.
    builder.profile("ProfileTruth.plist", {"ProfileIdentifiers": ["org.example.mdm.enrol"]})
    builder.profile(
        "CloudConfigurationDetails.plist",
        {"IsSupervised": True, "OrganizationName": "Example Fleet Services"},
    )


def _provisioning_xml() -> bytes:
    return plistlib.dumps(
        {
            "Name": "Example Notes Beta Distribution",
            "TeamName": "Example Apps Ltd",
            "CreationDate": BACKUP_DATE - timedelta(days=50),
            "ExpirationDate": BACKUP_DATE + timedelta(days=300),
            "ProvisionsAllDevices": True,
            "Entitlements": {"application-identifier": "A1B2C3D4E5.org.example.notesbeta"},
        }
    )


def _ordinary_visits() -> list[tuple[str, datetime]]:
    return [
        ("https://www.example.org/news/today", BACKUP_DATE - timedelta(days=2)),
        ("https://shop.example.com/basket", BACKUP_DATE - timedelta(days=1)),
        # A lookalike of a stalkerware vendor's site: a dot boundary keeps it apart.
        ("https://notmspy.com/", BACKUP_DATE - timedelta(hours=5)),
    ]


def _watched_visits() -> list[tuple[str, datetime]]:
    return [
        *_ordinary_visits(),
        ("https://www.mspy.com/pricing.html", BACKUP_DATE - timedelta(days=20)),
        ("https://www.mspy.com/", BACKUP_DATE - timedelta(days=19)),
        ("https://cp.mspyonline.com/panel/login", BACKUP_DATE - timedelta(days=18)),
    ]


def stalkerware_stix2(path: Path) -> Path:
    """A synthetic STIX2 file: a stalkerware app id, a profile id, a phone path and one that cannot match."""
    malware_id = "malware--6f1d0c4e-1d3a-4b7e-9a1e-0c2d3e4f5a6b"
    patterns = [
        f"[app:id='{STALKERWARE_BUNDLE}']",
        f"[configuration-profile:id='{PROXY_UUID.lower()}']",
        f"[file:path='/private/var/mobile/{SPY_FILE[1]}']",
        "[file:path='/private/var/tmp/examplehook']",
    ]
    objects: list[dict[str, Any]] = [
        {
            "type": "malware",
            "spec_version": "2.1",
            "id": malware_id,
            "name": "ExampleSpy",
            "description": "Fictional stalkerware for tests",
            "is_family": False,
        }
    ]
    for index, pattern in enumerate(patterns):
        indicator_id = f"indicator--00000000-0000-4000-8000-{index:012d}"
        objects.append(
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": indicator_id,
                "pattern": pattern,
                "pattern_type": "stix",
                "valid_from": "2026-01-01T00:00:00Z",
            }
        )
        objects.append(
            {
                "type": "relationship",
                "spec_version": "2.1",
                "id": f"relationship--00000000-0000-4000-8000-{index:012d}",
                "relationship_type": "indicates",
                "source_ref": indicator_id,
                "target_ref": malware_id,
            }
        )
    path.write_bytes(
        orjson.dumps(
            {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": objects}
        )
    )
    return path
