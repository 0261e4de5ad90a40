"""Emergency numbers by region, and the placeholders guidance text uses for them.

Jurisdiction codes are the law files' (`gb-eng-wls`, `us-ca`, …). A code nobody knows is refused rather
than guessed, because the wrong emergency number is worse than none.
"""

from __future__ import annotations

import string
from datetime import date
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.errors import InputError
from stalkproof.law.loader import jurisdiction_codes
from stalkproof.risk import referrals

EMERGENCY_FILE = Path(__file__).with_name("emergency.yaml")


class Region(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    jurisdictions: list[str]
    emergency: str
    non_emergency: str
    silent: str
    emergency_referral: str | None = None
    non_emergency_referral: str | None = None


class EmergencyTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    reviewed: date
    reviewer: str
    licence: str
    source: list[Source] = Field(min_length=1)
    regions: list[Region]
    anywhere: Region
    default_referrals_for: str
    default_note: str


@cache
def table() -> EmergencyTable:
    data, tree = read_yaml(EMERGENCY_FILE)
    return validate(EmergencyTable, data, EMERGENCY_FILE, tree)


def known_jurisdictions() -> list[str]:
    """The law files' codes, plus regions that have emergency numbers but no law file yet (e.g. eu)."""
    codes = {code for region in table().regions for code in region.jurisdictions}
    return sorted(codes | set(referrals.jurisdictions()) | set(jurisdiction_codes()))


def check_jurisdiction(code: str | None) -> str | None:
    """The code in its usual form, or None when none was given."""
    if code is None:
        return None
    normal = code.strip().lower()
    if normal not in known_jurisdictions():
        known = ", ".join(known_jurisdictions())
        raise InputError(f"'{code}' is not a jurisdiction stalkproof knows. Use one of: {known}.")
    return normal


def region_for(jurisdiction: str | None) -> Region:
    for region in table().regions:
        if jurisdiction in region.jurisdictions:
            return region
    return table().anywhere


def referral_jurisdiction(jurisdiction: str | None) -> str:
    return jurisdiction or table().default_referrals_for


def placeholders(jurisdiction: str | None) -> dict[str, str]:
    """Values for the {names} guidance text may use."""
    region = region_for(jurisdiction)
    has_law = jurisdiction in jurisdiction_codes()
    return {
        "emergency": region.emergency,
        "non_emergency": region.non_emergency,
        "silent": region.silent,
        "jurisdiction_option": f" --jurisdiction {jurisdiction}" if has_law else "",
    }


PLACEHOLDERS = ("emergency", "non_emergency", "silent", "jurisdiction_option")


def check_placeholders(text: str, allowed: tuple[str, ...] = PLACEHOLDERS) -> str:
    """`text` unchanged if every {name} in it is one of `allowed`; a ValueError (which pydantic reports as a
    validation error) otherwise, so a typo in a data file fails its test rather than a user's command."""
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    unknown = sorted(names - set(allowed))
    if unknown:
        raise ValueError(f"unknown placeholder(s) {unknown} in {text!r}; allowed: {', '.join(allowed)}")
    return text


def fill(text: str, jurisdiction: str | None) -> str:
    return text.format(**placeholders(jurisdiction))
