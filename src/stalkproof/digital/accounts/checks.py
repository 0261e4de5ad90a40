"""`accounts check PATH`: read a login history export and point out sign-ins that may not be the person's.

Four checks, each in its own module: devices that are not usual (`devices.py`), new countries and towns
(`places.py`), travel too fast for one person (`travel.py`) and use after a date the person gives
(`since.py`); failed sign-ins are counted too (`failed.py`). Whether a sign-in happened while the person
was somewhere else is out of scope: stalkproof does not know where they were.

The verdict comes first, in the words of `wording.yaml`: what was found, how sure, what was not checked
and the next safe step, with the safety note whenever a finding suggests someone else is signed in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stalkproof.digital.accounts.devices import unknown_devices
from stalkproof.digital.accounts.failed import failed_logins
from stalkproof.digital.accounts.generic_csv import AccountsCsvMapping
from stalkproof.digital.accounts.geo import Locator, geonames_path
from stalkproof.digital.accounts.history import History, when
from stalkproof.digital.accounts.model import Session
from stalkproof.digital.accounts.places import has_baseline, new_places
from stalkproof.digital.accounts.readers import read_sessions
from stalkproof.digital.accounts.since import after_since
from stalkproof.digital.accounts.travel import impossible_travel, located
from stalkproof.digital.accounts.wording import AccountsWording, Finding, load_wording
from stalkproof.digital.findings import CheckReport, InputFile, Verdict, compose_verdict, level_rank

CHECK = "accounts"
READ_SUFFIXES = (".json", ".csv", ".tsv", ".txt")


@dataclass
class AccountsReport:
    """The sessions read, the findings (each with its advice), and the `CheckReport` they make."""

    sessions: list[Session]
    findings: list[Finding]
    report: CheckReport
    wording: AccountsWording = field(repr=False)

    def verdict(self) -> Verdict:
        """Like `CheckReport.verdict`, in the accounts check's own words."""
        report = self.report
        return compose_verdict(
            report.alerts, report.not_checked, self.wording.verdict, count=len(self.sessions)
        )

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda finding: -level_rank(finding.alert.level))

    def to_json(self) -> dict[str, Any]:
        return {
            "check": CHECK,
            "verdict": self.verdict().to_json(),
            "sessions": [session.to_json() for session in self.sessions],
            "findings": [finding.to_json() for finding in self.sorted_findings()],
            "inputs": [item.to_json() for item in self.report.inputs],
            "checked": list(self.report.checked),
            "not_checked": list(self.report.not_checked),
            "details": dict(self.report.details),
        }


def check_accounts(
    path: Path,
    *,
    known_devices: Iterable[str] = (),
    known_places: Iterable[str] = (),
    since: datetime | None = None,
    home: str | None = None,
    mapping: AccountsCsvMapping | Mapping[str, object] | None = None,
) -> AccountsReport:
    """Read the export at `path` (file, folder or zip) and run every check.

    `known_devices` are the person's own ("iPhone", "Chrome on Windows"): any label containing one counts
    as theirs. `known_places` and `home` are towns or countries ("Leeds, United Kingdom", "France").
    `since` without a time zone is taken as UTC. `mapping` says which CSV column is what (generic CSV)."""
    wording = load_wording()
    inputs = _hash_inputs(path)
    reading = read_sessions(path, mapping)
    locator = Locator(wording.country_aliases, wording.thresholds.same_town_km, geonames_path())
    places = [*known_places, *([home] if home else [])]
    history = History(reading.sessions, wording.thresholds, locator, known_devices, places)
    since = since.replace(tzinfo=UTC) if since is not None and since.tzinfo is None else since
    findings = _run_checks(reading.sessions, history, since, wording)
    report = CheckReport(
        check=CHECK,
        alerts=[finding.alert for finding in findings],
        inputs=inputs,
        checked=_checked(since),
        not_checked=_not_checked(reading.sessions, history, since, wording),
        details=_details(reading.formats, reading.notes, reading.sessions, history),
    )
    return AccountsReport(reading.sessions, findings, report, wording)


def _run_checks(
    sessions: list[Session], history: History, since: datetime | None, wording: AccountsWording
) -> list[Finding]:
    findings = unknown_devices(history, wording)
    findings += new_places(history, wording)
    findings += impossible_travel(history, wording)
    if since is not None:
        findings += after_since(history, since, wording)
    findings += failed_logins(sessions, wording)
    return findings


def _hash_inputs(path: Path) -> list[InputFile]:
    """Hashes taken before reading. In a folder only the kinds of file this check reads are hashed: a
    whole Facebook download also holds gigabytes of photos that play no part here."""
    if not path.is_dir():
        return [InputFile.of(path)] if path.is_file() else []
    return [
        InputFile.of(child)
        for child in sorted(path.rglob("*"))
        if child.is_file() and not child.is_symlink() and child.name.casefold().endswith(READ_SUFFIXES)
    ]


def _checked(since: datetime | None) -> list[str]:
    checked = [
        "sign-ins from devices that are not among your usual ones or the ones you named",
        "sign-ins from countries and towns not seen before in this history",
        "pairs of sign-ins too far apart, for the time between them, to be one person",
        "failed sign-in attempts",
    ]
    if since is not None:
        checked.append(f"use of the account after {when(since)}")
    return checked


def _not_checked(
    sessions: list[Session], history: History, since: datetime | None, wording: AccountsWording
) -> list[str]:
    notes = list(wording.verdict.always_not_checked)
    if since is None:
        notes.append("Use after a date: no date was given (for example when you changed your password).")
    if not history.known_devices:
        notes.append(
            "Your own devices were not named, so 'usual' was worked out from this export alone; a device "
            "someone else used often would count as usual."
        )
    if not history.known_devices and any(session.listed_device for session in sessions):
        notes.append(
            "Devices in the export's device list: these name the hardware, not the browser, so they are "
            "compared only with the devices you name, and none were named."
        )
    if not any(session.place.known for session in history.sessions):
        notes.append("New places: this export gives no places for its sign-ins (only IP addresses).")
    elif not has_baseline(history):
        notes.append(
            "New places: no country was seen often enough to count as usual and no home was given, so "
            "no place could be called new."
        )
    if len(located(history)) < 2:
        reason = "" if history.locator.can_place_towns else " (the GeoNames town list is not installed)"
        notes.append(
            "Impossible travel: fewer than two sign-ins had coordinates or a town stalkproof could place"
            f"{reason}."
        )
    if any(not session.zone_known for session in sessions):
        notes.append("Some times had no time zone and were read as UTC, so they may be off by some hours.")
    return notes


def _details(
    formats: list[str], notes: list[str], sessions: list[Session], history: History
) -> dict[str, Any]:
    thresholds = history.thresholds
    return {
        "formats": formats,
        "notes": notes,
        "sessions_by_platform": dict(Counter(session.platform for session in sessions)),
        "sessions_by_status": dict(Counter(session.status for session in sessions)),
        "usual_devices": [
            {"device": name, "sessions": history.devices.counts[name]} for name in history.devices.values
        ],
        "usual_countries": list(history.countries.values),
        "usual_towns": [value.split("|", 1)[0] for value in history.cities.values],
        "usual_means": (
            f"the most frequent, together at least {thresholds.usual_share:.0%} of the sign-ins, at most "
            f"{thresholds.usual_max_devices}, each seen at least {thresholds.usual_min_sessions} times"
        ),
        "thresholds": thresholds.model_dump(),
    }
