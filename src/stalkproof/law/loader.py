"""Finding and loading the law file of a jurisdiction (one YAML file per jurisdiction, named by its code)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field

from stalkproof.datafile import read_yaml, validate
from stalkproof.errors import InputError
from stalkproof.law.model import Jurisdiction

JURISDICTIONS_DIR = Path(__file__).with_name("jurisdictions")
DEFAULT_JURISDICTION = "gb-eng-wls"
EVERYWHERE = "all"


@cache
def jurisdiction_codes() -> tuple[str, ...]:
    """The codes stalkproof has law files for, e.g. gb-eng-wls, us-ca."""
    return tuple(sorted(path.stem for path in JURISDICTIONS_DIR.glob("*.yaml")))


def check_code(code: str) -> str:
    if code not in jurisdiction_codes():
        raise InputError(
            f"stalkproof has no law file for '{code}'; the jurisdictions it knows are "
            f"{', '.join(jurisdiction_codes())}."
        )
    return code


def known_or_all(codes: list[str]) -> list[str]:
    """For data files that say where they apply: law codes, or 'all' for anywhere (a pydantic check)."""
    unknown = [code for code in codes if code not in {EVERYWHERE, *jurisdiction_codes()}]
    if unknown:
        raise ValueError(
            f"'{unknown[0]}' is not a jurisdiction; use '{EVERYWHERE}' or {', '.join(jurisdiction_codes())}"
        )
    return codes


Jurisdictions = Annotated[list[str], Field(min_length=1), AfterValidator(known_or_all)]


def load_jurisdiction_file(path: Path) -> Jurisdiction:
    """Read and check one law file; its `jurisdiction` field must match its file name."""
    data, tree = read_yaml(path)
    law = validate(Jurisdiction, data, path, tree)
    if law.jurisdiction != path.stem:
        raise InputError(f"the file says it is for '{law.jurisdiction}' but is named '{path.stem}'.", path)
    return law


@cache
def load_jurisdiction(code: str) -> Jurisdiction:
    """The checked law file for `code`. Cached: the files ship with the program."""
    return load_jurisdiction_file(JURISDICTIONS_DIR / f"{check_code(code)}.yaml")


def jurisdictions() -> list[Jurisdiction]:
    return [load_jurisdiction(code) for code in jurisdiction_codes()]
