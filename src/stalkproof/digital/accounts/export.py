"""Opening what the person pointed `accounts check` at, and the small readers every format shares.

A file, a folder or a zip is opened with the importer's `open_input`: zip members are streamed, never
extracted, so a name inside an archive never becomes a path on disk. Names that try to climb out of the
archive (`../x`, `/etc/x`) are refused all the same, because an export never has them and a tool that
later unpacks the zip might honour them.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stalkproof.digital.accounts.model import Place
from stalkproof.errors import InputError
from stalkproof.ingest.inputs import Input, Member, open_input
from stalkproof.ingest.jsonsplit import Element, Target, iter_elements
from stalkproof.ingest.meta import repair

# Unix times above this are in milliseconds (this many seconds is the year 5138).
_MILLISECONDS_FROM = 10**11
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S %Z",
    "%Y-%m-%d %H:%M:%S.%f %Z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%b %d, %Y, %I:%M:%S %p %Z",
    "%b %d, %Y, %I:%M:%S %p",
)


def open_export(path: Path) -> Input:
    """The export opened for reading; InputError for a missing path, a bad zip or an unsafe name (refused by
    open_input itself)."""
    export = open_input(path)
    try:
        if not export.members or all(member.size == 0 for member in export.members):
            what = "folder" if export.kind == "folder" else "file"
            raise InputError(f"this {what} is empty, so there are no sign-ins to check.", path)
    except BaseException:
        export.close()
        raise
    return export


def json_elements(
    export: Input, member: Member, targets: Sequence[Target], noun: str = "entry"
) -> Iterator[Element]:
    """The entries of the named JSON arrays, each with its line and path; InputError with the line for a
    file that is not valid JSON."""
    return iter_elements(member, export.where(member), targets, noun=noun)


@dataclass(frozen=True)
class CsvRow:
    """One CSV row as a mapping from normalised header name to cell, with its first line in the file."""

    line: int
    cells: dict[str, str]


def csv_rows(export: Input, member: Member) -> tuple[list[str], Iterator[CsvRow]]:
    """The normalised header and the rows of a CSV member (UTF-8, with or without a BOM)."""
    where = export.where(member)
    stream = io.TextIOWrapper(member.open(), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream, _dialect(member))
    try:
        header = [header_key(name) for name in next(reader)]
    except StopIteration:
        stream.close()
        raise InputError("this CSV file is empty.", where) from None
    except (UnicodeDecodeError, csv.Error) as error:
        stream.close()
        raise _bad_csv(error, where, 1) from None
    return header, _rows(reader, header, stream, where)


def _rows(reader: Any, header: list[str], stream: io.TextIOWrapper, where: str) -> Iterator[CsvRow]:
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield CsvRow(line, dict(zip(header, cells, strict=False)))
            line = reader.line_num + 1
    except (UnicodeDecodeError, csv.Error) as error:
        raise _bad_csv(error, where, line) from None
    finally:
        stream.close()


def _bad_csv(error: Exception, where: str, line: int) -> InputError:
    if isinstance(error, UnicodeDecodeError):
        return InputError("this CSV file is not UTF-8 text; save it again as CSV UTF-8.", where, line)
    return InputError(f"this CSV row cannot be read ({error}).", where, line)


def _dialect(member: Member) -> type[csv.Dialect]:
    sample = member.head(16 * 1024).decode("utf-8", errors="replace")
    cut = sample.rfind("\n")
    try:
        return csv.Sniffer().sniff(sample[: cut if cut > 0 else None], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def header_key(name: str) -> str:
    """A header or field name reduced to lowercase words joined by "_": "IP Address" -> "ip_address"."""
    words = "".join(char if char.isalnum() else " " for char in name.strip().casefold()).split()
    return "_".join(words)


def text(value: Any) -> str | None:
    """A cell or JSON value as stripped text; None when missing or blank."""
    if value is None or isinstance(value, dict | list):
        return None
    found = str(value).strip()
    return found or None


def read_time(value: Any) -> tuple[datetime, bool] | None:
    """(the time, whether its zone was given) from a Unix time (seconds or milliseconds, as a number or
    digits) or a written date and time; None when it is missing or cannot be read. A time without a zone
    is taken as UTC and reported as such."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return _from_unix(float(value))
    found = text(value)
    if found is None:
        return None
    if found.lstrip("-").replace(".", "", 1).isdigit():
        return _from_unix(float(found))
    return _from_text(found)


def _from_unix(number: float) -> tuple[datetime, bool] | None:
    if number <= 0:
        return None
    if number >= _MILLISECONDS_FROM:
        number /= 1000
    try:
        return datetime.fromtimestamp(number, UTC), True
    except (OverflowError, OSError, ValueError):
        return None


def _from_text(found: str) -> tuple[datetime, bool] | None:
    candidate = found[:-1] + "+00:00" if found.endswith("Z") else found
    # Takeout writes "2024-03-02 08:15:02 UTC": fromisoformat reads it without the zone name, quickly.
    if found.endswith((" UTC", " GMT")):
        candidate = found[:-4] + "+00:00"
    try:
        return _aware(datetime.fromisoformat(candidate))
    except ValueError:
        pass
    for pattern in _TIME_FORMATS:
        try:
            parsed = datetime.strptime(found, pattern)
        except ValueError:
            continue
        # strptime reads "UTC"/"GMT" with %Z but leaves the result naive.
        zone_given = "%Z" in pattern
        moment, _ = _aware(parsed)
        return moment, zone_given
    return None


def _aware(moment: datetime) -> tuple[datetime, bool]:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC), False
    return moment.astimezone(UTC), True


def place_of(
    city: Any = None,
    region: Any = None,
    country: Any = None,
    *,
    lat: Any = None,
    lon: Any = None,
    written: Any = None,
    mojibake: bool = False,
) -> Place:
    """A Place from separate fields, or from one written location ("Leeds, England, United Kingdom":
    the first part is the city, the last the country). `mojibake` repairs Meta's text for `display`."""
    city_text, region_text, country_text = text(city), text(region), text(country)
    if written is not None and not (city_text or region_text or country_text):
        city_text, region_text, country_text = _split_written(text(written))
    parts = [part for part in (city_text, region_text, country_text) if part]
    display = ", ".join(dict.fromkeys(repair(part) if mojibake else part for part in parts))
    latitude, longitude = _coordinate(lat, 90), _coordinate(lon, 180)
    if latitude is None or longitude is None:
        latitude = longitude = None
    return Place(city_text, region_text, country_text, latitude, longitude, display)


def _split_written(written: str | None) -> tuple[str | None, str | None, str | None]:
    if not written:
        return None, None, None
    parts = [part.strip() for part in written.split(",") if part.strip()]
    if len(parts) == 1:
        return None, None, parts[0]
    middle = ", ".join(parts[1:-1]) or None
    return parts[0], middle, parts[-1]


def _coordinate(value: Any, limit: float) -> float | None:
    try:
        number = float(str(value).strip()) if value is not None and value != "" else None
    except ValueError:
        return None
    if number is None or math.isnan(number) or abs(number) > limit:
        return None
    return number


def display_text(value: Any, mojibake: bool = False) -> str | None:
    found = text(value)
    return repair(found) if found and mojibake else found
