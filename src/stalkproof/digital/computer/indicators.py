"""The list of spying, monitoring and remote-access products `computer check` looks for, and how it matches.

`indicators.yaml` names each product with its `kind` (`spyware`: commercial spyware and keyloggers;
`monitoring`: parental control and employee monitoring; `remote_access`: dual-use remote-access tools),
its `level`, its `source`, optionally what it `does` (else its kind's sentence in `wording.yaml`), and per
platform what identifies it.

Matching rules (narrow on purpose: a false alarm frightens people, so similar names never match):
- Program names (`processes`) equal a running program's name, the last part of its program path or of its
  first command-line word, or the last part of the program a start-up entry runs — whole names, ignoring
  case (`anydesk` never matches `anydesk-notes`).
- Start-up names (`autostart`) equal a start-up entry's own name: a .desktop or .lnk file name without
  its extension, a systemd unit without `.service` (an instance `name@x` also as `name`), a registry Run
  value name. macOS `launchd_labels` equal a launch agent's or daemon's Label.
- Installed names equal, ignoring case: `packages` a dpkg, pacman or Snap name; `flatpak` a Flatpak app
  id; `bundle_ids` a macOS app's CFBundleIdentifier.
- `uninstall_names` equal a Windows uninstall entry's display name, ignoring case, optionally followed by
  a version number ("TeamViewer 15", "Radmin Server 3.5.2") and an architecture ("(x64)"). A `*` in a
  pattern stands for any text (ScreenConnect names its client after the server: "ScreenConnect Client
  (*)"); nothing else is a wildcard.
- `paths` are folders or files: a program, start-up program or install folder matches when it is that
  path or lies inside it (at a folder boundary), and a path that exists on disk is reported as present.
  Windows paths may start with a folder variable (`%ProgramFiles%`); `~` is the person's home folder.
- Names in `never_match` (the operating system's own programs) may never be used as a matcher.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stalkproof.datafile import Source, read_yaml, validate
from stalkproof.digital.computer import paths
from stalkproof.digital.computer.model import Environment, Platform

INDICATORS_FILE = Path(__file__).with_name("indicators.yaml")
SOURCE_NAME = "computer/indicators.yaml"

Kind = Literal["spyware", "monitoring", "remote_access"]
MatcherType = Literal[
    "process", "file_path", "autostart", "package", "flatpak", "bundle_id", "launchd_label", "uninstall_name"
]
_VERSION_TAIL = r"(?:\s+v?\d+(?:\.\d+)*)?(?:\s+\((?:x64|x86|64-bit|32-bit)\))?"
_Name = Field(min_length=1)


class _Matchers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    processes: list[str] = []
    paths: list[str] = []

    @field_validator("*")
    @classmethod
    def _no_blank(cls, values: list[str]) -> list[str]:
        if any(not value.strip() or value != value.strip() for value in values):
            raise ValueError("a matcher is blank or has spaces around it")
        return values

    def count(self) -> int:
        return sum(len(values) for values in self.model_dump().values())


class LinuxMatchers(_Matchers):
    autostart: list[str] = []
    packages: list[str] = []
    flatpak: list[str] = []

    @field_validator("paths")
    @classmethod
    def _posix_paths(cls, values: list[str]) -> list[str]:
        return _posix(values)


class MacMatchers(_Matchers):
    bundle_ids: list[str] = []
    launchd_labels: list[str] = []

    @field_validator("paths")
    @classmethod
    def _posix_paths(cls, values: list[str]) -> list[str]:
        return _posix(values)


class WindowsMatchers(_Matchers):
    autostart: list[str] = []
    uninstall_names: list[str] = []

    @field_validator("paths")
    @classmethod
    def _windows_paths(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.match(r"^(%[^%]+%|[A-Za-z]:)\\", value):
                raise ValueError(f"the Windows path {value!r} must start with %Folder%\\ or a drive")
        return values

    @field_validator("uninstall_names")
    @classmethod
    def _enough_literal_text(cls, values: list[str]) -> list[str]:
        for value in values:
            if len(value.replace("*", "").strip()) < 4:
                raise ValueError(f"the uninstall name {value!r} is too short to match safely")
        return values


def _posix(values: list[str]) -> list[str]:
    for value in values:
        if not value.startswith(("/", "~/")):
            raise ValueError(f"the path {value!r} must start with / or ~/")
    return values


class Product(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = _Name
    kind: Kind
    level: Literal["low", "medium", "high"]
    source: list[Source] = Field(min_length=1)
    # What this product does, when its kind's general sentence would be wrong for it ({name} allowed).
    does: str | None = None
    linux: LinuxMatchers | None = None
    macos: MacMatchers | None = None
    windows: WindowsMatchers | None = None

    @model_validator(mode="after")
    def _has_a_matcher(self) -> Product:
        if self.matcher_count() == 0:
            raise ValueError(f"{self.name} has no matcher on any platform")
        return self

    def matcher_count(self) -> int:
        return sum(m.count() for m in (self.linux, self.macos, self.windows) if m is not None)

    def on(self, platform: Platform) -> _Matchers | None:
        if platform == "linux":
            return self.linux
        if platform == "macos":
            return self.macos
        if platform == "windows":
            return self.windows
        return None

    @property
    def url(self) -> str:
        return self.source[0].url


class ComputerIndicators(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = _Name
    reviewed: str = _Name
    licence: str = _Name
    source: list[Source] = Field(min_length=1)
    never_match: list[str] = []
    products: list[Product] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ComputerIndicators:
        names = [product.name.casefold() for product in self.products]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"products listed twice: {', '.join(duplicates)}")
        forbidden = {name.casefold() for name in self.never_match}
        for product in self.products:
            for matchers in (product.linux, product.macos, product.windows):
                clash = [
                    name for name in (matchers.processes if matchers else []) if name.casefold() in forbidden
                ]
                if clash:
                    raise ValueError(f"{product.name} uses the system program {clash[0]!r} (see never_match)")
        return self

    def describe(self) -> str:
        return f"stalkproof computer indicators {self.version} (reviewed {self.reviewed})"


@cache
def load_indicators(path: Path = INDICATORS_FILE) -> ComputerIndicators:
    data, tree = read_yaml(path)
    return validate(ComputerIndicators, data, path, tree)


@dataclass(frozen=True)
class Hit:
    """One matcher of one product: what `matched_indicator` reports."""

    product: Product
    type: MatcherType
    value: str


class PlatformIndex:
    """The products' matchers for one platform, ready to look observations up."""

    def __init__(self, indicators: ComputerIndicators, platform: Platform) -> None:
        self.platform = platform
        self._exact: dict[tuple[MatcherType, str], Hit] = {}
        self._paths: list[Hit] = []
        self._uninstall: list[tuple[re.Pattern[str], Hit]] = []
        for product in indicators.products:
            for hit in _hits(product, platform):
                if hit.type == "file_path":
                    self._paths.append(hit)
                elif hit.type == "uninstall_name":
                    self._uninstall.append((uninstall_pattern(hit.value), hit))
                else:
                    self._exact.setdefault((hit.type, hit.value.casefold()), hit)

    def exact(self, kind: MatcherType, observed: str | None) -> Hit | None:
        return self._exact.get((kind, observed.casefold())) if observed else None

    def program(self, program: str | None) -> Hit | None:
        """A program path or name whose last part is a product's program name."""
        return self.exact("process", paths.basename(program, self.platform)) if program else None

    def uninstall_name(self, display_name: str) -> Hit | None:
        return next(
            (hit for pattern, hit in self._uninstall if pattern.fullmatch(display_name.strip())), None
        )

    def path(self, observed: str | None, env: Environment) -> Hit | None:
        """A product path that `observed` (a program or folder on the checked computer) is or lies in."""
        if not observed:
            return None
        for hit in self._paths:
            expanded = paths.expand_text(hit.value, env)
            if expanded is not None and paths.inside(observed, expanded, self.platform):
                return hit
        return None

    def path_hits(self) -> list[Hit]:
        return list(self._paths)


def uninstall_pattern(pattern: str) -> re.Pattern[str]:
    literal = ".+".join(re.escape(part) for part in pattern.split("*"))
    return re.compile(literal + _VERSION_TAIL, re.IGNORECASE)


_FIELDS: dict[str, MatcherType] = {
    "processes": "process",
    "paths": "file_path",
    "autostart": "autostart",
    "packages": "package",
    "flatpak": "flatpak",
    "bundle_ids": "bundle_id",
    "launchd_labels": "launchd_label",
    "uninstall_names": "uninstall_name",
}


def _hits(product: Product, platform: Platform) -> Iterator[Hit]:
    matchers = product.on(platform)
    if matchers is None:
        return
    for field_name, values in matchers.model_dump().items():
        for value in values:
            yield Hit(product, _FIELDS[field_name], value)
