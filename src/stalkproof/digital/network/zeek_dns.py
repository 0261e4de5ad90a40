"""Contacts in a Zeek `dns.log`, in Zeek's tab-separated form (with its `#fields` header) or as JSON lines.

Each entry gives one contact for the name asked (`query`), one for each address in `answers` (paired with
that name) and one for each other name in `answers` (CNAME targets). `ts` dates it (seconds since 1970,
or ISO 8601 in JSON), `id.orig_h` names the device that asked, `id.resp_p` and `proto` the DNS server's
port and transport. Lines that do not fit the header are counted and skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stalkproof.digital.network.contact import Contact, ReadNotes, address, from_epoch, host_or_address
from stalkproof.errors import InputError

name = "zeek_dns"
expects = "a Zeek dns.log (tab-separated with its #fields header, or JSON lines)"

_SNIFF_BYTES = 8192
_QUERY = "query"


def detect(path: Path) -> bool:
    head = _head(path)
    if head.startswith("#separator"):
        header = _header_of(head)
        return header.path == "dns" or (not header.path and _QUERY in header.fields)
    first = next((line for line in head.splitlines() if line.strip()), "")
    entry = _json_object(first)
    return entry is not None and _QUERY in entry and ("ts" in entry or "uid" in entry)


def log_name(path: Path) -> str | None:
    """The kind of Zeek log `path` is ("conn", "ssl", "" if unnamed), or None if it is not a Zeek log."""
    head = _head(path)
    return _header_of(head).path if head.startswith("#separator") else None


def _header_of(head: str) -> _Header:
    header = _Header()
    for line in head.splitlines():
        if line.startswith("#"):
            header.read(line)
    return header


def read(path: Path, notes: ReadNotes | None = None) -> Iterator[Contact]:
    notes = notes if notes is not None else ReadNotes()
    notes.format = "zeek_dns"
    with path.open(encoding="utf-8", errors="replace", newline="") as stream:
        lines = (line.rstrip("\r\n") for line in stream)
        if _head(path).startswith("#separator"):
            yield from _tsv(path, lines, notes)
        else:
            yield from _json_lines(lines, notes)


def _head(path: Path) -> str:
    with path.open("rb") as stream:
        return stream.read(_SNIFF_BYTES).decode("utf-8", errors="replace").lstrip("\ufeff")


def _json_object(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class _Header:
    """The `#` lines of a tab-separated Zeek log; a log may repeat them (logs joined end to end)."""

    def __init__(self) -> None:
        self.separator = "\t"
        self.set_separator = ","
        self.unset = "-"
        self.empty = "(empty)"
        self.path = ""
        self.fields: list[str] = []

    def read(self, line: str) -> None:
        key, _, value = line[1:].partition(self.separator if not line.startswith("#separator") else " ")
        if key == "separator":
            self.separator = value.strip().encode("ascii", "replace").decode("unicode_escape") or "\t"
        elif key == "set_separator":
            self.set_separator = value
        elif key == "unset_field":
            self.unset = value
        elif key == "empty_field":
            self.empty = value
        elif key == "path":
            self.path = value
        elif key == "fields":
            self.fields = value.split(self.separator)


def _tsv(path: Path, lines: Iterator[str], notes: ReadNotes) -> Iterator[Contact]:
    header = _Header()
    for number, line in enumerate(lines, start=1):
        if line.startswith("#"):
            header.read(line)
            if line.startswith("#fields") and _QUERY not in header.fields:
                raise InputError("this Zeek log has no 'query' column, so it is not a dns.log.", path, number)
            continue
        if not line.strip():
            continue
        values = line.split(header.separator)
        if not header.fields or len(values) != len(header.fields):
            notes.skipped["bad_lines"] += 1
            continue
        notes.records += 1
        entry = {
            field: (None if value in (header.unset, header.empty) else value)
            for field, value in zip(header.fields, values, strict=True)
        }
        answers = (entry.get("answers") or "").split(header.set_separator)
        yield from _contacts(entry, [answer for answer in answers if answer], number, notes)


def _json_lines(lines: Iterator[str], notes: ReadNotes) -> Iterator[Contact]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        entry = _json_object(line)
        if entry is None or _QUERY not in entry:
            notes.skipped["bad_lines"] += 1
            continue
        notes.records += 1
        flat = _flatten(entry)
        answers = flat.get("answers")
        listed = [str(answer) for answer in answers] if isinstance(answers, list) else []
        yield from _contacts(flat, listed, number, notes)


def _flatten(entry: Mapping[str, Any]) -> dict[str, Any]:
    """`{"id": {"orig_h": …}}` (as some log shippers write it) the same as Zeek's own `"id.orig_h"`."""
    flat = dict(entry)
    nested = entry.get("id")
    if isinstance(nested, Mapping):
        flat.update({f"id.{key}": value for key, value in nested.items()})
    return flat


def _contacts(entry: Mapping[str, Any], answers: list[str], number: int, notes: ReadNotes) -> list[Contact]:
    time = _time(entry.get("ts"))
    notes.saw(time)
    asked, _ = host_or_address(str(entry.get(_QUERY) or ""))
    client = address(str(entry.get("id.orig_h") or ""))
    port = _port(entry.get("id.resp_p"))
    protocol = str(entry.get("proto") or "udp").lower()

    def contact(domain: str | None, ip: str | None) -> Contact:
        return Contact(time, domain, ip, port, protocol, None, "dns", f"line {number}", client)

    found = [contact(asked, None)] if asked else []
    for answer in answers:
        domain, ip = host_or_address(answer)
        if ip is not None and asked:
            found.append(contact(asked, ip))
        elif domain is not None:
            found.append(contact(domain, None))
    return found


def _time(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_epoch(float(value))
    if isinstance(value, str) and value:
        try:
            return from_epoch(float(value))
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _port(value: Any) -> int | None:
    try:
        port = int(str(value))
    except ValueError:
        return None
    return port if 0 <= port <= 65535 else None
