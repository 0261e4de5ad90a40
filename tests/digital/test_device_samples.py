"""`device check` on every public Android test artifact in ../shared/data/device-samples/inputs (MVT and
spytrap-adb files, read in place, never copied here; see its SOURCES.md). iOS backups are tested with the
iOS reader.

The findings expected from each file were written down before the checks ran, as (level, check,
subject); anything missing or extra fails. A sample file with no expectation fails too, so nothing
in the folder goes unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from stalkproof.digital.findings import CheckReport
from stalkproof.digital.indicators.model import IndicatorSet
from stalkproof.digital.indicators.store import load_indicators
from stalkproof.digital.phone import check_device
from stalkproof.errors import InputError

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "device-samples"
INPUTS = SAMPLES / "inputs"
pytestmark = pytest.mark.skipif(
    not INPUTS.exists(), reason="the shared device samples are not on this machine"
)

Finding = tuple[str, str, str]

MVT_ANDROIDQF: frozenset[Finding] = frozenset(
    {
        ("medium", "root_binaries", "root"),
        ("medium", "sideloaded", "com.whatsapp"),  # installer "null", not a system app
        ("medium", "sideloaded", "app.revanced.manager.flutter"),  # package installer
        ("medium", "sideloaded", "org.fdroid.fdroid"),  # package installer
        ("informational", "alternative_store", "org.nuclearfog.apollo"),  # installed by F-Droid
        # com.malware.blah / .muahaha are flagged system apps: never "sideloaded".
    }
)
MVT_DECOYS: frozenset[Finding] = frozenset(
    {
        ("critical", "app_id", "com.malware.blah"),
        ("critical", "certificate", "com.malware.muahaha"),
        ("critical", "apk_hash", "com.malware.muahaha"),
    }
)
SPYLIVE_ACCESSIBILITY: frozenset[Finding] = frozenset(
    {("critical", "app_id", "com.wifi0"), ("high", "accessibility_service", "com.wifi0")}
)
NOTHING: frozenset[Finding] = frozenset()


@dataclass(frozen=True)
class Case:
    path: str
    findings: frozenset[Finding] = NOTHING
    stix2: tuple[str, ...] = ()
    echap: bool = True
    error: str | None = None  # a regular expression the InputError must match
    very_little: bool = False
    sdk: int | None = None

    @property
    def id(self) -> str:
        return (
            self.path
            + ("+" + "+".join(self.stix2) if self.stix2 else "")
            + ("" if self.echap else "-noechap")
        )


PART_OF_ANDROIDQF = "one file from an AndroidQF acquisition"
PART_OF_BUGREPORT = "one file from an Android bugreport"
NOTHING_TO_CHECK = "holds nothing stalkproof checks"

CASES = [
    # MVT's AndroidQF acquisition: folder, re-zipped, and the zip that holds only getprop.txt.
    Case("mvt/androidqf", MVT_ANDROIDQF, sdk=29),
    Case("mvt/androidqf", MVT_ANDROIDQF | MVT_DECOYS, stix2=("mvt-decoys.stix2",)),
    Case("mvt/androidqf", MVT_ANDROIDQF, stix2=("mvt-test.stix2",)),
    Case("derived/androidqf-mvt-test.zip", MVT_ANDROIDQF | MVT_DECOYS, stix2=("mvt-decoys.stix2",), sdk=29),
    Case("mvt/androidqf.zip", very_little=True),
    # Its files one by one: the text outputs are read, the rest named as parts of an acquisition.
    Case("mvt/androidqf/dumpsys.txt", sdk=29),
    Case("mvt/androidqf/getprop.txt", very_little=True),
    Case("mvt/androidqf/ps.txt", very_little=True),
    Case("mvt/androidqf/backup.ab", error="Android backup"),
    Case("mvt/androidqf/packages.json", error=PART_OF_ANDROIDQF),
    Case("mvt/androidqf/files.json", error=PART_OF_ANDROIDQF),
    Case("mvt/androidqf/root_binaries.json", error=PART_OF_ANDROIDQF),
    Case("mvt/androidqf/settings_random.txt", error=PART_OF_ANDROIDQF),
    # MVT's bugreport: unzipped, re-zipped, and its files.
    Case("mvt/android_data/bugreport", sdk=29),
    Case("derived/bugreport-mvt-test.zip", sdk=29),
    Case("mvt/android_data/bugreport/dumpstate.txt", sdk=29),
    Case("mvt/android_data/bugreport/main_entry.txt", error=PART_OF_BUGREPORT),
    Case("mvt/android_data/bugreport/FS/data/tombstones/tombstone_00", error=PART_OF_BUGREPORT),
    Case("mvt/android_data/bugreport/FS/data/tombstones/tombstone_01", error=PART_OF_BUGREPORT),
    # MVT's single-service dumpsys texts.
    Case("mvt/android_data/dumpsys_accessibility.txt"),
    Case(
        "mvt/android_data/dumpsys_accessibility_v14_or_later.txt",
        frozenset({("high", "accessibility_service", "com.malware.accessibility")}),
    ),
    Case(
        "mvt/android_data/dumpsys_accessibility_v14_or_later.txt",
        frozenset(
            {
                ("high", "accessibility_service", "com.malware.accessibility"),
                ("critical", "app_id", "com.malware.accessibility"),
            }
        ),
        stix2=("mvt-decoys.stix2",),
    ),
    Case("mvt/android_data/dumpsys_adb.txt", error=NOTHING_TO_CHECK),
    Case("mvt/android_data/dumpsys_adb_wifi.txt", error=NOTHING_TO_CHECK),
    Case("mvt/android_data/dumpsys_adb_xml.txt", error=NOTHING_TO_CHECK),
    Case("mvt/android_data/dumpsys_appops.txt", very_little=True),
    Case("mvt/android_data/dumpsys_battery.txt", very_little=True),
    Case("mvt/android_data/dumpsys_dbinfo.txt", very_little=True),
    Case("mvt/android_data/dumpsys_packages.txt"),
    Case("mvt/android_data/dumpsys_platform_compat.txt", very_little=True),
    Case("mvt/android_data/getprop.txt", very_little=True),
    Case("mvt/android_data/ps.txt", very_little=True),
    # MVT's indicator files are not acquisitions.
    Case("mvt/stix2/cytrox.stix2", error="STIX2 indicator file"),
    Case("mvt/stix2/638cd3ee5e5f019f84f9e0ea.json", error="STIX2 indicator file"),
    # spytrap-adb: SpyLive360 (com.wifi0, in Echap) and clean controls.
    Case("spytrap-adb/dumpsys/accessibility/spylive360.txt", SPYLIVE_ACCESSIBILITY),
    Case(
        "spytrap-adb/dumpsys/accessibility/spylive360.txt",
        SPYLIVE_ACCESSIBILITY,
        stix2=("echap-apps.stix2",),
        echap=False,
    ),
    Case("spytrap-adb/dumpsys/accessibility/plain.txt"),
    Case("spytrap-adb/dumpsys/accessibility/plain2.txt"),
    Case(
        "spytrap-adb/dumpsys/package/spylive360.txt",
        frozenset({("critical", "app_id", "com.wifi0"), ("medium", "sideloaded", "com.wifi0")}),
    ),
    Case("spytrap-adb/dumpsys/package/contacts.txt"),  # a system app
    # The clean controls were installed from APK files: that is said, but no indicator matches.
    Case(
        "spytrap-adb/dumpsys/package/fdroid.txt", frozenset({("medium", "sideloaded", "org.fdroid.fdroid")})
    ),
    Case(
        "spytrap-adb/dumpsys/package/gpstest.txt",
        frozenset({("medium", "sideloaded", "com.android.gpstest.osmdroid")}),
    ),
    Case("spytrap-adb/dumpsys/package/jitsi.txt", frozenset({("medium", "sideloaded", "org.jitsi.meet")})),
]


@cache
def indicators(stix2: tuple[str, ...], echap: bool) -> IndicatorSet:
    return load_indicators([SAMPLES / "indicators" / name for name in stix2], echap=echap).indicators


def findings(report: CheckReport) -> set[Finding]:
    return {(alert.level, str(alert.event["check"]), _subject(alert)) for alert in report.alerts}


def _subject(alert: object) -> str:
    event = getattr(alert, "event", {})
    return str(event.get("package") or event.get("setting") or event.get("process") or "root")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_sample(case: Case) -> None:
    path = INPUTS / case.path
    if case.error:
        with pytest.raises(InputError, match=case.error):
            check_device(path, indicators(case.stix2, case.echap))
        return
    report = check_device(path, indicators(case.stix2, case.echap))
    assert findings(report) == set(case.findings)
    assert report.inputs and all(len(item.sha256) == 64 for item in report.inputs)
    assert report.not_checked[0].startswith("Very little could be checked") == case.very_little
    assert (report.details["coverage"] == "very_little") == case.very_little
    if case.sdk:
        assert report.details["android"]["sdk"] == case.sdk


def test_every_android_sample_has_written_expectations() -> None:
    covered = {case.path for case in CASES}
    files = {
        path.relative_to(INPUTS).as_posix()
        for path in INPUTS.rglob("*")
        if path.is_file() and path.name != "SHA256SUMS" and "ios_backup" not in path.parts
    }
    inside_covered_folders = {name for name in files if any(name.startswith(f + "/") for f in covered)}
    assert files - covered - inside_covered_folders == set()
    # Files inside a folder that is checked as a whole are also checked one by one.
    assert {name for name in files if name.startswith("mvt/androidqf/")} <= covered
    assert {name for name in files if name.startswith("mvt/android_data/bugreport/")} <= covered


def test_matched_indicators_are_the_decoy_values() -> None:
    report = check_device(INPUTS / "mvt/androidqf", indicators(("mvt-decoys.stix2",), True))
    critical = {alert.matched_indicator.value for alert in report.alerts if alert.matched_indicator}
    assert critical == {
        "com.malware.blah",
        "31037a27af59d4914906c01ad14a318eee2f3e31d48da8954dca62a99174e3fa",
        "c7e56178748be1441370416d4c10e34817ea0c961eb636c8e9d98e0fd79bf730",
    }
    assert all(
        alert.matched_indicator.source == "mvt-decoys.stix2"
        for alert in report.alerts
        if alert.matched_indicator
    )


def test_spylive360_is_named_and_its_capabilities_kept() -> None:
    package = check_device(INPUTS / "spytrap-adb/dumpsys/package/spylive360.txt", indicators((), True))
    found = next(alert for alert in package.alerts if alert.event["check"] == "app_id")
    assert "SpyLive360" in found.message and found.removal_risk
    assert set(found.event["declares"]) == {
        "accessibility service",
        "notification listener",
        "device administrator",
    }
    assert found.event["has_launcher_icon"] is True
    accessibility = check_device(
        INPUTS / "spytrap-adb/dumpsys/accessibility/spylive360.txt", indicators((), True)
    )
    service = next(alert for alert in accessibility.alerts if alert.event["check"] == "accessibility_service")
    assert "com.wifi0/com.wifi0.AccessibilityReceiver4" in service.why
    assert "could not tell whether com.wifi0 came with the phone" in service.why


def test_androidqf_zip_with_only_getprop_says_how_little_was_checked() -> None:
    report = check_device(INPUTS / "mvt/androidqf.zip", indicators((), True))
    assert report.alerts == []
    assert "getprop.txt" in report.not_checked[0]
    assert any("list of installed apps" in item for item in report.not_checked)
    assert any("Android version is not in this input" in item for item in report.not_checked)
    assert report.checked == ["System properties (10)."]


READABLE = [case for case in CASES if case.error is None and not case.stix2]


@pytest.mark.parametrize("case", READABLE, ids=[case.id for case in READABLE])
def test_more_indicator_files_add_no_false_alarms(case: Case) -> None:
    """MVT's synthetic test values (example.org, process "Launch" …) and Echap's STIX2 export (website,
    download and C2 domains merged) must not add findings to any sample."""
    more = indicators(("mvt-test.stix2", "echap-all.stix2"), True)
    assert findings(check_device(INPUTS / case.path, more)) == set(case.findings)
