"""`device check` on synthetic Android inputs (tests/digital/phone_fixtures.py).

The expected findings for each input were written down before the checks: every one is listed as
(level, check, subject), and the test fails on anything missing *or* extra, so decoys that fire and
findings that vanish both show up.
"""

from __future__ import annotations

import json
import sys
import types
import zipfile
from pathlib import Path

import pytest
import yaml

from digital import phone_fixtures as fx
from stalkproof.digital.findings import CheckReport
from stalkproof.digital.indicators.model import IndicatorSet
from stalkproof.digital.indicators.store import load_indicators
from stalkproof.digital.phone import check as check_module
from stalkproof.digital.phone import check_device, write_alerts_json
from stalkproof.digital.phone.android.heuristics import HEURISTICS_FILE, Heuristics, load_heuristics
from stalkproof.errors import InputError

Finding = tuple[str, str, str]

# --- what each input must produce, written before the checks ------------------------------------

IDENTIFIED: set[Finding] = {
    ("critical", "app_id", fx.THETRUTH),
    ("high", "app_id", fx.FAMISAFE),
}
BY_APK: set[Finding] = {
    ("critical", "certificate", fx.DISGUISED),
    ("critical", "apk_hash", fx.HASHED),
}
SIDELOADED: set[Finding] = {
    ("medium", "sideloaded", fx.THETRUTH),
    ("medium", "sideloaded", fx.DISGUISED),
    ("medium", "sideloaded", fx.HASHED),
    ("medium", "sideloaded", fx.TORCH),
    ("medium", "sideloaded", fx.MAGISK),
    ("medium", "root_package", fx.MAGISK),
    ("informational", "alternative_store", fx.FDROID_NOTES),
}
SERVICES: set[Finding] = {
    ("high", "accessibility_service", fx.TORCH),
    ("low", "accessibility_known_tool", fx.TALKBACK),
    ("medium", "notification_listener", fx.TORCH),
    ("low", "notification_known_tool", fx.GEARHEAD),
    ("medium", "device_admin", fx.TORCH),
    ("informational", "device_admin_known", fx.GMS),
    ("low", "hidden_icon", fx.THETRUTH),
    ("low", "hidden_icon", fx.TORCH),
    ("low", "message_call_receiver", fx.THETRUTH),
    ("low", "message_call_receiver", fx.TORCH),
}
SETTINGS: set[Finding] = {
    ("medium", "setting:package_verifier_enable", "package_verifier_enable"),
    ("high", "host", "global_http_proxy_host"),
    ("low", "proxy", "global_http_proxy_host"),
}
ROOT: set[Finding] = {("medium", "root_binaries", "root")}

EXPECTED_ANDROIDQF = IDENTIFIED | BY_APK | SIDELOADED | SERVICES | SETTINGS | ROOT
# A bugreport has no APK hashes, certificates or root-binary scan; its settings come from dumpsys.
EXPECTED_BUGREPORT = IDENTIFIED | SIDELOADED | SERVICES | SETTINGS
# AndroidQF's dumpsys.txt alone: apps, services and receivers, no settings.
EXPECTED_DUMPSYS = IDENTIFIED | SIDELOADED | SERVICES
# `pm list packages -f -i -U`: names, paths and installers only.
EXPECTED_PM_LIST = IDENTIFIED | SIDELOADED


@pytest.fixture(scope="module")
def echap() -> IndicatorSet:
    return load_indicators().indicators


def findings(report: CheckReport) -> set[Finding]:
    return {(alert.level, str(alert.event["check"]), _subject(alert.event)) for alert in report.alerts}


def _subject(event: dict[str, object] | object) -> str:
    assert isinstance(event, dict)
    for key in ("package", "setting", "process", "path", "property"):
        if key in event:
            return str(event[key])
    return "root"


# --- each input kind ---------------------------------------------------------------------------


def test_androidqf_folder_finds_exactly_what_was_planted(tmp_path: Path, echap: IndicatorSet) -> None:
    report = check_device(fx.write_androidqf(tmp_path / "acq"), echap)
    assert findings(report) == EXPECTED_ANDROIDQF
    assert report.details["input_kind"] == "androidqf" and report.details["coverage"] == "broad"
    assert report.details["android"]["release"] == "14" and report.details["android"]["sdk"] == 34
    assert report.details["android"]["model"] == "Example Phone 7"


def test_androidqf_zip_in_a_top_folder_reads_like_the_folder(tmp_path: Path, echap: IndicatorSet) -> None:
    report = check_device(fx.write_androidqf_zip(tmp_path / "acq.zip"), echap)
    assert findings(report) == EXPECTED_ANDROIDQF
    assert [item.path for item in report.inputs] == [str(tmp_path / "acq.zip")]


def test_bugreport_zip(tmp_path: Path, echap: IndicatorSet) -> None:
    report = check_device(fx.write_bugreport_zip(tmp_path / "bugreport.zip"), echap)
    assert findings(report) == EXPECTED_BUGREPORT
    assert report.details["input_kind"] == "bugreport"
    assert report.details["android"]["release"] == "14"
    assert any("crash reports" in item for item in report.details["read"])


def test_unzipped_bugreport_folder(tmp_path: Path, echap: IndicatorSet) -> None:
    archive = fx.write_bugreport_zip(tmp_path / "bugreport.zip")
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(tmp_path / "unzipped")
    assert findings(check_device(tmp_path / "unzipped", echap)) == EXPECTED_BUGREPORT


def test_raw_dumpsys(tmp_path: Path, echap: IndicatorSet) -> None:
    report = check_device(fx.write_dumpsys(tmp_path / "dumpsys.txt"), echap)
    assert findings(report) == EXPECTED_DUMPSYS
    assert report.details["android"] == {"release": "14", "sdk": 34, "source": "dumpsys package"}
    assert any("Play Protect" in item for item in report.not_checked)


def test_pm_list_output(tmp_path: Path, echap: IndicatorSet) -> None:
    report = check_device(fx.write_pm_list(tmp_path / "packages.txt"), echap)
    assert findings(report) == EXPECTED_PM_LIST
    assert any("Accessibility services" in item for item in report.not_checked)


def test_clean_control_finds_nothing_and_never_says_clean(tmp_path: Path, echap: IndicatorSet) -> None:
    for path in (
        fx.write_androidqf(tmp_path / "control", fx.CONTROL),
        fx.write_androidqf_zip(tmp_path / "control.zip", fx.CONTROL),
        fx.write_bugreport_zip(tmp_path / "control-bugreport.zip", fx.CONTROL),
        fx.write_dumpsys(tmp_path / "control-dumpsys.txt", fx.CONTROL),
        fx.write_pm_list(tmp_path / "control-packages.txt", fx.CONTROL),
    ):
        report = check_device(path, echap)
        assert report.alerts == [], path
        verdict = report.verdict()
        words = f"{verdict.headline} {verdict.how_sure} {verdict.next_step}".lower()
        assert "nothing known" in words and "clean" not in words and " safe" not in words


def test_decoys_with_close_names_and_certificates_raise_nothing(tmp_path: Path, echap: IndicatorSet) -> None:
    report = check_device(fx.write_androidqf(tmp_path / "acq"), echap)
    subjects = {subject for _, _, subject in findings(report)}
    assert not subjects & {*fx.DECOY_NAMES, fx.DECOY_CERT, "org.example.messenger"}


# --- what each finding says --------------------------------------------------------------------


def test_every_finding_explains_itself_and_flags_removal_risk(tmp_path: Path, echap: IndicatorSet) -> None:
    report = check_device(fx.write_androidqf(tmp_path / "acq"), echap)
    risky = {
        "app_id",
        "certificate",
        "apk_hash",
        "accessibility_service",
        "device_admin",
        "notification_listener",
    }
    for alert in report.alerts:
        assert alert.message and alert.why and alert.meaning
        assert "{" not in alert.message + alert.why + alert.meaning
        if alert.event["check"] in risky:
            assert alert.removal_risk, alert.message
    verdict = report.verdict()
    assert verdict.headline.startswith("Known spying software")
    assert verdict.safety is not None and "evidence" in verdict.safety


def test_stalkerware_and_watchware_wording(tmp_path: Path, echap: IndicatorSet) -> None:
    report = check_device(fx.write_androidqf(tmp_path / "acq"), echap)
    by_subject = {(alert.event["check"], _subject(alert.event)): alert for alert in report.alerts}
    thetruth = by_subject[("app_id", fx.THETRUTH)]
    assert "TheTruthSpy" in thetruth.message and "stalkerware" in thetruth.message
    assert thetruth.matched_indicator is not None and thetruth.matched_indicator.source == "echap/ioc.yaml"
    famisafe = by_subject[("app_id", fx.FAMISAFE)]
    assert "check whether you agreed to this" in famisafe.message.lower()
    certificate = by_subject[("certificate", fx.DISGUISED)]
    assert certificate.matched_indicator is not None
    assert certificate.matched_indicator.value == fx.THETRUTH_CERT_SHA1
    host = by_subject[("host", "global_http_proxy_host")]
    assert host.matched_indicator is not None and host.matched_indicator.category == "c2"
    torch = by_subject[("accessibility_service", fx.TORCH)]
    assert "did not come with the phone" in torch.why


def _stix2(path: Path, patterns: list[str], name: str = "Example Spy") -> Path:
    """A STIX2 bundle of `patterns`, all indicating one piece of malware called `name`."""
    malware = "malware--00000000-0000-4000-8000-000000000001"
    objects: list[dict[str, str]] = [{"type": "malware", "id": malware, "name": name}]
    for number, pattern in enumerate(patterns, start=2):
        indicator = f"indicator--00000000-0000-4000-8000-{number:012d}"
        objects.append({"type": "indicator", "id": indicator, "pattern": pattern})
        objects.append(
            {
                "type": "relationship",
                "id": f"relationship--00000000-0000-4000-8000-{number:012d}",
                "source_ref": indicator,
                "target_ref": malware,
            }
        )
    bundle = {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objects}
    path.write_text(json.dumps(bundle))
    return path


def test_stix2_indicators_from_another_file_are_critical(tmp_path: Path) -> None:
    stix = _stix2(tmp_path / "example.stix2", [f"[app:id='{fx.TORCH}']"])
    indicators = load_indicators([stix], echap=False).indicators
    report = check_device(fx.write_androidqf(tmp_path / "acq"), indicators)
    torch = [alert for alert in report.alerts if alert.event["check"] == "app_id"]
    assert [(alert.level, _subject(alert.event)) for alert in torch] == [("critical", fx.TORCH)]
    assert torch[0].matched_indicator is not None and torch[0].matched_indicator.source == "example.stix2"
    assert "Example Spy" in torch[0].message


def test_processes_files_and_properties_match_stix2(tmp_path: Path) -> None:
    folder = fx.write_androidqf(tmp_path / "acq", fx.CONTROL)
    spy_file = {**fx.files_entry("/sdcard/Android/data/.cache.bin"), "sha256": "ab" * 32}
    dropped = fx.files_entry("/data/local/tmp/.example-spy")
    (folder / "files.json").write_text(json.dumps([spy_file, dropped]))
    with (folder / "getprop.txt").open("a") as stream:
        stream.write("[persist.example.spy]: [1]\n")
    with (folder / "ps.txt").open("a") as stream:
        stream.write("root          4242     1    4096   1024 0                   0 S examplespyd\n")
    stix = _stix2(
        tmp_path / "example.stix2",
        [
            "[process:name='examplespyd']",
            f"[file:hashes.sha256='{'ab' * 32}']",
            "[file:path='/data/local/tmp/.example-spy']",
            "[android-property:name='persist.example.spy']",
        ],
    )
    report = check_device(folder, load_indicators([stix]).indicators)
    # A file's hash is proof; a process, a file name or a property is a reason to look closer (high).
    assert findings(report) == {
        ("high", "process", "examplespyd"),
        ("critical", "file_hash", "/sdcard/Android/data/.cache.bin"),
        ("high", "file_path", "/data/local/tmp/.example-spy"),
        ("high", "property", "persist.example.spy"),
    }
    assert all("Example Spy" in alert.message for alert in report.alerts)


def test_device_owner_is_high(tmp_path: Path, echap: IndicatorSet) -> None:
    owner = "org.example.mdm/org.example.mdm.Admin"
    phone = fx.FakePhone(apps=(fx.FakeApp("org.example.mdm", fx.PACKAGE_INSTALLER),), device_owner=owner)
    text = fx.device_policy_service(phone)
    path = tmp_path / "device_policy.txt"
    path.write_text(text)
    report = check_device(path, echap)
    assert findings(report) == {("high", "device_owner", "org.example.mdm")}
    # Only device policy was given: the report says how little that is.
    assert "stalkproof could not tell whether" not in report.alerts[0].why


def test_running_stalkerware_seen_only_in_ps(tmp_path: Path, echap: IndicatorSet) -> None:
    path = tmp_path / "ps.txt"
    path.write_text(fx.ps_text(fx.FakePhone(apps=(), processes=("init", f"{fx.THETRUTH}:remote"))))
    report = check_device(path, echap)
    assert findings(report) == {("critical", "running_app", f"{fx.THETRUTH}:remote")}
    assert report.not_checked[0].startswith("Very little could be checked")


# --- output files ------------------------------------------------------------------------------


def test_alerts_json_is_mvt_shaped_and_info_json_has_the_hashes(tmp_path: Path, echap: IndicatorSet) -> None:
    acquisition = fx.write_androidqf(tmp_path / "acq")
    report = check_device(acquisition, echap)
    written = write_alerts_json(report, tmp_path / "out")
    assert [path.name for path in written] == ["alerts.json", "info.json"]
    alerts = json.loads((tmp_path / "out" / "alerts.json").read_text())
    assert len(alerts) == len(report.alerts)
    assert set(alerts[0]) == {"level", "module", "message", "event_time", "event", "matched_indicator"}
    assert alerts[0]["level"] == "critical"
    info = json.loads((tmp_path / "out" / "info.json").read_text())
    assert {item["file_path"] for item in info["hashes"]} == {str(path) for path in acquisition.iterdir()}
    contract = report.to_json()
    assert {"alerts", "inputs", "verdict", "checked", "not_checked"} <= set(contract)
    assert {"path", "sha256"} <= set(contract["inputs"][0])


# --- inputs that are not acquisitions ------------------------------------------------------------


def test_a_text_file_that_is_no_acquisition_is_refused(tmp_path: Path, echap: IndicatorSet) -> None:
    path = tmp_path / "letter.txt"
    path.write_text("Dear Ms Example,\nthank you for your letter.\n")
    with pytest.raises(InputError, match="This does not look like a phone acquisition"):
        check_device(path, echap)


def test_an_empty_folder_and_a_foreign_zip_are_refused(tmp_path: Path, echap: IndicatorSet) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="This does not look like a phone acquisition"):
        check_device(tmp_path / "empty", echap)
    with zipfile.ZipFile(tmp_path / "photos.zip", "w") as archive:
        archive.writestr("holiday.jpg", b"\xff\xd8\xff")
    with pytest.raises(InputError, match="does not hold a phone acquisition"):
        check_device(tmp_path / "photos.zip", echap)


def test_a_dumpsys_of_an_unknown_android_version_is_refused(tmp_path: Path, echap: IndicatorSet) -> None:
    path = tmp_path / "accessibility.txt"
    path.write_text("ACCESSIBILITY MANAGER (dumpsys accessibility)\n\nSomeFutureLayout{services=[...]}\n")
    with pytest.raises(InputError, match="Android version stalkproof does not know"):
        check_device(path, echap)


def test_a_newer_android_than_tested_is_noted(tmp_path: Path, echap: IndicatorSet) -> None:
    phone = fx.FakePhone(apps=fx.CONTROL.apps, release="19", sdk=41)
    report = check_device(fx.write_androidqf(tmp_path / "acq", phone), echap)
    assert any("newer than the versions stalkproof was tested with" in item for item in report.not_checked)


def test_broken_packages_json_names_the_file(tmp_path: Path, echap: IndicatorSet) -> None:
    folder = fx.write_androidqf(tmp_path / "acq", fx.CONTROL)
    (folder / "packages.json").write_text("[{not json")
    with pytest.raises(InputError, match=r"packages\.json.*not valid JSON"):
        check_device(folder, echap)


def test_an_ios_backup_goes_to_the_ios_reader(
    tmp_path: Path, echap: IndicatorSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "backup"
    backup.mkdir()
    (backup / "Manifest.db").write_bytes(b"SQLite format 3\x00")
    (backup / "Info.plist").write_text("<plist></plist>")
    seen: list[Path] = []

    def fake_check(path: Path, indicators: IndicatorSet, *, password: str | None = None) -> CheckReport:
        seen.append(path)
        return CheckReport("device")

    fake = types.ModuleType("fake_ios")
    fake.check_ios_backup = fake_check  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_ios", fake)
    monkeypatch.setattr(check_module, "IOS_MODULE", "fake_ios")
    assert check_device(backup, echap).check == "device" and seen == [backup]
    monkeypatch.setattr(check_module, "IOS_MODULE", "stalkproof.digital.phone.no_such_reader")
    with pytest.raises(InputError, match="iOS backups cannot be checked yet"):
        check_device(backup, echap)


# --- the reviewed wording ----------------------------------------------------------------------


def test_heuristics_file_is_reviewed_and_complete() -> None:
    heuristics = load_heuristics()
    assert heuristics.reviewed and heuristics.source and heuristics.licence and heuristics.version
    assert heuristics.indicator_categories["stalkerware"].level == "critical"
    assert heuristics.indicator_categories["watchware"].level == "high"
    assert heuristics.indicator_categories["website"].level == "informational"
    assert heuristics.indicator_categories["c2"].level == "high"
    assert "check whether you agreed to this" in heuristics.indicator_categories["watchware"].advice.lower()


def test_a_template_with_an_unknown_placeholder_is_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load(HEURISTICS_FILE.read_text())
    data["rules"]["sideloaded"]["message"] = "{app} came from {nowhere}."
    broken = tmp_path / "heuristics.yaml"
    broken.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match="nowhere"):
        load_heuristics.__wrapped__(broken)
    assert isinstance(load_heuristics(), Heuristics)


def test_listeners_bound_by_the_system_are_not_reported(tmp_path: Path, echap: IndicatorSet) -> None:
    path = tmp_path / "notification.txt"
    path.write_text(
        "Current Notification Manager state:\n"
        "  Notification listeners:\n"
        "    All notification listeners (1) enabled for current profiles:\n"
        "      ComponentInfo{org.example.mirror/org.example.mirror.Listener}\n"
        "    Live notification listeners (2):\n"
        "      ComponentInfo{com.android.systemui/com.android.systemui.NotificationListener} (user -1): "
        "android.service.notification.INotificationListener$Stub$Proxy@1a2b3c SYSTEM\n"
        "      ComponentInfo{org.example.mirror/org.example.mirror.Listener} (user 0): "
        "android.service.notification.INotificationListener$Stub$Proxy@4d5e6f\n"
        "    Snoozed notification listeners (0):\n"
        "  Notification assistant:\n"
        "    ComponentInfo{android.ext.services/android.ext.services.Assistant}\n"
    )
    assert findings(check_device(path, echap)) == {("medium", "notification_listener", "org.example.mirror")}


def test_stalkerware_named_only_in_battery_history_is_worded_as_past(
    tmp_path: Path, echap: IndicatorSet
) -> None:
    path = tmp_path / "batterystats.txt"
    path.write_text(
        "Battery History (1% used, 20KB used of 4096KB):\n"
        '                    0 (2) 100 +top=u0a150:"org.example.messenger"\n'
        f'             +2m10s (2) 099 +job=u0a151:"{fx.THETRUTH}/.SyncJob"\n'
    )
    report = check_device(path, echap)
    assert findings(report) == {("critical", "recorded_app", fx.THETRUTH)}
    assert "installed at some point" in report.alerts[0].message
    assert "battery history" in report.alerts[0].why


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "This file is empty"),
        (b"ANDROID BACKUP\n5\n1\nnone\n", "Android backup"),
        (b"age-encryption.org/v1\n-> X25519 abc\n", "encrypted"),
        (b"SQLite format 3\x00" + bytes(100), "database file"),
        (b"bplist00\x00\x01", "property list"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file that is not a zip"),
        (b'{"name": "a note"}', "JSON file"),
    ],
)
def test_files_that_are_not_acquisitions_say_what_they_are(
    tmp_path: Path, echap: IndicatorSet, content: bytes, expected: str
) -> None:
    path = tmp_path / "given"
    path.write_bytes(content)
    with pytest.raises(InputError, match=expected) as raised:
        check_device(path, echap)
    assert str(raised.value).startswith(str(path))


def test_a_missing_path_is_refused(tmp_path: Path, echap: IndicatorSet) -> None:
    with pytest.raises(InputError, match="no file or folder"):
        check_device(tmp_path / "nowhere", echap)


def test_the_folder_around_an_acquisition_is_accepted(tmp_path: Path, echap: IndicatorSet) -> None:
    fx.write_androidqf(tmp_path / "outer" / "0f1e2d3c-acquisition", fx.CONTROL)
    report = check_device(tmp_path / "outer", echap)
    assert report.details["input_kind"] == "androidqf" and report.alerts == []
