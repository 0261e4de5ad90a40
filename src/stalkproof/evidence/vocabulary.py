"""Fixed vocabularies: party roles, time precision, and the behaviour codes (from behaviours.yaml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from stalkproof.errors import InputError

ROLES = ("subject", "suspect", "witness", "other")
PRECISIONS = ("second", "minute", "day", "approximate")
BEHAVIOURS_FILE = Path(__file__).with_name("behaviours.yaml")


@cache
def behaviour_file() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BEHAVIOURS_FILE.read_text(encoding="utf-8"))
    return data


def behaviours() -> dict[str, str]:
    """Code → plain description, in the file's order."""
    return dict(behaviour_file()["behaviours"])


def check_behaviours(codes: list[str]) -> list[str]:
    known = behaviours()
    for code in codes:
        if code not in known:
            raise InputError(f"'{code}' is not a behaviour code. Known codes: {', '.join(known)}.")
    return list(dict.fromkeys(codes))


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"'{role}' is not a role. Use one of: {', '.join(ROLES)}.")
    return role
