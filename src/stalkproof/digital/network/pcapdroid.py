"""Contacts in a PCAPdroid connections export (CSV), one per connection, with the app that made it.

PCAPdroid (an Android app that records a phone's traffic without root) exports its connection list as
CSV with a header row such as `IPProto,SrcIP,SrcPort,DstIp,DstPort,UID,App,Proto,Status,Info,BytesSent,
BytesRcvd,PktsSent,PktsRcvd,FirstSeen,LastSeen` (some versions add `Malicious`). Columns are found by
their header name, in any order and any letter case. Relied on:

- `DstIp` and `DstPort`: the address and port connected to (required);
- `Info`: the name behind the connection, the DNS query, TLS server name or HTTP host (optional);
- `App`: the app's name as PCAPdroid shows it (a label or package name), else `UID` (optional);
- `FirstSeen`: when the connection began, in milliseconds (or seconds) since 1970 (optional);
- `IPProto`, `Proto`, `SrcIP`: transport, application protocol, and the phone's own address (optional).

PCAPdroid does not quote its fields, so an app name containing a comma makes a row longer than the
header: the extra pieces are joined back into the `App` column.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from stalkproof.digital.network.contact import Contact, ReadNotes, address, from_epoch, host_or_address
from stalkproof.errors import InputError

name = "pcapdroid"
expects = "a PCAPdroid connections export (CSV with DstIp, DstPort and Info columns)"

_REQUIRED = ("dstip", "dstport")
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmp"}
_MILLISECONDS_AFTER = 100_000_000_000  # larger "seconds" would be after the year 5000


def detect(path: Path) -> bool:
    with path.open("rb") as stream:
        first = stream.readline(4096).decode("utf-8", errors="replace").lstrip("\ufeff")
    columns = _columns(next(csv.reader([first]), []))
    return all(column in columns for column in _REQUIRED) and "srcip" in columns


def read(path: Path, notes: ReadNotes | None = None) -> Iterator[Contact]:
    notes = notes if notes is not None else ReadNotes()
    notes.format = "pcapdroid"
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as stream:
        rows = csv.reader(stream)
        columns = _columns(next(rows, []))
        missing = [column for column in _REQUIRED if column not in columns]
        if missing:
            raise InputError("this PCAPdroid export has no DstIp or DstPort column.", path, 1)
        for number, row in enumerate(rows, start=2):
            if not any(cell.strip() for cell in row):
                continue
            fields = _fields(row, columns)
            if fields is None:
                notes.skipped["bad_lines"] += 1
                continue
            notes.records += 1
            contact = _contact(fields, number)
            notes.saw(contact.time)
            yield contact


def _columns(header: list[str]) -> dict[str, int]:
    return {cell.strip().lower(): index for index, cell in enumerate(header)}


def _fields(row: list[str], columns: dict[str, int]) -> dict[str, str] | None:
    """The row's cells by lower-case column name, or None when they cannot be lined up with the header."""
    extra = len(row) - len(columns)
    if extra < 0:
        return None
    if extra > 0:
        app = columns.get("app")
        if app is None:
            return None
        row = [*row[:app], ",".join(row[app : app + extra + 1]), *row[app + extra + 1 :]]
    return {column: row[index].strip() for column, index in columns.items()}


def _contact(fields: dict[str, str], number: int) -> Contact:
    info = fields.get("info", "")
    host = (urlsplit(info).hostname or "") if "://" in info else info
    domain, named_ip = host_or_address(host)
    uid = fields.get("uid", "")
    app = fields.get("app") or (f"the app with user id {uid}" if uid else None)
    protocol = fields.get("ipproto", "").lower()
    return Contact(
        time=_time(fields.get("firstseen", "")),
        domain=domain,
        ip=address(fields["dstip"]) or named_ip,
        port=int(fields["dstport"]) if fields["dstport"].isdigit() else None,
        protocol=_PROTOCOLS.get(protocol, protocol or "unknown"),
        app=app,
        how="pcapdroid",
        source=f"line {number}",
        client=address(fields.get("srcip", "")),
    )


def _time(text: str) -> datetime | None:
    try:
        value = float(text)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return from_epoch(value / 1000 if value > _MILLISECONDS_AFTER else value)
