"""The referral directory: services stalkproof may suggest, each with its source and when it was checked."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.errors import InputError
from stalkproof.law.loader import EVERYWHERE, Jurisdictions, check_code

REFERRALS_FILE = Path(__file__).with_name("referrals.yaml")
Need = Literal[
    "emergency",
    "stalking",
    "domestic_abuse",
    "intimate_images",
    "victim_support",
    "high_risk",
    "digital",
    "advice",
]
NEEDS: tuple[str, ...] = get_args(Need)


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["phone", "text", "email", "web"]
    value: str = Field(min_length=1)

    @model_validator(mode="after")
    def _value_fits_kind(self) -> Contact:
        if self.kind == "web" and not self.value.startswith("https://"):
            raise ValueError(f"the web address '{self.value}' should start with https://")
        if self.kind == "email" and "@" not in self.value:
            raise ValueError(f"'{self.value}' is not an email address")
        return self


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(min_length=1)
    what: str = Field(min_length=1)
    contact: list[Contact] = Field(min_length=1)
    hours: str = Field(min_length=1)
    jurisdictions: Jurisdictions
    audience: list[Literal["victim", "adviser", "friend"]] = Field(alias="for", min_length=1)
    when: list[Need] = Field(min_length=1)
    source: Source
    checked: date
    verified: bool

    def serves(self, jurisdiction: str) -> bool:
        return jurisdiction in self.jurisdictions or EVERYWHERE in self.jurisdictions


class Directory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    reviewed: date
    source: list[Source] = Field(min_length=1)
    services: list[Service] = Field(min_length=1)

    @field_validator("services")
    @classmethod
    def _unique_ids(cls, services: list[Service]) -> list[Service]:
        seen: set[str] = set()
        for service in services:
            if service.id in seen:
                raise ValueError(f"the id '{service.id}' is used twice")
            seen.add(service.id)
        return services


def load_directory(path: Path) -> Directory:
    data, tree = read_yaml(path)
    return validate(Directory, data, path, tree)


@cache
def load_referrals() -> Directory:
    """The directory shipped with stalkproof, checked. Cached: it does not change while a command runs."""
    return load_directory(REFERRALS_FILE)


def referrals_for(jurisdiction: str | None = None, needs: Iterable[str] = ()) -> list[Service]:
    """Services for this jurisdiction (plus those that work anywhere) that help with any of `needs`.

    No jurisdiction means every service; no needs means every kind of help. File order is kept: the file
    lists emergency services first.
    """
    if jurisdiction is not None:
        check_code(jurisdiction)
    wanted = set(needs)
    unknown = sorted(wanted - set(NEEDS))
    if unknown:
        raise InputError(
            f"'{unknown[0]}' is not a kind of help in the directory. Use one of: {', '.join(NEEDS)}."
        )
    return [
        service
        for service in load_referrals().services
        if (jurisdiction is None or service.serves(jurisdiction))
        and (not wanted or wanted & set(service.when))
    ]
