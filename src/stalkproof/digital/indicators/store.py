"""Which indicator lists a check uses: the Echap snapshot shipped with stalkproof, or a newer one that
`stalkproof indicators update` fetched, plus any STIX2 files the user names.

The updated copy lives in the user's data folder (`STALKPROOF_INDICATORS` overrides it) and wins only
when it is complete; checks never touch the network.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from platformdirs import user_data_dir

from stalkproof.digital.indicators.echap import FILES, load_echap
from stalkproof.digital.indicators.model import IndicatorSet
from stalkproof.digital.indicators.stix2 import load_stix2

SHIPPED_ECHAP = Path(__file__).with_name("echap")
INDICATORS_ENV = "STALKPROOF_INDICATORS"


@dataclass(frozen=True)
class LoadedIndicators:
    indicators: IndicatorSet
    unread_patterns: int

    @property
    def sources(self) -> list[str]:
        return self.indicators.sources


def updates_folder() -> Path:
    """Where `indicators update` keeps what it downloaded."""
    chosen = os.environ.get(INDICATORS_ENV)
    return Path(chosen) if chosen else Path(user_data_dir("stalkproof", appauthor=False)) / "indicators"


def echap_folder() -> Path:
    """The updated Echap copy when one is complete, else the snapshot shipped with stalkproof."""
    updated = updates_folder() / "echap"
    if all((updated / name).is_file() for name in FILES):
        return updated
    return SHIPPED_ECHAP


def load_indicators(stix2_files: Sequence[Path] = (), echap: bool = True) -> LoadedIndicators:
    """Echap's lists (unless `echap` is False) merged with every STIX2 file given."""
    folder = echap_folder()
    indicators = _echap(folder, _stamp(folder)) if echap else IndicatorSet()
    unread = 0
    for path in stix2_files:
        loaded = load_stix2(path)
        indicators = indicators.merged(loaded.indicators)
        unread += loaded.unread_patterns
    return LoadedIndicators(indicators, unread)


def _stamp(folder: Path) -> float:
    """Changes when `indicators update` replaces the folder, so a long-running process sees new lists."""
    return folder.stat().st_mtime if folder.exists() else 0.0


@cache
def _echap(folder: Path, stamp: float) -> IndicatorSet:
    del stamp  # part of the cache key only
    return load_echap(folder)
