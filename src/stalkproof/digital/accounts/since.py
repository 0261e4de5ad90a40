"""Use of the account after a date the person gives: when they changed the password, or left.

Every device active after the date is reported once. How serious that is depends on whose it seems to
be: one the person named as theirs is a note; a usual but unnamed one is worth a look; any other device
may mean someone still has a way in.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from stalkproof.digital.accounts.history import (
    UNNAMED_DEVICE,
    History,
    device_of,
    iso,
    listing,
    origins,
    places_of,
    platforms,
    seen_at,
    span,
    when,
)
from stalkproof.digital.accounts.model import Session
from stalkproof.digital.accounts.wording import AccountsWording, Finding, make_finding

_SEVERITY = (
    "after_since_unknown",
    "after_since_unjudged",
    "after_since_usual",
    "after_since_unnamed",
    "after_since_known",
)


def after_since(history: History, since: datetime, wording: AccountsWording) -> list[Finding]:
    by_device: dict[str, list[Session]] = defaultdict(list)
    for session in history.sessions:
        if seen_at(session) >= since:
            by_device[device_of(session)].append(session)
    findings = [_finding(device, sessions, since, history, wording) for device, sessions in by_device.items()]
    findings.sort(key=lambda finding: _SEVERITY.index(finding.kind))
    return findings[: history.thresholds.max_listed]


def _kind(device: str, sessions: list[Session], history: History) -> str:
    if device == UNNAMED_DEVICE:
        return "after_since_unnamed"
    if history.is_known_device(device):
        return "after_since_known"
    if not all(history.can_judge(session) for session in sessions):
        return "after_since_unjudged"
    if device in history.devices:
        return "after_since_usual"
    return "after_since_unknown"


def _finding(
    device: str, sessions: list[Session], since: datetime, history: History, wording: AccountsWording
) -> Finding:
    _, last = span(sessions)
    first_after = min(seen_at(session) for session in sessions)
    fields = {
        "device": device,
        "platforms": platforms(sessions),
        "count": len(sessions),
        "first": when(first_after),
        "last": when(last),
        "places": places_of(sessions),
        "usual": listing(history.devices.values, "none (no device was seen often enough)"),
        "since": when(since),
    }
    event = {
        "device": device,
        "since": iso(since),
        "sessions": len(sessions),
        "first_after": iso(first_after),
        "last": iso(last),
        "ips": sorted({session.ip for session in sessions if session.ip})[:10],
        "source": origins(sessions),
    }
    return make_finding(_kind(device, sessions, history), fields, event, iso(first_after), wording)
