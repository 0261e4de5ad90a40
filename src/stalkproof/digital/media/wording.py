"""The sentences `media scan` and `media strip` show, and the country names places use (both YAML data)."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stalkproof.datafile import Source, read_yaml, validate

WORDING_FILE = Path(__file__).with_name("wording.yaml")
COUNTRIES_FILE = Path(__file__).with_name("countries.yaml")

Kind = Literal["photo", "video", "document", "file"]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ByKind(_Data):
    photo: str = Field(min_length=1)
    video: str = Field(min_length=1)
    document: str = Field(min_length=1)
    file: str = Field(min_length=1)

    def of(self, kind: Kind) -> str:
        text: str = getattr(self, kind)
        return text


class Places(_Data):
    near_km: float = Field(gt=0)
    within: str = Field(pattern=r"\{km\}.*\{place\}")
    away: str = Field(pattern=r"\{km\}.*\{place\}")
    coordinates: str = Field(pattern=r"\{lat\}.*\{lon\}")
    credit: str = Field(min_length=1)


class Findings(_Data):
    location: ByKind
    location_also: str
    same_place_also: str
    unusable_location: str
    place_names: str
    identity: str
    other: str
    nothing: ByKind
    unsupported: str
    damaged: str
    exiftool_location: str
    exiftool_identity: str
    changed_while_read: str


class Advice(_Data):
    share: str
    share_here: str  # on a page that offers the cleaned copy itself
    evidence: str


class StripWording(_Data):
    failed: str
    leftover: str
    not_lossless: str
    unsupported: str
    would_overwrite_original: str
    exists: str
    source_changed: str


class MediaWording(_Data):
    version: str
    reviewed: date
    licence: str = Field(min_length=1)
    source: list[Source] = Field(min_length=1)
    kinds: dict[Literal["photo", "video", "document"], list[str]]
    places: Places
    findings: Findings
    advice: Advice
    strip: StripWording

    def kind_of(self, format_name: str | None) -> Kind:
        lowered = (format_name or "").lower()
        for kind, names in self.kinds.items():
            if lowered in names:
                return kind
        return "file"


class CountryNames(_Data):
    version: str
    reviewed: date
    licence: str = Field(min_length=1)
    source: list[Source] = Field(min_length=1)
    names: dict[str, str]

    @field_validator("names")
    @classmethod
    def _two_letter_codes(cls, names: dict[str, str]) -> dict[str, str]:
        for code, name in names.items():
            if len(code) != 2 or not code.isascii() or not code.isupper():
                raise ValueError(f"'{code}' is not a two-letter country code in capitals")
            if not name.strip():
                raise ValueError(f"the name for '{code}' is empty")
        return names


@cache
def load_wording(path: Path = WORDING_FILE) -> MediaWording:
    data, tree = read_yaml(path)
    return validate(MediaWording, data, path, tree)


@cache
def load_countries(path: Path = COUNTRIES_FILE) -> CountryNames:
    data, tree = read_yaml(path)
    return validate(CountryNames, data, path, tree)
