"""`media scan`: what photos, videos and documents reveal about where they were made and by whom.

Each file is hashed first (SHA-256 of exactly the bytes read), its format is told from its first bytes,
and the format module reads its metadata. The most trustworthy coordinate becomes the file's location
(EXIF GPS before XMP before the rest; a GPS *destination* last, as it is not where the picture was taken),
is turned into the nearest town offline, and everything is put in plain sentences.

Folders are walked recursively, following links but never into a folder twice (so link loops end). A file
that no module knows is reported with `format: null` and a note; a damaged file is reported with an
`error` sentence and the scan goes on. Only when the one thing named is a single damaged file does the
scan stop with that sentence (exit code 1).

Evidence mode is for media someone else sent: the file is opened read-only (without updating its access
time where the system allows), nothing is written anywhere near it, it is hashed again afterwards to show
it did not change while it was read, and the versions of every tool that read it are recorded.
"""

from __future__ import annotations

import errno
import hashlib
import os
import platform
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stalkproof import __version__
from stalkproof.clock import now_iso, utc_iso
from stalkproof.digital.media import formats
from stalkproof.digital.media.exiftool import ExifTool, ExifToolError
from stalkproof.digital.media.geocode import (
    Geocoder,
    Place,
    check_coordinate,
    coordinates_wording,
    default_geocoder,
    haversine_km,
)
from stalkproof.digital.media.model import Item, Location, MediaFormat, Metadata
from stalkproof.digital.media.verify import revealing_exiftool_tags
from stalkproof.digital.media.wording import Kind, load_wording
from stalkproof.errors import InputError

Progress = Callable[[int, int, Path], None]

READ_CHUNK = 1 << 20
SAME_PLACE_KM = 1.0
SHOWN_VALUE_CHARS = 80
SHOWN_ITEMS = 6


@dataclass(frozen=True)
class FoundLocation:
    """A coordinate from the file, with the nearest place in words (None when it is not a usable one)."""

    lat: float
    lon: float
    source: str
    altitude: float | None
    where: str
    place: Place | None
    usable: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "lat": self.lat,
            "lon": self.lon,
            "where": self.where,
            "source": self.source,
            "altitude": self.altitude,
            "place": self.place.to_json() if self.place else None,
            "usable": self.usable,
        }


@dataclass
class ScanResult:
    """What one file reveals. `to_json()` gives the fields of the command-line contract and more."""

    path: Path
    format: str | None = None
    kind: Kind = "file"
    sha256: str | None = None
    size: int | None = None
    locations: list[FoundLocation] = field(default_factory=list)
    place_names: list[Item] = field(default_factory=list)
    identity: list[Item] = field(default_factory=list)
    other: list[Item] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    evidence: dict[str, Any] | None = None
    exiftool: dict[str, Any] | None = None
    # The exception behind `error`, so a caller that was given one file can stop with it.
    failure: BaseException | None = field(default=None, repr=False)

    @property
    def location(self) -> FoundLocation | None:
        return next((spot for spot in self.locations if spot.usable), None)

    @property
    def reveals_location(self) -> bool:
        return bool(self.locations or self.place_names)

    @property
    def reveals_identity(self) -> bool:
        return bool(self.identity)

    def to_json(self) -> dict[str, Any]:
        primary = self.location
        data: dict[str, Any] = {
            "path": str(self.path),
            "format": self.format,
            "kind": self.kind,
            "sha256": self.sha256,
            "size": self.size,
            "location": primary.to_json() if primary else None,
            "identity": [_item_json(item) for item in self.identity],
            "findings": self.findings,
            "reveals_location": self.reveals_location,
            "reveals_identity": self.reveals_identity,
            "locations": [spot.to_json() for spot in self.locations],
            "place_names": [_item_json(item) for item in self.place_names],
            "other": [_item_json(item) for item in self.other],
            "notes": self.notes,
            "error": self.error,
        }
        if self.evidence is not None:
            data["evidence"] = self.evidence
        if self.exiftool is not None:
            data["exiftool"] = self.exiftool
        return data


def _item_json(item: Item) -> dict[str, str]:
    return {"kind": item.kind, "field": item.field, "value": item.value, "source": item.source}


# --- walking ------------------------------------------------------------------------------------------


def media_files(paths: Sequence[Path]) -> list[Path]:
    """Every regular file named or inside a named folder, in a stable order. A missing path is an error
    before anything is read."""
    for path in paths:
        if not path.exists():
            raise InputError("there is no file or folder here.", path)
    found: list[Path] = []
    seen_folders: set[tuple[int, int]] = set()
    for path in paths:
        if path.is_dir():
            found += walk_folder(path, seen_folders)
        elif path.is_file():
            found.append(path)
        else:
            raise InputError("this is neither a file nor a folder, so it cannot be scanned.", path)
    return found


def walk_folder(top: Path, seen_folders: set[tuple[int, int]]) -> Iterator[Path]:
    """Regular files under `top`, sorted, following links but entering no folder in `seen_folders` (which
    it extends), so a link loop ends."""
    for folder, subfolders, files in os.walk(top, followlinks=True):
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in seen_folders:
            subfolders.clear()  # reached again through a link: a loop, or a folder already scanned
            continue
        seen_folders.add((info.st_dev, info.st_ino))
        subfolders.sort()
        for name in sorted(files):
            path = Path(folder, name)
            if _is_regular_file(path):
                yield path


def _is_regular_file(path: Path) -> bool:
    # Broken links, pipes and devices are skipped: reading a pipe would wait for ever.
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


# --- scanning -----------------------------------------------------------------------------------------


def scan_paths(
    paths: Sequence[Path],
    progress: Progress | None = None,
    *,
    evidence: bool = False,
    exiftool: ExifTool | None = None,
    geocoder: Geocoder | None = None,
) -> Iterator[ScanResult]:
    """Scan files and folders, one result per file. Raises InputError for a missing path, and for a
    single file named on its own that cannot be read."""
    files = media_files(paths)
    alone = len(paths) == 1 and len(files) == 1 and files[0] == paths[0]
    scanner = Scanner(evidence=evidence, exiftool=exiftool, geocoder=geocoder)
    for done, path in enumerate(files, start=1):
        result = scanner.scan(path)
        if alone and result.failure is not None:
            raise result.failure
        if progress is not None:
            progress(done, len(files), path)
        yield result


class Scanner:
    """Scans one file at a time with shared settings (evidence mode, ExifTool, the place index)."""

    def __init__(
        self, *, evidence: bool = False, exiftool: ExifTool | None = None, geocoder: Geocoder | None = None
    ) -> None:
        self.evidence = evidence
        self.exiftool = exiftool
        self.geocoder = geocoder if geocoder is not None else default_geocoder()
        self.wording = load_wording()
        self._places: dict[tuple[float, float], Place | None] = {}

    def scan(self, path: Path) -> ScanResult:
        result = ScanResult(path=path)
        try:
            before = os.stat(path)
            result.sha256, result.size, head = hash_file(path, no_access_time=self.evidence)
            media_format = formats.detect_head(head)
            if media_format is None:
                result.notes.append(self.wording.findings.unsupported)
            else:
                self._read(result, media_format, path)
            if self.evidence:
                result.evidence = self._evidence_record(path, result, before)
        except Exception as error:  # damaged, unreadable, or a bug in a format module: one result, not a stop
            self._failed(result, error)
        return result

    def _read(self, result: ScanResult, media_format: MediaFormat, path: Path) -> None:
        found = media_format.scan(path)
        result.format = (found.format or media_format.name).lower()
        result.kind = self.wording.kind_of(result.format)
        result.notes += found.notes
        result.locations = self._locations(found)
        result.place_names = found.of_kind("place")
        result.identity = found.of_kind("identity")
        result.other = [item for item in found.items if item.kind not in ("place", "identity")]
        result.findings = self._findings(result)
        if self.exiftool is not None:
            self._second_opinion(result, path)

    def _failed(self, result: ScanResult, error: BaseException) -> None:
        result.failure = error
        result.error = self.wording.findings.damaged.format(reason=_reason(error, result.path))

    # --- locations -----------------------------------------------------------------------------------

    def _locations(self, found: Metadata) -> list[FoundLocation]:
        return [self._locate(spot) for spot in sorted(found.locations, key=_trust_order)]

    def _locate(self, spot: Location) -> FoundLocation:
        try:
            check_coordinate(spot.lat, spot.lon)
            usable = not (spot.lat == 0 and spot.lon == 0)  # "no fix" on many cameras
        except ValueError:
            usable = False
        place = self._place(spot.lat, spot.lon) if usable else None
        where = place.wording if place else coordinates_wording(spot.lat, spot.lon)
        return FoundLocation(spot.lat, spot.lon, spot.source, spot.altitude, where, place, usable)

    def _place(self, lat: float, lon: float) -> Place | None:
        key = (round(lat, 5), round(lon, 5))
        if key not in self._places:
            self._places[key] = self.geocoder.describe(lat, lon)
        return self._places[key]

    # --- sentences -----------------------------------------------------------------------------------

    def _findings(self, result: ScanResult) -> list[str]:
        words = self.wording.findings
        sentences: list[str] = []
        primary = result.location
        if primary is not None:
            sentences.append(
                words.location.of(result.kind).format(where=primary.where, source=primary.source)
            )
            sentences += _other_locations(
                words.location_also, words.same_place_also, primary, result.locations
            )
        for spot in result.locations:
            if not spot.usable:
                sentences.append(
                    words.unusable_location.format(source=spot.source, lat=spot.lat, lon=spot.lon)
                )
        if result.place_names:
            sentences.append(words.place_names.format(values=_list(result.place_names, _place_value)))
        if result.identity:
            sentences.append(words.identity.format(values=_list(result.identity, _identity_value)))
        if result.other:
            sentences.append(words.other.format(values=_list(result.other, _other_value)))
        if not result.reveals_location and not result.reveals_identity:
            sentences.insert(0, words.nothing.of(result.kind))
        return sentences

    def _second_opinion(self, result: ScanResult, path: Path) -> None:
        """ExifTool reads the same file; anything it sees that the format module did not is said."""
        assert self.exiftool is not None
        try:
            tags = self.exiftool.read(path)
        except ExifToolError as error:
            result.exiftool = {"version": self.exiftool.version(), "error": str(error)}
            return
        places, people = revealing_exiftool_tags(tags)
        result.exiftool = {
            "version": self.exiftool.version(),
            "location_tags": places,
            "identity_tags": people,
        }
        words = self.wording.findings
        noun = result.kind
        if (places or people) and result.findings[:1] == [words.nothing.of(noun)]:
            result.findings.pop(0)  # "nothing found" no longer holds
        if places and not result.reveals_location:
            result.findings.append(words.exiftool_location.format(tags=", ".join(places[:8]), noun=noun))
        if people and not result.reveals_identity:
            result.findings.append(words.exiftool_identity.format(tags=", ".join(people[:8])))

    def _evidence_record(self, path: Path, result: ScanResult, before: os.stat_result) -> dict[str, Any]:
        after_hash, _, _ = hash_file(path, no_access_time=True)
        after = os.stat(path)
        unchanged = after_hash == result.sha256 and _same_file_state(before, after)
        if not unchanged:
            result.notes.append(self.wording.findings.changed_while_read)
        return {
            "read_only": True,
            "sha256_after_reading": after_hash,
            "unchanged_while_read": unchanged,
            "modified": utc_iso(datetime.fromtimestamp(before.st_mtime, UTC)),
            "scanned_at": now_iso(),
            "tools": tool_versions(self.exiftool),
        }


def _trust_order(spot: Location) -> int:
    source = spot.source.lower()
    if "destination" in source:
        return 3  # where the photographer was heading, not where the picture was taken
    if "xmp" in source:
        return 1
    if "gps" in source and ("exif" in source or "tiff" in source):
        return 0
    return 2


def _other_locations(
    words_also: str, words_same: str, primary: FoundLocation, spots: list[FoundLocation]
) -> list[str]:
    same: list[str] = []
    sentences: list[str] = []
    for spot in spots:
        if spot is primary or not spot.usable:
            continue
        if haversine_km(primary.lat, primary.lon, spot.lat, spot.lon) <= SAME_PLACE_KM:
            if spot.source != primary.source and spot.source not in same:
                same.append(spot.source)
        else:
            sentences.append(words_also.format(where=spot.where, source=spot.source))
    if same:
        sentences.insert(0, words_same.format(sources=_and(same)))
    return sentences


def _list(items: list[Item], show: Callable[[Item], str]) -> str:
    shown = list(dict.fromkeys(show(item) for item in items))
    more = len(shown) - SHOWN_ITEMS
    text = "; ".join(shown[:SHOWN_ITEMS])
    return text + (f"; and {more} more" if more > 0 else "")


def _short(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= SHOWN_VALUE_CHARS else value[: SHOWN_VALUE_CHARS - 1] + "…"


def _label(item: Item) -> str:
    return item.source if item.field.lower() in item.source.lower() else f"{item.source} {item.field}"


def _place_value(item: Item) -> str:
    return f"{_short(item.value)} ({_label(item)})"


def _identity_value(item: Item) -> str:
    return f"{item.field} {_short(item.value)} ({item.source})"


def _other_value(item: Item) -> str:
    return f"{item.field} {_short(item.value)}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _reason(error: BaseException, path: Path) -> str:
    if isinstance(error, InputError):
        message = error.message.removeprefix(f"{error.path}: ") if error.path is not None else error.message
        return message[:1].upper() + message[1:]
    if isinstance(error, OSError):
        return f"it could not be opened ({error.strerror or type(error).__name__})."
    return f"stalkproof hit an unexpected problem reading it ({type(error).__name__}), so it was not checked."


def _same_file_state(before: os.stat_result, after: os.stat_result) -> bool:
    return (before.st_size, before.st_mtime_ns, before.st_ino) == (
        after.st_size,
        after.st_mtime_ns,
        after.st_ino,
    )


# --- reading ------------------------------------------------------------------------------------------


def hash_file(path: Path, no_access_time: bool = False) -> tuple[str, int, bytes]:
    """SHA-256 and size of the bytes read, and the first bytes (for telling the format)."""
    descriptor = _open_read_only(path, no_access_time)
    digest = hashlib.sha256()
    head = b""
    size = 0
    buffer = bytearray(READ_CHUNK)
    view = memoryview(buffer)
    with os.fdopen(descriptor, "rb", buffering=0) as file:
        while count := file.readinto(view):
            if size == 0:
                head = bytes(view[: min(count, formats.HEAD_SIZE)])
            digest.update(view[:count])
            size += count
    return digest.hexdigest(), size, head


def _open_read_only(path: Path, no_access_time: bool) -> int:
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    noatime = getattr(os, "O_NOATIME", 0)
    if no_access_time and noatime:
        try:
            return os.open(path, flags | noatime)
        except OSError as error:
            if error.errno != errno.EPERM:  # only the file's owner may ask for no access-time update
                raise
    return os.open(path, flags)


def tool_versions(exiftool: ExifTool | None = None) -> dict[str, str]:
    """The versions of everything that read the file, for the record."""
    import PIL

    versions = {
        "stalkproof": __version__,
        "python": platform.python_version(),
        "pillow": PIL.__version__,
    }
    if exiftool is not None:
        versions["exiftool"] = exiftool.version()
    return versions
