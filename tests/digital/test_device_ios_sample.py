"""`device check` on MVT's public iOS test backup, read in place from ../shared/data/device-samples/.

Expected result, written down before the first run (from SOURCES.md and the backup's Info.plist):
- an unencrypted iOS 14.3 backup of an "iPhone" (model iPhone9,3, build 18C66), made 2021-12-03 19:33:13;
- six third-party apps: Telegram, Gmail, Typewise, Chrome, WhatsApp and Firefox, none of them on a
  stalkerware or watchware list, so with Echap's lists: no alert at all (and none critical or high);
- no configuration profile, jailbreak trace or Safari history can be read: the backup lists the profile
  files and History.db but holds only 11 of its files, so the report must say files were missing;
- with MVT's cytrox.stix2 (Predator: 336 domains, 6 `file:path`, 1 `configuration-profile:id`): still no
  alert. Its paths are /private/var/tmp/… (a folder no backup domain holds) and Android's /data/local/tmp/…,
  and the profile id cannot match a profile the backup does not hold.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from stalkproof.digital.indicators.model import Indicator, IndicatorSet
from stalkproof.digital.indicators.stix2 import load_stix2
from stalkproof.digital.indicators.store import load_indicators
from stalkproof.digital.phone.ios import check_ios_backup, is_ios_backup
from stalkproof.digital.phone.ios.locations import backup_places

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "device-samples" / "inputs" / "mvt"
BACKUP = SAMPLES / "ios_backup"
CYTROX = SAMPLES / "stix2" / "cytrox.stix2"

EXPECTED_APPS = [
    "ch.icoaching.typewise",
    "com.google.Gmail",
    "com.google.chrome.ios",
    "net.whatsapp.WhatsApp",
    "org.mozilla.ios.Firefox",
    "ph.telegra.Telegraph",
]
EXPECTED_DEVICE = {
    "device_name": "iPhone",
    "model": "iPhone9,3",
    "ios_version": "14.3",
    "build": "18C66",
    "backup_date": "2021-12-03T19:33:13+00:00",
    "encrypted": False,
}
# First 16 hex digits of the sha256 SOURCES.md records for the two files the check reads.
EXPECTED_INPUTS = {"Info.plist": "01a1b7a5176a575e", "Manifest.db": "7876f1034a5082d2"}
CYTROX_PROFILE_ID = "76DAB334-7E17-475D-A5D6-0794EB5818A5"

pytestmark = pytest.mark.skipif(
    not BACKUP.is_dir(), reason="the shared device samples are not on this machine"
)


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_sample_backup_with_echap_raises_nothing() -> None:
    before = snapshot(BACKUP)
    assert is_ios_backup(BACKUP)
    report = check_ios_backup(BACKUP, load_indicators().indicators)
    assert report.alerts == []
    assert report.details["apps"] == EXPECTED_APPS
    assert {key: report.details[key] for key in EXPECTED_DEVICE} == EXPECTED_DEVICE
    assert report.details["configuration_profiles"] == []
    assert report.details["safari_sites"] is None
    assert report.details["apple_apps"] > 50
    read = {Path(item.path).name: item.sha256 for item in report.inputs}
    assert set(read) == set(EXPECTED_INPUTS)
    for name, prefix in EXPECTED_INPUTS.items():
        assert read[name].startswith(prefix)
    assert any("were not in its folder" in note for note in report.not_checked)
    assert report.verdict().headline == "Nothing known to be used for spying was found on this phone."
    assert snapshot(BACKUP) == before


def test_sample_backup_with_cytrox_stix2_matches_nothing() -> None:
    if not CYTROX.is_file():
        pytest.skip("MVT's cytrox.stix2 is not on this machine")
    cytrox = load_stix2(CYTROX)
    indicators = cytrox.indicators
    assert indicators.count("config_profile") == 1
    assert indicators.count("file_path") == 6
    assert indicators.count("domain") == 336
    assert [item.value for item in indicators.values("config_profile")] == [CYTROX_PROFILE_ID]
    # None of its phone paths lies in a place an iPhone backup holds, so none can match.
    assert all(backup_places(item.value) == [] for item in indicators.values("file_path"))
    report = check_ios_backup(BACKUP, load_indicators([CYTROX]).indicators)
    assert report.alerts == []
    assert "cytrox.stix2" in report.indicator_sources


def test_sample_backup_matches_a_listed_app_exactly() -> None:
    """The positive control: list one of the sample's own apps, and exactly that app is reported."""
    listed = IndicatorSet(
        [Indicator("ph.telegra.Telegraph", "app_id", "Test product", "stalkerware", "test.stix2")]
    )
    near_miss = IndicatorSet(
        [Indicator("ph.telegra.Telegrap", "app_id", "Near miss", "stalkerware", "test.stix2")]
    )
    report = check_ios_backup(BACKUP, listed)
    assert [(alert.level, alert.module) for alert in report.alerts] == [("critical", "ios_apps")]
    assert report.alerts[0].event["evidence"][0] == "the backup's list of installed apps (Info.plist)"
    assert check_ios_backup(BACKUP, near_miss).alerts == []
