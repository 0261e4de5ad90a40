"""Synthetic login history exports for `accounts check`, written by tests into a temporary folder.

One fictional person, Alex Example, lives in Leeds and signs in on an iPhone (Safari) and a Windows
laptop (Chrome). `intrusion_story()` adds what a worried person might find: after the password change
on 1 March 2024, a sign-in from Leeds on the iPhone is followed forty minutes later by a sign-in from
Lagos on an Android phone Alex has never used (an unknown device, a new country, impossible travel, use
after the date), and that phone is still signed in. `clean_story()` has only Alex's own devices at home.

The file layouts follow public descriptions of each service's download, as the reader modules say;
every name, address and agent string here is made up (IP addresses from the documentation ranges).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/121.0.0.0 Safari/537.36"
)
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 12; SM-A515F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
INSTAGRAM_ANDROID = (
    "Instagram 312.0.0.32.112 Android (31/12; 420dpi; 1080x2400; samsung; SM-A515F; a51; exynos9611; "
    "en_GB; 548323701)"
)
SINCE = datetime(2024, 3, 1, tzinfo=UTC)
HOME = "Leeds, United Kingdom"
OWN_DEVICES = ("iPhone", "Chrome on Windows")


@dataclass(frozen=True)
class Login:
    at: datetime
    user_agent: str
    ip: str
    city: str
    region: str
    country: str  # a name; `code` is the ISO code
    code: str
    lat: float
    lon: float
    active: bool = False
    failed: bool = False


def _home(at: datetime, user_agent: str, ip: str = "192.0.2.10") -> Login:
    return Login(at, user_agent, ip, "Leeds", "England", "United Kingdom", "GB", 53.7965, -1.5478)


def clean_story() -> list[Login]:
    """Twelve sign-ins in January and February 2024: eight on the iPhone, four on the laptop."""
    start = datetime(2024, 1, 3, 8, 15, tzinfo=UTC)
    logins = []
    for day in range(12):
        agent = WINDOWS_CHROME if day % 3 == 2 else IPHONE_SAFARI
        logins.append(_home(start + timedelta(days=day * 4, hours=day % 5), agent, f"192.0.2.{10 + day % 3}"))
    return logins


def intrusion_story() -> list[Login]:
    """The clean history, then the iPhone in Leeds and, forty minutes later, a stranger's phone in Lagos."""
    at_home = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    lagos = Login(
        at_home + timedelta(minutes=40),
        ANDROID_CHROME,
        "198.51.100.77",
        "Lagos",
        "Lagos",
        "Nigeria",
        "NG",
        6.4541,
        3.3947,
        active=True,
    )
    failed = Login(
        datetime(2024, 3, 4, 23, 5, tzinfo=UTC),
        ANDROID_CHROME,
        "198.51.100.77",
        "Lagos",
        "Lagos",
        "Nigeria",
        "NG",
        6.4541,
        3.3947,
        failed=True,
    )
    return [*clean_story(), failed, _home(at_home, IPHONE_SAFARI), lagos]


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def mojibake(text: str) -> str:
    """What Meta writes: each UTF-8 byte of the text as its own character."""
    return text.encode("utf-8").decode("latin-1")


def _write_json(path: Path, document: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Meta and Telegram write ASCII-escaped, indented JSON.
    path.write_text(json.dumps(document, indent=2, ensure_ascii=True), encoding="utf-8")
    return path


# Facebook ------------------------------------------------------------------------------------------


def facebook_download(root: Path, logins: Iterable[Login], region: str | None = None) -> Path:
    """A Facebook download folder. `region`, when given, replaces every region (written with mojibake)."""
    logins = list(logins)
    folder = root / "facebook-alexexample" / "your_facebook_activity" / "security_and_login_information"
    activity = [
        {
            "action": "Login failed" if login.failed else "Login",
            "timestamp": _unix(login.at),
            "ip_address": login.ip,
            "user_agent": login.user_agent,
            "datr_cookie": f"synthetic-datr-{index:03d}",
            "city": login.city,
            "region": mojibake(region) if region else login.region,
            "country": login.code,
            "site_name": "www.facebook.com",
        }
        for index, login in enumerate(logins)
    ]
    _write_json(folder / "account_activity.json", {"account_activity_v2": activity})
    active = [
        {
            "created_timestamp": _unix(login.at),
            "updated_timestamp": _unix(login.at + timedelta(hours=2)),
            "ip_address": login.ip,
            "user_agent": login.user_agent,
            "datr_cookie": "synthetic-datr-active",
            "device": "",
            "location": f"{login.city}, {login.country}",
            "app": "Facebook for Android",
            "session_type": "mobile_app",
        }
        for login in logins
        if login.active
    ]
    _write_json(folder / "where_you're_logged_in.json", {"active_sessions_v2": active})
    return root / "facebook-alexexample"


def facebook_label_values(root: Path, logins: Iterable[Login]) -> Path:
    """The newer layout: a root array of entries whose facts are `label_values`."""
    entries = [
        {
            "timestamp": _unix(login.at),
            "label_values": [
                {"label": "Action", "value": "Login"},
                {"label": "IP address", "value": login.ip},
                {"label": "User agent", "value": login.user_agent},
                {"label": "City", "value": login.city},
                {"label": "Country", "value": login.country},
            ],
        }
        for login in logins
    ]
    folder = root / "security_and_login_information"
    return _write_json(folder / "account_activity.json", entries).parent


# Instagram -----------------------------------------------------------------------------------------


def instagram_download(root: Path, logins: Iterable[Login]) -> Path:
    folder = root / "instagram-alexexample" / "security_and_login_information" / "login_and_account_creation"
    succeeded = [login for login in logins if not login.failed]
    history = [
        _instagram_entry(
            login.at, login.ip, INSTAGRAM_ANDROID if login.user_agent == ANDROID_CHROME else login.user_agent
        )
        for login in succeeded
    ]
    _write_json(folder / "login_activity.json", {"account_history_login_history": history})
    first = succeeded[0]
    logout = [_instagram_entry(first.at + timedelta(hours=1), first.ip, first.user_agent)]
    _write_json(folder / "logout_activity.json", {"account_history_logout_history": logout})
    return root / "instagram-alexexample"


def _instagram_entry(at: datetime, ip: str, agent: str) -> dict[str, object]:
    return {
        "title": at.isoformat(),
        "media_map_data": {},
        "string_map_data": {
            "Cookie Name": {"href": "", "value": "synthetic-cookie", "timestamp": 0},
            "IP Address": {"href": "", "value": ip, "timestamp": 0},
            "Language Code": {"href": "", "value": "en", "timestamp": 0},
            "Port": {"href": "", "value": "51234", "timestamp": 0},
            "Time": {"href": "", "value": "", "timestamp": _unix(at)},
            "User Agent": {"href": "", "value": agent, "timestamp": 0},
        },
    }


# Google --------------------------------------------------------------------------------------------

GOOGLE_ACTIVITY = "Activities - A list of Google services accessed by.csv"
GOOGLE_DEVICES = "Devices - A list of devices (i.e. Nest, Pixel, iPh.csv"


def google_takeout(root: Path, logins: Iterable[Login]) -> Path:
    folder = root / "Takeout" / "Access Log Activity"
    folder.mkdir(parents=True)
    header = [
        "Gaia ID",
        "Activity Timestamp",
        "IP Address",
        "Activity Country",
        "Activity Region",
        "Activity City",
        "User Agent String",
        "Product Name",
        "Sub-Product Name",
        "Activity Type",
    ]
    rows = [
        [
            "100000000000000000001",
            login.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            login.ip,
            login.code,
            login.region,
            login.city,
            login.user_agent,
            "Gmail",
            "Web",
            "Failed login" if login.failed else "Sign in",
        ]
        for login in logins
    ]
    _write_csv(folder / GOOGLE_ACTIVITY, header, rows)
    devices_header = ["Device Type", "Brand Name", "Device Model", "OS", "Device Last Sync Timestamp"]
    devices = [["Phone", "Apple", "iPhone 13", "iOS 17.2", "2024-03-05 10:00:00 UTC"]]
    _write_csv(folder / GOOGLE_DEVICES, devices_header, devices)
    return root / "Takeout"


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


# Telegram ------------------------------------------------------------------------------------------


def telegram_export(root: Path, logins: Iterable[Login], with_sessions: bool = True) -> Path:
    """`result.json` of "Export Telegram data": the open sessions, one per device, and one chat."""
    latest: dict[str, Login] = {}
    for login in logins:
        if not login.failed:
            latest[login.user_agent] = login
    sessions = [
        {
            "last_active": login.at.strftime("%Y-%m-%dT%H:%M:%S"),
            "last_active_unixtime": str(_unix(login.at)),
            "last_ip": login.ip,
            "last_country": login.country,
            "last_region": login.city,
            "application_name": "Telegram Android" if login.user_agent == ANDROID_CHROME else "Telegram iOS",
            "application_version": "10.8.1",
            "device_model": "Samsung SM-A515F" if login.user_agent == ANDROID_CHROME else "iPhone 13",
            "platform": "Android" if login.user_agent == ANDROID_CHROME else "iOS",
            "system_version": "12" if login.user_agent == ANDROID_CHROME else "17.2",
            "created": (login.at - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"),
            "created_unixtime": str(_unix(login.at - timedelta(days=1))),
        }
        for login in latest.values()
    ]
    document: dict[str, object] = {
        "about": "Here is the data you requested. Remember: Telegram is ad free...",
        "personal_information": {"user_id": 111111, "first_name": "Alex", "last_name": "Example"},
    }
    if with_sessions:
        document["sessions"] = {"about": "Active sessions.", "list": sessions}
        document["web_sessions"] = {"about": "Websites you logged in to.", "list": []}
    document["chats"] = {
        "about": "Chats.",
        "list": [{"name": "Sam", "type": "personal_chat", "messages": []}],
    }
    return _write_json(root / "DataExport_2024-03-10" / "result.json", document).parent


# Generic CSV ---------------------------------------------------------------------------------------


def generic_csv(root: Path, logins: Iterable[Login], name: str = "bank-logins.csv") -> Path:
    header = ["When", "IP address", "User agent", "City", "Country", "Latitude", "Longitude", "Result"]
    rows = [
        [
            login.at.strftime("%Y-%m-%d %H:%M:%S"),
            login.ip,
            login.user_agent,
            login.city,
            login.country,
            f"{login.lat}",
            f"{login.lon}",
            "Failed" if login.failed else "Success",
        ]
        for login in logins
    ]
    root.mkdir(parents=True, exist_ok=True)
    _write_csv(root / name, header, rows)
    return root / name


def uk_dates_csv(root: Path, logins: Iterable[Login]) -> Path:
    """A spreadsheet with day-first dates, which only a mapping can read."""
    header = ["Signed in", "IP", "Device"]
    rows = [[login.at.strftime("%d/%m/%Y %H:%M"), login.ip, "Alex's iPhone"] for login in logins]
    root.mkdir(parents=True, exist_ok=True)
    _write_csv(root / "spreadsheet.csv", header, rows)
    return root / "spreadsheet.csv"


# Archives ------------------------------------------------------------------------------------------


def zip_folder(folder: Path, target: Path) -> Path:
    """The folder as a zip, as the services deliver their downloads."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder.parent).as_posix())
    return target


def zip_with_names(target: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return target
