"""Facebook's "Download your information" (format JSON): the login history and the open sessions.

Written from public descriptions of the download, not from Meta's documentation (there is none for these
files), so every field is looked up tolerantly. Files read, in the folder `security_and_login_information/`
wherever it sits in the download:
- `account_activity.json`: `account_activity_v2` (older `account_activity`) entries with `action`
  ("Login", "Log out", "Session updated", "Password change", ...), `timestamp` (Unix seconds),
  `ip_address`, `user_agent`, `datr_cookie`, `city`, `region`, `country`, `site_name`;
- `logins_and_logouts.json` / `login_and_logout.json`: `account_accesses_v2` (older `account_accesses`)
  entries with `action`, `timestamp`, `site`, `ip_address`;
- `where_you're_logged_in.json` / `active_sessions.json`: `active_sessions_v2` (older `active_sessions`)
  entries with `created_timestamp`, `updated_timestamp`, `ip_address`, `user_agent`, `datr_cookie`,
  `device`, `location` ("City, Region, Country"), `app`, `session_type`. These are open sessions.
Newer downloads write the same facts as `label_values` (`{"label": "IP address", "value": ...}`); see
`meta_json.py`. Actions other than signing in or out (a password change, say) are kept as sessions too,
with the action in `extra`: they show the account was used from that device and place.

The HTML version of the download cannot be read: the error asks for JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stalkproof.digital.accounts.export import display_text, place_of, read_time, text
from stalkproof.digital.accounts.meta_json import entries, first, flatten, in_folder, stem
from stalkproof.digital.accounts.model import Origin, Session, Status
from stalkproof.digital.accounts.useragent import device_label
from stalkproof.ingest.inputs import Input, Member

FOLDER = "security_and_login_information"
INSTAGRAM_FOLDERS = ("login_and_account_creation", "login_and_profile_creation")
FILE_STEMS = (
    "account_activity",
    "logins_and_logouts",
    "login_and_logout",
    "where_youre_logged_in",
    "active_sessions",
)
_EXTRA_KEYS = ("datr_cookie", "session_type", "action", "port", "language_code")


class FacebookReader:
    name = "facebook"
    label = "Facebook's Download your information (JSON)"

    def __init__(self) -> None:
        self.notes: list[str] = []

    def detect(self, export: Input) -> float:
        return 0.9 if any(True for _ in _members(export)) else 0.0

    def read(self, export: Input) -> Iterator[Session]:
        for member in _members(export):
            active_list = stem(member).startswith(("where_you", "active_session"))
            for element in entries(export, member):
                fields = flatten(element.value)
                origin = Origin(export.where(member), element.line, element.path)
                session = _session(fields, origin, active_list)
                if session is not None:
                    yield session


def _members(export: Input) -> Iterator[Member]:
    """The history files; one of them given on its own is read wherever it was saved."""
    for member in export.members:
        if not member.name.casefold().endswith(".json") or not stem(member).startswith(FILE_STEMS):
            continue
        if any(in_folder(export, member, folder) for folder in INSTAGRAM_FOLDERS):
            continue
        if export.kind == "file" or in_folder(export, member, FOLDER):
            yield member


def _session(fields: dict[str, Any], origin: Origin, active_list: bool) -> Session | None:
    started = read_time(first(fields, "created_timestamp", "timestamp", "time", "date", "creation_time"))
    updated = read_time(first(fields, "updated_timestamp", "last_active", "last_activity", "updated_time"))
    if started is None and updated is None:
        return None
    user_agent = text(first(fields, "user_agent", "browser"))
    named_device = display_text(first(fields, "device", "device_name"), mojibake=True)
    action = text(first(fields, "action", "event"))
    return Session(
        platform="facebook",
        origin=origin,
        started=started[0] if started else None,
        last_active=updated[0] if updated else None,
        device=_device(named_device, user_agent),
        user_agent=user_agent,
        ip=text(first(fields, "ip_address", "ip", "last_ip")),
        place=place_of(
            fields.get("city"),
            fields.get("region"),
            fields.get("country"),
            written=first(fields, "location", "estimated_location"),
            mojibake=True,
        ),
        app=display_text(first(fields, "app", "site_name", "site", "application"), mojibake=True),
        status="active" if active_list else _status(action),
        extra={key: fields[key] for key in _EXTRA_KEYS if fields.get(key) not in (None, "")},
    )


def _device(named: str | None, user_agent: str | None) -> str:
    from_agent = device_label(user_agent)
    if named and from_agent and named.casefold() not in from_agent.casefold():
        return f"{from_agent} ({named})" if "(" not in from_agent else from_agent
    return from_agent or named or ""


def _status(action: str | None) -> Status:
    """The action's words, in the English Meta writes; anything else counts as a use of the account."""
    words = (action or "").casefold()
    if "fail" in words or "incorrect" in words or "wrong" in words:
        return "login_failed"
    if "log out" in words or "logout" in words or "logged out" in words or "terminated" in words:
        return "ended"
    return "login"
