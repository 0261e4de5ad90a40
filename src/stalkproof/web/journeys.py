"""The home page's list of journeys, read from journeys.yaml (reviewed data, not code)."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

from pydantic import BaseModel

from stalkproof.datafile import read_yaml, validate

JOURNEYS_FILE = Path(__file__).with_name("journeys.yaml")


class Journey(BaseModel):
    title: str
    url: str
    needs_vault: bool
    summary: str


class JourneyGroup(BaseModel):
    title: str
    journeys: list[Journey]


class JourneyList(BaseModel):
    version: int
    source: str
    reviewed: date
    licence: str
    groups: list[JourneyGroup]


@cache
def journeys() -> JourneyList:
    data, tree = read_yaml(JOURNEYS_FILE)
    return validate(JourneyList, data, JOURNEYS_FILE, tree)
