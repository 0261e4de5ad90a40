"""Instagram's "Download your information" (format JSON): sign-ins and sign-outs.

Written from public descriptions of the download, so fields are looked up tolerantly (Meta localises the
labels and changes their capitals). Files read, under `security_and_login_information/` wherever it sits:
- `login_and_account_creation/login_activity.json` (older `login_and_profile_creation/`):
  `account_history_login_history` entries with `title` (an ISO time) and `string_map_data` holding
  "Cookie Name", "IP Address", "Language Code", "Port", "Time" (`timestamp`, Unix seconds) and
  "User Agent";
- `logout_activity.json` in the same folder: `account_history_logout_history`, the same fields.
Instagram gives no place for a sign-in, only the IP address. The HTML download cannot be read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stalkproof.digital.accounts.export import read_time, text
from stalkproof.digital.accounts.meta_json import entries, first, flatten, in_folder, stem
from stalkproof.digital.accounts.model import Origin, Session
from stalkproof.digital.accounts.useragent import device_label
from stalkproof.ingest.inputs import Input, Member

FOLDERS = ("login_and_account_creation", "login_and_profile_creation")
_EXTRA_KEYS = ("cookie_name", "language_code", "port")


class InstagramReader:
    name = "instagram"
    label = "Instagram's Download your information (JSON)"

    def __init__(self) -> None:
        self.notes: list[str] = []

    def detect(self, export: Input) -> float:
        return 0.9 if any(True for _ in _members(export)) else 0.0

    def read(self, export: Input) -> Iterator[Session]:
        for member in _members(export):
            signed_out = stem(member).startswith("logout")
            for element in entries(export, member):
                origin = Origin(export.where(member), element.line, element.path)
                session = _session(flatten(element.value), origin, signed_out)
                if session is not None:
                    yield session


def _members(export: Input) -> Iterator[Member]:
    for member in export.members:
        if not member.name.casefold().endswith(".json"):
            continue
        if not stem(member).startswith(("login_activity", "logout_activity")):
            continue
        if export.kind == "file" or any(in_folder(export, member, folder) for folder in FOLDERS):
            yield member


def _session(fields: dict[str, Any], origin: Origin, signed_out: bool) -> Session | None:
    found = read_time(first(fields, "time", "timestamp", "title", "date"))
    if found is None:
        return None
    moment, zone_known = found
    user_agent = text(first(fields, "user_agent", "useragent"))
    return Session(
        platform="instagram",
        origin=origin,
        started=None if signed_out else moment,
        last_active=moment if signed_out else None,
        device=device_label(user_agent),
        user_agent=user_agent,
        ip=text(first(fields, "ip_address", "ip")),
        app="Instagram",
        status="ended" if signed_out else "login",
        zone_known=zone_known,
        extra={key: fields[key] for key in _EXTRA_KEYS if fields.get(key) not in (None, "")},
    )
