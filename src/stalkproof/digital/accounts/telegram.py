"""Telegram Desktop's "Export Telegram data" (format JSON) with "Active sessions" ticked.

Written from public descriptions of the export, so several spellings are accepted. `result.json` holds
`sessions.list` (apps signed in to the account) and `web_sessions.list` (websites signed in with
Telegram), each entry with `last_active` (the exporting computer's clock) and `last_active_unixtime`,
`created` / `created_unixtime`, `last_ip` (or `ip`), `last_country`, `last_region` (or `region`,
`location`), `application_name` (or `app_name`) and `application_version`, `device_model`, `platform`,
`system_version`; web sessions add `bot_username`, `domain_name` and `browser`. Every entry is a session
that was open when the export was made. The file is streamed, so a large export with all its chats is
fine. The HTML export (`lists/sessions.html`) cannot be read: the error asks for JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from stalkproof.digital.accounts.export import json_elements, place_of, read_time, text
from stalkproof.digital.accounts.model import Origin, Session
from stalkproof.errors import InputError
from stalkproof.ingest.inputs import Input, Member

RESULT = "result.json"
TARGETS = (("sessions", "list"), ("web_sessions", "list"), ("sessions",), ("web_sessions",))
_TELEGRAM_SIGNS = re.compile(rb'"(?:personal_information|sessions|web_sessions|frequent_contacts|chats)"\s*:')
_SESSIONS_SIGN = re.compile(rb'"(?:sessions|web_sessions)"\s*:')
_EXTRA_KEYS = ("application_version", "system_version", "bot_username", "domain_name")
NO_SESSIONS = (
    "this Telegram export has no list of sessions; in Telegram Desktop choose Settings, Advanced, "
    "Export Telegram data, tick 'Active sessions', and choose JSON."
)


class TelegramReader:
    name = "telegram"
    label = "Telegram Desktop's Export Telegram data (JSON)"

    def __init__(self) -> None:
        self.notes: list[str] = []

    def detect(self, export: Input) -> float:
        best = 0.0
        for member in _members(export):
            head = member.head()
            if _SESSIONS_SIGN.search(head):
                return 0.9
            if _TELEGRAM_SIGNS.search(head):
                best = 0.6
        return best

    def read(self, export: Input) -> Iterator[Session]:
        found = 0
        for member in _members(export):
            for element in json_elements(export, member, TARGETS, noun="session"):
                origin = Origin(export.where(member), element.line, element.path)
                session = _session(element.value, origin, web="web_sessions" in element.array)
                if session is not None:
                    found += 1
                    yield session
        if not found:
            raise InputError(NO_SESSIONS, export.path)


def _members(export: Input) -> Iterator[Member]:
    return (member for member in export.members if member.basename.casefold() == RESULT)


def _first(entry: dict[str, Any], *keys: str) -> Any:
    return next((entry[key] for key in keys if entry.get(key) not in (None, "")), None)


def _session(entry: Any, origin: Origin, web: bool) -> Session | None:
    if not isinstance(entry, dict):
        return None
    last = read_time(_first(entry, "last_active_unixtime", "last_active", "date_active"))
    created = read_time(_first(entry, "created_unixtime", "created", "date_created"))
    if last is None and created is None:
        return None
    app = text(_first(entry, "application_name", "app_name", "app", "domain_name", "bot_username"))
    return Session(
        platform="telegram",
        origin=origin,
        started=created[0] if created else None,
        last_active=last[0] if last else None,
        device=_device(entry, app, web),
        ip=text(_first(entry, "last_ip", "ip", "ip_address")),
        place=place_of(
            None,
            _first(entry, "last_region", "region"),
            _first(entry, "last_country", "country"),
            written=_first(entry, "location"),
        ),
        app=app,
        status="active",
        zone_known=(last or created or (None, True))[1],
        extra={key: entry[key] for key in _EXTRA_KEYS if entry.get(key) not in (None, "")},
    )


def _device(entry: dict[str, Any], app: str | None, web: bool) -> str:
    platform = text(_first(entry, "platform", "system"))
    if web:
        browser = text(_first(entry, "browser"))
        return " on ".join(part for part in (browser or "a browser", platform) if part)
    model = text(_first(entry, "device_model", "device"))
    where = model or platform
    if app and where:
        return f"{app} on {where}"
    return app or where or ""
