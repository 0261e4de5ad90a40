"""Any other login history saved as CSV: a bank, an email provider, a spreadsheet someone kept.

Columns are recognised by their header's words (below), or named in a mapping, in the house style of
`stalkproof.ingest.csv_mapped` (a YAML file or a dict; `time` takes the same `{column, format, zone}`):

    platform: example-bank
    time: {column: "Signed in", format: "%d/%m/%Y %H:%M", zone: Europe/London}
    ip: "IP"
    device: "Device"
    country: "Country"
    status: {column: "Result", failed: ["Wrong password"], ended: ["Signed out"]}

Without a mapping, a time must be Unix seconds or milliseconds, ISO 8601, or "YYYY-MM-DD HH:MM[:SS]"
(optionally followed by "UTC"): a date such as 03/04/2024 is read only with a mapping, because only the
person who knows the file can say which is the day. A time without a zone is taken as UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from stalkproof.datafile import read_yaml, validate
from stalkproof.digital.accounts.export import CsvRow, csv_rows, header_key, place_of, read_time, text
from stalkproof.digital.accounts.model import Origin, Session, Status
from stalkproof.digital.accounts.useragent import device_label
from stalkproof.errors import InputError
from stalkproof.ingest.csv_mapped import TimeColumn
from stalkproof.ingest.csv_mapped import read_time as read_mapped_time
from stalkproof.ingest.inputs import Input, Member

# Header words recognised without a mapping, most specific first.
HEADERS: dict[str, tuple[str, ...]] = {
    "time": (
        "login_time", "sign_in_time", "signed_in", "login_date", "activity_timestamp", "timestamp",
        "date_time", "datetime", "time", "date", "started", "start_time", "created", "when", "first_seen",
    ),
    "last_active": ("last_active", "last_seen", "last_activity", "last_used", "last_access", "updated"),
    "ip": ("ip_address", "ip", "ipaddress", "ip_addr", "source_ip", "client_ip", "last_ip"),
    "user_agent": ("user_agent", "user_agent_string", "useragent", "ua"),
    "device": ("device", "device_name", "device_model", "browser"),
    "city": ("city", "town"),
    "region": ("region", "state", "province", "county"),
    "country": ("country", "country_code", "country_name"),
    "location": ("location", "place", "where", "approximate_location"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "long", "longitude"),
    "app": ("app", "application", "client", "service", "product", "site"),
    "account": ("account", "username", "user", "email", "login"),
    "status": ("status", "result", "outcome", "event", "action"),
}  # fmt: skip
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
FAILED = ("fail", "denied", "blocked", "unsuccessful", "wrong password", "incorrect", "rejected")
ENDED = ("logout", "log out", "logged out", "signed out", "sign out", "ended", "expired", "terminated")
ACTIVE = ("active", "current", "open", "online")


class StatusColumn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    failed: list[str] = Field(default_factory=list)
    ended: list[str] = Field(default_factory=list)
    active: list[str] = Field(default_factory=list)


class AccountsCsvMapping(BaseModel):
    """Which column is what. Every field but `time` is optional; `platform` names the service."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: str = "csv"
    time: TimeColumn
    last_active: TimeColumn | None = None
    ip: str | None = None
    user_agent: str | None = None
    device: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    location: str | None = None
    lat: str | None = None
    lon: str | None = None
    app: str | None = None
    account: str | None = None
    status: StatusColumn | None = None


def read_mapping(path: Path) -> AccountsCsvMapping:
    """A mapping file, checked; errors name the line."""
    data, tree = read_yaml(path)
    return validate(AccountsCsvMapping, data, path, tree)


class GenericCsvReader:
    name = "csv"
    label = "a CSV file with a time column"

    def __init__(self, mapping: AccountsCsvMapping | Mapping[str, object] | None = None) -> None:
        if mapping is not None and not isinstance(mapping, AccountsCsvMapping):
            mapping = AccountsCsvMapping.model_validate(mapping)
        self.mapping = mapping
        self.notes: list[str] = []

    def detect(self, export: Input) -> float:
        members = [member for member in export.members if member.name.casefold().endswith(CSV_SUFFIXES)]
        if not members:
            return 0.0
        if self.mapping is not None:
            return 0.7
        return 0.3 if any(_recognised(_header_words(member)) for member in members) else 0.0

    def read(self, export: Input) -> Iterator[Session]:
        for member in export.members:
            if member.name.casefold().endswith(CSV_SUFFIXES):
                yield from self._read_member(export, member)

    def _read_member(self, export: Input, member: Member) -> Iterator[Session]:
        where = export.where(member)
        header, rows = csv_rows(export, member)
        mapping = self.mapping or _auto_mapping(header)
        if mapping is None:
            return
        _check_columns(mapping, header, where)
        unread: list[CsvRow] = []
        given = 0
        for row in rows:
            session = _session(row, mapping, Origin(where, row.line, f"row {row.line}"))
            if session is None:
                unread.append(row)
                continue
            given += 1
            yield session
        if unread:
            self._unread(unread, mapping, where, read_any=given > 0)

    def _unread(self, unread: list[CsvRow], mapping: AccountsCsvMapping, where: str, read_any: bool) -> None:
        sample = unread[0].cells.get(header_key(mapping.time.column), "")
        if not read_any:
            raise InputError(
                f"the time column '{mapping.time.column}' holds '{sample}', which stalkproof cannot read "
                "as a date and time; pass a mapping that gives its format.",
                where,
                unread[0].line,
            )
        lines = ", ".join(str(row.line) for row in unread[:5]) + (" …" if len(unread) > 5 else "")
        self.notes.append(
            f"{where}: {len(unread)} row(s) without a readable time were left out (lines {lines})."
        )


def _header_words(member: Member) -> list[str]:
    first_line = member.head(4096).split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff")
    for delimiter in (",", ";", "\t"):
        if delimiter in first_line:
            return [header_key(name.strip('"')) for name in first_line.split(delimiter)]
    return [header_key(first_line)]


def _recognised(header: list[str]) -> bool:
    return any(name in header for name in HEADERS["time"])


def _auto_mapping(header: list[str]) -> AccountsCsvMapping | None:
    found = {
        field: next((name for name in names if name in header), None) for field, names in HEADERS.items()
    }
    time_column = found.pop("time")
    if time_column is None:
        return None
    last_active = found.pop("last_active")
    status = found.pop("status")
    return AccountsCsvMapping.model_validate(
        {
            **found,
            "time": TimeColumn(column=time_column, format="auto"),
            "last_active": TimeColumn(column=last_active, format="auto") if last_active else None,
            "status": StatusColumn(column=status) if status else None,
        }
    )


def _check_columns(mapping: AccountsCsvMapping, header: list[str], where: str) -> None:
    named = [mapping.time.column, mapping.last_active.column if mapping.last_active else None]
    named += [getattr(mapping, field) for field in HEADERS if field not in ("time", "last_active", "status")]
    named.append(mapping.status.column if mapping.status else None)
    missing = [column for column in named if column and header_key(column) not in header]
    if missing:
        raise InputError(
            f"the mapping names column(s) this file does not have: {', '.join(missing)}.", where, 1
        )


def _value(row: CsvRow, column: str | None) -> str | None:
    return text(row.cells.get(header_key(column))) if column else None


def _time(row: CsvRow, spec: TimeColumn | None) -> tuple[datetime, bool] | None:
    if spec is None:
        return None
    found = _value(row, spec.column)
    if found is None:
        return None
    if spec.format == "auto":
        return read_time(found)
    try:
        when = read_mapped_time(found, spec)
    except ValueError:
        return None
    moment = when.at
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC), False
    return moment.astimezone(UTC), True


def _session(row: CsvRow, mapping: AccountsCsvMapping, origin: Origin) -> Session | None:
    started = _time(row, mapping.time)
    if started is None:
        return None
    last = _time(row, mapping.last_active)
    user_agent = _value(row, mapping.user_agent)
    named = _value(row, mapping.device)
    return Session(
        platform=mapping.platform,
        origin=origin,
        started=started[0],
        last_active=last[0] if last else None,
        device=named or device_label(user_agent),
        user_agent=user_agent,
        ip=_value(row, mapping.ip),
        place=place_of(
            _value(row, mapping.city),
            _value(row, mapping.region),
            _value(row, mapping.country),
            lat=_value(row, mapping.lat),
            lon=_value(row, mapping.lon),
            written=_value(row, mapping.location),
        ),
        app=_value(row, mapping.app),
        status=_status(_value(row, mapping.status.column) if mapping.status else None, mapping.status),
        account=_value(row, mapping.account),
        zone_known=started[1],
    )


def _status(value: str | None, spec: StatusColumn | None) -> Status:
    if value is None or spec is None:
        return "login"
    words = value.casefold()
    given: tuple[tuple[list[str], Status], ...] = (
        (spec.failed, "login_failed"),
        (spec.ended, "ended"),
        (spec.active, "active"),
    )
    for values, status in given:
        if any(words == candidate.casefold() for candidate in values):
            return status
    if any(word in words for word in FAILED):
        return "login_failed"
    if any(word in words for word in ENDED):
        return "ended"
    return "active" if words in ACTIVE else "login"
