"""Sign-ins from devices that are neither among the person's usual ones nor named by them as theirs.

A device still listed as signed in (an open session in the export) is more serious than one in the
history: it may be able to read the account now.
"""

from __future__ import annotations

from collections import defaultdict

from stalkproof.digital.accounts.history import (
    History,
    iso,
    listing,
    origins,
    places_of,
    platforms,
    span,
    when,
)
from stalkproof.digital.accounts.model import Session
from stalkproof.digital.accounts.wording import AccountsWording, Finding, make_finding


def unknown_devices(history: History, wording: AccountsWording) -> list[Finding]:
    if not history.enough and not history.known_devices:
        count = sum(history.devices.counts.values())
        fields = {"count": count, "min_history": history.thresholds.min_history}
        return [make_finding("few_sessions", fields, {"sessions": count}, None, wording)]
    by_device: dict[str, list[Session]] = defaultdict(list)
    for session in history.sessions:
        if session.device and history.can_judge(session) and not history.is_usual_device(session.device):
            by_device[session.device].append(session)
    findings = [_finding(device, sessions, history, wording) for device, sessions in by_device.items()]
    findings.sort(key=lambda finding: finding.alert.event_time or "")
    return findings[: history.thresholds.max_listed]


def _finding(device: str, sessions: list[Session], history: History, wording: AccountsWording) -> Finding:
    still_open = any(session.status == "active" for session in sessions)
    first, last = span(sessions)
    fields = {
        "device": device,
        "platforms": platforms(sessions),
        "count": len(sessions),
        "first": when(first),
        "last": when(last),
        "places": places_of(sessions),
        "usual": listing(history.devices.values, "none (no device was seen often enough)"),
        "usual_min": history.devices.least or history.thresholds.usual_min_sessions,
    }
    event = {
        "device": device,
        "sessions": len(sessions),
        "still_signed_in": still_open,
        "first": iso(first),
        "last": iso(last),
        "ips": sorted({session.ip for session in sessions if session.ip})[:10],
        "user_agents": sorted({session.user_agent for session in sessions if session.user_agent})[:5],
        "source": origins(sessions),
    }
    kind = "unknown_device_active" if still_open else "unknown_device"
    return make_finding(kind, fields, event, iso(first), wording)
