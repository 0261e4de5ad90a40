"""Choosing services from the referral directory (`stalkproof.guide.referrals`) for risk/'s results."""

from __future__ import annotations

from collections.abc import Iterable

from stalkproof.guide.referrals import Service, load_referrals
from stalkproof.law.loader import EVERYWHERE


def directory() -> dict[str, Service]:
    return {service.id: service for service in load_referrals().services}


def jurisdictions() -> list[str]:
    """Every jurisdiction code some service names, in a stable order."""
    codes = {code for service in directory().values() for code in service.jurisdictions}
    return sorted(codes - {EVERYWHERE})


def choose(ids: Iterable[str], jurisdiction: str) -> list[Service]:
    """The named services that serve `jurisdiction`, in the order given, each once."""
    services = directory()
    chosen = [services[i] for i in dict.fromkeys(ids)]
    return [service for service in chosen if service.serves(jurisdiction)]


def service_json(service: Service) -> dict[str, object]:
    """What a result shows of a service: enough to get in touch without looking anything up."""
    return {
        "id": service.id,
        "name": service.name,
        "what": service.what,
        "contact": [{"kind": c.kind, "value": c.value} for c in service.contact],
        "hours": service.hours,
    }
