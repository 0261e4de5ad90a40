"""Failed sign-in attempts, counted once for the whole export: someone may be trying the password."""

from __future__ import annotations

from collections.abc import Sequence

from stalkproof.digital.accounts.history import devices_of, iso, origins, places_of, platforms, span, when
from stalkproof.digital.accounts.model import Session
from stalkproof.digital.accounts.wording import AccountsWording, Finding, make_finding


def failed_logins(sessions: Sequence[Session], wording: AccountsWording) -> list[Finding]:
    failed = [session for session in sessions if session.status == "login_failed"]
    if not failed:
        return []
    first, last = span(failed)
    fields = {
        "platforms": platforms(failed),
        "count": len(failed),
        "first": when(first),
        "last": when(last),
        "devices": devices_of(failed),
        "places": places_of(failed),
    }
    event = {
        "attempts": len(failed),
        "first": iso(first),
        "last": iso(last),
        "ips": sorted({session.ip for session in failed if session.ip})[:10],
        "source": origins(failed),
    }
    return [make_finding("failed_logins", fields, event, iso(first), wording)]
