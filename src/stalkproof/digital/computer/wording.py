"""`wording.yaml`: how the computer check words its findings, and the lists its heuristic uses."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.digital.computer.indicators import Kind
from stalkproof.digital.computer.model import EvidenceKind, NoteCode, Place

WORDING_FILE = Path(__file__).with_name("wording.yaml")
_Text = Field(min_length=1)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KindWording(_Strict):
    label: str = _Text
    does: str = _Text
    advice: str = _Text
    meaning: str = _Text
    installed_only_level: Literal["informational", "low", "medium", "high"] | None = None
    installed_only_why: str | None = None


class HeuristicWording(_Strict):
    level: Literal["informational", "low", "medium"]
    message: str = _Text
    running: str = _Text
    why: str = _Text
    meaning: str = _Text


class TemporaryFolders(_Strict):
    posix: list[str] = Field(min_length=1)
    windows: list[str] = Field(min_length=1)


class Heuristics(_Strict):
    odd_folder_autostart: HeuristicWording
    temporary_folders: TemporaryFolders
    ordinary_hidden_folders: list[str]


class ComputerWording(_Strict):
    version: str = _Text
    reviewed: str = _Text
    licence: str = _Text
    source: list[Source] = Field(min_length=1)
    kinds: dict[Kind, KindWording]
    message: str = _Text
    places: dict[Place, str]
    why: str = _Text
    evidence: dict[EvidenceKind, str]
    heuristics: Heuristics
    notes: dict[NoteCode, str]
    always_not_checked: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> ComputerWording:
        for name, mapping, keys in (
            ("kinds", self.kinds, get_args(Kind)),
            ("places", self.places, get_args(Place)),
            ("evidence", self.evidence, get_args(EvidenceKind)),
            ("notes", self.notes, get_args(NoteCode)),
        ):
            missing = sorted(set(keys) - set(mapping))
            if missing:
                raise ValueError(f"{name} has no wording for {', '.join(missing)}")
        return self


@cache
def load_wording(path: Path = WORDING_FILE) -> ComputerWording:
    data, tree = read_yaml(path)
    return validate(ComputerWording, data, path, tree)
