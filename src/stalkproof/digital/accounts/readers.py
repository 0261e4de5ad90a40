"""Which readers an export is for, and all its sessions read with them.

A download can hold more than one history (Facebook and Instagram in one Meta download), so every reader
that is sure enough (`SURE`) reads it; when none is, the most likely one still may (a CSV with a time
column, a Telegram export that may hold sessions). When nothing fits, the error says what was expected,
and asks for JSON when the export is the HTML version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from stalkproof.digital.accounts.export import open_export
from stalkproof.digital.accounts.facebook import FacebookReader
from stalkproof.digital.accounts.generic_csv import AccountsCsvMapping, GenericCsvReader
from stalkproof.digital.accounts.google import GoogleReader
from stalkproof.digital.accounts.instagram import InstagramReader
from stalkproof.digital.accounts.model import Session, SessionReader
from stalkproof.digital.accounts.telegram import TelegramReader
from stalkproof.errors import InputError
from stalkproof.ingest.inputs import Input

SURE = 0.5
NOT_RECOGNISED = (
    "this does not look like a login history export from Facebook, Instagram, Google, Telegram or a CSV "
    "with a time column (stalkproof looks for security_and_login_information/*.json, "
    "login_activity.json, Google Takeout's 'Activities - A list of Google services accessed by' CSV, "
    "Telegram's result.json with sessions, or a CSV whose header names a time or date)."
)
HTML_EXPORT = (
    "this is the HTML version of the download, which stalkproof cannot read; download your information "
    "again and choose JSON (not HTML) as the format."
)
_HTML_SIGNS = (
    "security_and_login_information/",
    "login_activity",
    "logout_activity",
    "lists/sessions.html",
    "export_results.html",
)


@dataclass
class Reading:
    """The sessions found, the formats they came from, and what was left out."""

    sessions: list[Session]
    formats: list[str]
    notes: list[str] = field(default_factory=list)


def all_readers(mapping: AccountsCsvMapping | Mapping[str, object] | None = None) -> list[SessionReader]:
    return [FacebookReader(), InstagramReader(), GoogleReader(), TelegramReader(), GenericCsvReader(mapping)]


def read_sessions(path: Path, mapping: AccountsCsvMapping | Mapping[str, object] | None = None) -> Reading:
    """Every session in the file, folder or zip at `path`. InputError when none can be read."""
    with open_export(path) as export:
        chosen = choose(export, all_readers(mapping))
        sessions = [session for reader in chosen for session in reader.read(export)]
        if not sessions:
            labels = " and ".join(reader.label for reader in chosen)
            raise InputError(
                f"no sign-ins or sessions were found: this looks like {labels}, but the login history in it "
                "is empty.",
                path,
            )
        notes = [note for reader in chosen for note in reader.notes]
        return Reading(sessions, [reader.label for reader in chosen], notes)


def choose(export: Input, readers: list[SessionReader]) -> list[SessionReader]:
    scored = [(reader.detect(export), reader) for reader in readers]
    sure = [reader for score, reader in scored if score >= SURE]
    if sure:
        return sure
    best_score, best = max(scored, key=lambda pair: pair[0])
    if best_score > 0:
        return [best]
    if _html_export(export):
        raise InputError(HTML_EXPORT, export.path)
    raise InputError(NOT_RECOGNISED, export.path)


def _html_export(export: Input) -> bool:
    return any(
        member.name.casefold().endswith(".html")
        and any(sign in member.name.casefold() for sign in _HTML_SIGNS)
        for member in export.members
    )
