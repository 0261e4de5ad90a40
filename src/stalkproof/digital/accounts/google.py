"""Google Takeout's "Access Log Activity": which devices and places used the Google account.

Written from public descriptions of Takeout, so columns are found by their header's words, not their
position, and several spellings are accepted. Files read (in `Access Log Activity/` or anywhere):
- `Activities - A list of Google services accessed by….csv` with "Gaia ID", "Activity Timestamp"
  ("2024-03-02 08:15:02 UTC"), "IP Address", "Activity Country" (a two-letter code), "Activity Region",
  "Activity City", "User Agent String", "Product Name", "Sub-Product Name", "Activity Type";
- `Devices - A list of devices….csv`, if present: one row per device with "Device Type", "Brand Name",
  "Device Model" or "Marketing Name", "OS", and its first and last sync times ("Device Last Sync
  Timestamp" and kin). Each device becomes one session from its first to its last sync.
"""

from __future__ import annotations

from collections.abc import Iterator

from stalkproof.digital.accounts.export import CsvRow, csv_rows, header_key, place_of, read_time, text
from stalkproof.digital.accounts.model import Origin, Session
from stalkproof.digital.accounts.useragent import device_label
from stalkproof.ingest.inputs import Input, Member

ACTIVITY_PREFIX = "activities - "
DEVICES_PREFIX = "devices - "
TIME_COLUMNS = ("activity_timestamp", "timestamp", "activity_time", "time")
FIRST_SYNC = ("device_first_sync_timestamp", "first_sync_timestamp", "device_first_sync", "first_sync")
LAST_SYNC = (
    "device_last_sync_timestamp",
    "last_sync_timestamp",
    "device_last_sync",
    "last_sync",
    "last_activity_timestamp",
)


class GoogleReader:
    name = "google"
    label = "Google Takeout's Access Log Activity (CSV)"

    def __init__(self) -> None:
        self.notes: list[str] = []

    def detect(self, export: Input) -> float:
        return 0.95 if any(True for _ in _members(export, ACTIVITY_PREFIX)) else 0.0

    def read(self, export: Input) -> Iterator[Session]:
        for member in _members(export, ACTIVITY_PREFIX):
            _, rows = csv_rows(export, member)
            for row in rows:
                session = _activity(row, Origin(export.where(member), row.line, f"row {row.line}"))
                if session is not None:
                    yield session
        for member in _members(export, DEVICES_PREFIX):
            _, rows = csv_rows(export, member)
            for row in rows:
                session = _device(row, Origin(export.where(member), row.line, f"row {row.line}"))
                if session is not None:
                    yield session


def _members(export: Input, prefix: str) -> Iterator[Member]:
    """Files named as Takeout names them; an activity log renamed by someone is known by its header."""
    for member in export.members:
        name = member.basename.casefold()
        if not name.endswith(".csv"):
            continue
        if name.startswith(prefix) or (prefix == ACTIVITY_PREFIX and _activity_header(member)):
            yield member


def _activity_header(member: Member) -> bool:
    first_line = member.head(4096).split(b"\n", 1)[0].decode("utf-8", errors="replace")
    words = {header_key(name) for name in first_line.split(",")}
    return "activity_timestamp" in words and bool(words & {"ip_address", "user_agent_string"})


def _cell(row: CsvRow, *columns: str) -> str | None:
    for column in columns:
        found = text(row.cells.get(column))
        if found:
            return found
    return None


def _activity(row: CsvRow, origin: Origin) -> Session | None:
    found = read_time(_cell(row, *TIME_COLUMNS))
    if found is None:
        return None
    moment, zone_known = found
    user_agent = _cell(row, "user_agent_string", "user_agent")
    kind = _cell(row, "activity_type", "type") or ""
    product = _cell(row, "product_name", "product")
    sub_product = _cell(row, "sub_product_name", "sub_product")
    return Session(
        platform="google",
        origin=origin,
        started=moment,
        device=device_label(user_agent),
        user_agent=user_agent,
        ip=_cell(row, "ip_address", "ip"),
        place=place_of(
            _cell(row, "activity_city", "city"),
            _cell(row, "activity_region", "region"),
            _cell(row, "activity_country", "country"),
        ),
        app=" / ".join(part for part in (product, sub_product) if part) or None,
        status="login_failed" if "fail" in kind.casefold() else "login",
        account=_cell(row, "gaia_id", "account"),
        zone_known=zone_known,
        extra={"activity_type": kind} if kind else {},
    )


def _device(row: CsvRow, origin: Origin) -> Session | None:
    first_sync = read_time(_cell(row, *FIRST_SYNC))
    last_sync = read_time(_cell(row, *LAST_SYNC))
    if first_sync is None and last_sync is None:
        return None
    brand = _cell(row, "brand_name", "brand", "manufacturer")
    model = _cell(row, "marketing_name", "device_model", "model", "device_name")
    system = _cell(row, "os", "os_version", "operating_system")
    named = " ".join(part for part in (brand, model) if part)
    device = f"{named} ({system})" if named and system else named or system or ""
    return Session(
        platform="google",
        origin=origin,
        started=first_sync[0] if first_sync else None,
        last_active=last_sync[0] if last_sync else None,
        device=device,
        ip=_cell(row, "ip_address", "device_last_ip_address"),
        app="Google account (device list)",
        status="login",
        listed_device=True,
        zone_known=(first_sync or last_sync or (None, True))[1],
        extra={"device_type": kind} if (kind := _cell(row, "device_type", "type")) else {},
    )
