"""`device check` on iPhone backups: synthetic backups whose findings are written down before checking."""

from __future__ import annotations

import hashlib
import plistlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from digital import ios_fixtures as fx
from stalkproof.digital.findings import Alert, CheckReport, level_rank
from stalkproof.digital.indicators.model import IndicatorSet
from stalkproof.digital.indicators.store import load_indicators
from stalkproof.digital.phone.ios import check_ios_backup, is_ios_backup
from stalkproof.digital.phone.ios.backup import ENCRYPTED_NO_PASSWORD
from stalkproof.digital.phone.ios.locations import backup_places
from stalkproof.digital.phone.ios.rules import RULES_FILE, load_rules
from stalkproof.errors import InputError

# What the watched backup must show, written before running the check: (module, level, words in message).
EXPECTED_WATCHED = {
    ("ios_apps", "critical", "System Helper"),  # only with the synthetic STIX2 file
    ("ios_apps", "high", "Life360"),
    ("ios_supervision", "high", "Example Fleet Services"),
    ("ios_profiles", "high", "Device Enrolment"),
    ("ios_profiles", "high", "Network Helper"),
    ("ios_profiles", "informational", "Library Wi-Fi"),
    ("ios_jailbreak", "medium", "jailbroken"),
    ("ios_apps", "medium", "WorkChat"),
    ("ios_apps", "medium", "Notes Beta"),
    ("ios_provisioning_profiles", "medium", "Example Apps Ltd"),
    ("ios_safari_history", "informational", "www.mspy.com"),
    ("ios_safari_history", "high", "cp.mspyonline.com"),
}
# And with the synthetic STIX2 file, also: the proxy profile's id and the phone path it lists.
EXPECTED_WATCHED_STIX2_ONLY = {
    ("ios_apps", "critical", fx.STALKERWARE_BUNDLE),
    ("ios_profiles", "critical", "Network Helper"),
    ("ios_files", "critical", "com.example.hiddenhelper.plist"),
}


def echap() -> IndicatorSet:
    return load_indicators().indicators


def with_stix2(tmp_path: Path) -> IndicatorSet:
    return load_indicators([fx.stalkerware_stix2(tmp_path / "examplespy.stix2")]).indicators


def found(report: CheckReport) -> set[tuple[str, str, str]]:
    return {(alert.module, alert.level, alert.message) for alert in report.alerts}


def has(report: CheckReport, module: str, level: str, words: str) -> bool:
    return any(m == module and lv == level and words in message for m, lv, message in found(report))


def alert_about(report: CheckReport, words: str) -> Alert:
    matches = [alert for alert in report.alerts if words in alert.message]
    assert len(matches) == 1, [alert.message for alert in report.alerts]
    return matches[0]


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.watched_backup(tmp_path_factory.mktemp("watched") / "00008110-000A1B2C3D4E5F60")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fx.clean_backup(tmp_path_factory.mktemp("clean") / "00008110-000F6E5D4C3B2A10")


def test_watched_backup_shows_every_expected_finding_with_echap(watched: Path) -> None:
    report = check_ios_backup(watched, echap())
    for module, level, words in EXPECTED_WATCHED - {("ios_apps", "critical", "System Helper")}:
        assert has(report, module, level, words), (module, level, words, sorted(found(report)))
    # Echap has no iOS stalkerware ids, so the made-up one is not critical without the STIX2 file.
    assert report.top_level() == "high"
    assert not any(alert.level == "critical" for alert in report.alerts)


def test_watched_backup_with_stix2_adds_exact_matches_and_nothing_else(watched: Path, tmp_path: Path) -> None:
    report = check_ios_backup(watched, with_stix2(tmp_path))
    for module, level, words in EXPECTED_WATCHED_STIX2_ONLY:
        assert has(report, module, level, words), (module, level, words, sorted(found(report)))
    critical = [alert for alert in report.alerts if alert.level == "critical"]
    assert len(critical) == 3
    assert all(alert.matched_indicator and alert.matched_indicator.name == "ExampleSpy" for alert in critical)
    # The STIX2 path under /private/var/tmp is not a place a backup holds: no match, no guess.
    assert backup_places("/private/var/tmp/examplehook") == []
    assert "examplespy.stix2" in report.indicator_sources
    verdict = report.verdict()
    assert verdict.headline.startswith("Known spying software was found")
    assert verdict.safety is not None


def test_watchware_says_check_whether_you_agreed(watched: Path) -> None:
    report = check_ios_backup(watched, echap())
    life360 = alert_about(report, "Life360")
    assert life360.level == "high"
    assert life360.removal_risk
    assert "Check whether you agreed" in life360.meaning
    assert life360.matched_indicator is not None
    assert life360.matched_indicator.value == fx.WATCHWARE_BUNDLE
    assert life360.matched_indicator.category == "watchware"
    assert life360.matched_indicator.source == "echap/watchware.yaml"
    assert fx.WATCHWARE_BUNDLE in life360.why
    # The app and its shared folder are one finding, not two.
    assert sum("Life360" in alert.message for alert in report.alerts) == 1


def test_decoys_with_similar_names_raise_nothing(watched: Path) -> None:
    report = check_ios_backup(watched, echap())
    text = " ".join(alert.message + alert.why for alert in report.alerts)
    for decoy in (*fx.DECOY_BUNDLES, fx.JAILBREAK_DECOY_APP):
        assert decoy not in text
        assert decoy in report.details["apps"]
    assert "notmspy.com" not in text


def test_group_folder_alone_is_a_sign_of_the_app(tmp_path: Path) -> None:
    builder = fx.BackupBuilder()
    builder.app("net.whatsapp.WhatsApp")
    builder.folder("AppDomainGroup-group.com.life360.safetymap", "")
    report = check_ios_backup(builder.write(tmp_path / "b"), echap())
    life360 = alert_about(report, "Life360")
    assert life360.event["evidence"] == ["a shared app folder named group.com.life360.safetymap"]


def test_management_and_proxy_profiles_ask_about_employer_or_school(watched: Path) -> None:
    report = check_ios_backup(watched, echap())
    mdm = alert_about(report, "Device Enrolment")
    assert mdm.level == "high" and mdm.removal_risk
    assert "employer or school" in mdm.meaning
    assert "com.apple.mdm" in mdm.why and "Example Org" in mdm.why
    assert mdm.event["servers"] == ["mdm.example.org"]
    assert mdm.event_time is not None and mdm.event_time.startswith("2026-03-02")
    proxy = alert_about(report, "Network Helper")
    assert proxy.level == "high" and "proxy" in proxy.message
    assert "an organisation that is not named" in proxy.why
    assert proxy.event["servers"] == ["proxy.example.com"]
    wifi = alert_about(report, "Library Wi-Fi")
    assert wifi.level == "informational" and not wifi.removal_risk
    names = [profile["display_name"] for profile in report.details["configuration_profiles"]]
    assert sorted(names) == ["Device Enrolment", "Library Wi-Fi", "Network Helper"]
    assert report.details["supervised"] is True


def test_jailbreak_names_its_traces_and_not_the_decoy(watched: Path) -> None:
    report = check_ios_backup(watched, echap())
    jailbreak = alert_about(report, "jailbroken")
    assert jailbreak.event["signs"] == ["/".join(fx.JAILBREAK_SIGN)]
    assert jailbreak.removal_risk


def test_apps_from_outside_the_app_store(watched: Path) -> None:
    report = check_ios_backup(watched, echap())
    managed = alert_about(report, "WorkChat")
    assert "com.apple.dmd" in managed.why and "employer or school" in managed.meaning
    sideloaded = alert_about(report, "Notes Beta (")
    assert "com.example.sideloader" in sideloaded.why
    signing = alert_about(report, "app-signing permission")
    assert signing.event["for_any_device"] is True
    assert signing.event["app_id"] == "A1B2C3D4E5.org.example.notesbeta"
    # Ordinary App Store apps raise nothing.
    assert not any("WhatsApp" in alert.message or "Gmail" in alert.message for alert in report.alerts)


def test_sites_by_type_website_is_informational_server_is_high(watched: Path) -> None:
    report = check_ios_backup(watched, echap())
    website = alert_about(report, "www.mspy.com")
    # Echap lists www.mspy.com both as mSpy's website and as a server: a browser visit is the website.
    assert website.level == "informational"
    assert website.matched_indicator is not None and website.matched_indicator.category == "website"
    assert website.event["visits"] == 2
    server = alert_about(report, "cp.mspyonline.com")
    assert server.level == "high"
    assert server.matched_indicator is not None and server.matched_indicator.category == "c2"
    assert server.event_time is not None and server.event_time.startswith("2026-02-24")


def test_clean_control_raises_nothing_above_informational(clean: Path) -> None:
    report = check_ios_backup(clean, echap())
    assert all(level_rank(alert.level) <= level_rank("informational") for alert in report.alerts)
    assert report.alerts == []
    verdict = report.verdict()
    assert verdict.headline == "Nothing known to be used for spying was found on this phone."
    words = (verdict.headline + verdict.how_sure + verdict.next_step).lower()
    assert "clean" not in words and " safe." not in words
    assert report.details["apps"] == sorted(fx.ORDINARY_APPS)
    assert report.details["safari_sites"] == 3


def test_details_and_inputs(clean: Path) -> None:
    report = check_ios_backup(clean, echap())
    details = report.details
    assert details["device_name"] == "Sam's iPhone"
    assert details["model"] == "iPhone14,2"
    assert details["ios_version"] == "17.4.1"
    assert details["backup_date"] == "2026-03-14T09:30:00+00:00"
    assert details["encrypted"] is False and details["finished"] is True
    read = {Path(item.path).name for item in report.inputs}
    assert {"Info.plist", "Manifest.plist", "Status.plist", "Manifest.db"} <= read
    history_id = fx.file_id("HomeDomain", "Library/Safari/History.db")
    assert history_id in read
    for item in report.inputs:
        assert item.sha256 == hashlib.sha256(Path(item.path).read_bytes()).hexdigest()
    document = report.to_json()
    assert {"alerts", "inputs", "checked", "not_checked", "verdict", "details"} <= set(document)
    assert any("Apple ID" in note for note in document["not_checked"])
    assert any("AirTag" in note for note in document["not_checked"])


def test_the_backup_is_never_changed(watched: Path, tmp_path: Path) -> None:
    before = tree_digest(watched)
    check_ios_backup(watched, with_stix2(tmp_path))
    assert tree_digest(watched) == before


def test_manifest_in_wal_mode_is_read_without_creating_files_beside_it(tmp_path: Path) -> None:
    backup = fx.clean_backup(tmp_path / "b")
    switch = sqlite3.connect(backup / "Manifest.db")
    switch.execute("PRAGMA journal_mode=WAL")
    switch.close()
    before = tree_digest(backup)
    check_ios_backup(backup, echap())
    # A plain read-only open would leave Manifest.db-shm and Manifest.db-wal in the person's backup.
    assert tree_digest(backup) == before


def test_unsaved_log_beside_manifest_is_read_from_a_private_copy(tmp_path: Path) -> None:
    source = fx.clean_backup(tmp_path / "source")
    backup = tmp_path / "backup"
    shutil.copytree(source, backup)
    writer = sqlite3.connect(source / "Manifest.db")
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    domain = f"AppDomain-{fx.WATCHWARE_BUNDLE}"
    writer.execute("INSERT INTO Files VALUES (?, ?, '', 2, NULL)", (fx.file_id(domain, ""), domain))
    writer.commit()
    # Copy while the writer is open: the new row is only in the log, as when a backup is copied mid-write.
    shutil.copyfile(source / "Manifest.db", backup / "Manifest.db")
    shutil.copyfile(source / "Manifest.db-wal", backup / "Manifest.db-wal")
    writer.close()
    before = tree_digest(backup)
    report = check_ios_backup(backup, echap())
    assert alert_about(report, "Life360").level == "high"
    assert tree_digest(backup) == before


def test_encrypted_backup_without_password_asks_for_it(tmp_path: Path) -> None:
    backup = fx.BackupBuilder(encrypted=True).write(tmp_path / "enc")
    assert is_ios_backup(backup)
    with pytest.raises(InputError) as error:
        check_ios_backup(backup, echap())
    assert ENCRYPTED_NO_PASSWORD in str(error.value)
    assert "--password" in str(error.value)


def test_encrypted_backup_that_cannot_be_decrypted_says_so(tmp_path: Path) -> None:
    # This fixture is marked encrypted but holds no key bag: the library cannot open it.
    backup = fx.BackupBuilder(encrypted=True).write(tmp_path / "enc")
    with pytest.raises(InputError, match="could not be decrypted"):
        check_ios_backup(backup, echap(), password="correct horse")


def test_copy_decrypted_elsewhere_is_read(tmp_path: Path) -> None:
    # Decrypting tools keep the original Manifest.plist, which still says "encrypted".
    builder = fx.BackupBuilder()
    builder.app(fx.WATCHWARE_BUNDLE)
    backup = builder.write(tmp_path / "dec")
    manifest = plistlib.loads((backup / "Manifest.plist").read_bytes())
    manifest["IsEncrypted"] = True
    (backup / "Manifest.plist").write_bytes(plistlib.dumps(manifest))
    report = check_ios_backup(backup, echap())
    assert report.details["decrypted_copy"] is True
    assert alert_about(report, "Life360").level == "high"


def test_folder_that_is_not_a_backup(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "IMG_0001.JPG").write_bytes(b"\xff\xd8\xff")
    assert not is_ios_backup(tmp_path / "photos")
    with pytest.raises(InputError, match=r"not an iPhone backup: it has no Manifest\.db"):
        check_ios_backup(tmp_path / "photos", echap())
    with pytest.raises(InputError, match="single file, not an iPhone backup"):
        check_ios_backup(tmp_path / "photos" / "IMG_0001.JPG", echap())
    with pytest.raises(InputError, match="does not exist"):
        check_ios_backup(tmp_path / "nowhere", echap())


def test_backup_given_by_a_top_file_or_its_parent_folder(tmp_path: Path) -> None:
    backup = fx.clean_backup(tmp_path / "Backup" / "00008110-000A")
    assert is_ios_backup(backup / "Manifest.db")
    assert check_ios_backup(backup / "Info.plist", echap()).details["device_name"] == "Sam's iPhone"
    assert check_ios_backup(tmp_path / "Backup", echap()).details["device_name"] == "Sam's iPhone"
    fx.clean_backup(tmp_path / "Backup" / "00008110-000B")
    with pytest.raises(InputError, match="holds 2 iPhone backups; give one of them"):
        check_ios_backup(tmp_path / "Backup", echap())
    # A folder that also holds other things (an Android acquisition, say) is not a folder of backups.
    (tmp_path / "Backup" / "androidqf").mkdir()
    assert not is_ios_backup(tmp_path / "Backup")
    assert is_ios_backup(backup)


def test_corrupt_manifest_db(tmp_path: Path) -> None:
    backup = fx.clean_backup(tmp_path / "b")
    data = (backup / "Manifest.db").read_bytes()
    # Keep the header so it still looks like SQLite, and break every page after it.
    (backup / "Manifest.db").write_bytes(data[:100] + bytes(len(data) - 100))
    with pytest.raises(InputError, match=r"Manifest\.db is damaged"):
        check_ios_backup(backup, echap())
    (backup / "Manifest.db").write_bytes(b"not a database at all" * 10)
    with pytest.raises(InputError, match=r"Manifest\.db is not a database"):
        check_ios_backup(backup, echap())


def test_manifest_db_that_is_another_database(tmp_path: Path) -> None:
    backup = fx.clean_backup(tmp_path / "b")
    (backup / "Manifest.db").unlink()
    sqlite3.connect(backup / "Manifest.db").executescript("CREATE TABLE notes (body TEXT);").close()
    with pytest.raises(InputError, match="no Files table"):
        check_ios_backup(backup, echap())


def test_backup_without_manifest_db_or_from_old_ios(tmp_path: Path) -> None:
    backup = fx.clean_backup(tmp_path / "b")
    (backup / "Manifest.db").unlink()
    with pytest.raises(InputError, match="incomplete"):
        check_ios_backup(backup, echap())
    (backup / "Manifest.mbdb").write_bytes(b"mbdb\x05\x00")
    with pytest.raises(InputError, match="iOS 9 or older"):
        check_ios_backup(backup, echap())


def test_damaged_info_plist(tmp_path: Path) -> None:
    backup = fx.clean_backup(tmp_path / "b")
    (backup / "Info.plist").write_bytes(b"<?xml version='1.0'?><plist><dict><key>Dev")
    with pytest.raises(InputError, match=r"Info\.plist in this backup cannot be read"):
        check_ios_backup(backup, echap())


def test_unfinished_backup_and_missing_files_are_said(tmp_path: Path) -> None:
    builder = fx.BackupBuilder(finished=False)
    builder.app("net.whatsapp.WhatsApp")
    builder.profile("profile-0001.stub", fx.profile_plist("org.example.p", "P", fx.WIFI_UUID, []))
    backup = builder.write(tmp_path / "b")
    stored = fx.file_id(
        "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles",
        "Library/ConfigurationProfiles/profile-0001.stub",
    )
    (backup / stored[:2] / stored).unlink()
    report = check_ios_backup(backup, echap())
    assert any("did not finish" in note for note in report.not_checked)
    assert any(
        note.startswith("1 files the backup lists (such as profile-0001.stub)") for note in report.not_checked
    )
    assert any("Safari history" in note for note in report.not_checked)


def test_no_indicator_lists_is_said(clean: Path) -> None:
    report = check_ios_backup(clean, IndicatorSet())
    assert any("No indicator lists were used" in note for note in report.not_checked)


def test_rules_file_is_reviewed_data(tmp_path: Path) -> None:
    rules = load_rules()
    assert rules.reviewed and rules.licence and rules.source
    assert rules.indicator_alerts.text("app", "watchware").level == "high"
    assert rules.indicator_alerts.text("app", "stalkerware").level == "critical"
    assert rules.indicator_alerts.text("visit", "website").level == "informational"
    assert rules.indicator_alerts.text("visit", "c2").level == "high"
    assert rules.profiles.payloads["com.apple.mdm"].level == "high"
    broken = tmp_path / "heuristics.yaml"
    broken.write_text(
        RULES_FILE.read_text(encoding="utf-8").replace(
            "({bundle}), is on this iPhone", "({bundel}), is on this iPhone"
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="bundel"):
        load_rules(broken)
