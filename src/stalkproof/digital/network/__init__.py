"""`stalkproof network check PATH`: contacts with spying products' servers and websites in a recording.

Reads a pcap or pcapng recording, a Zeek `dns.log` (tab-separated or JSON lines) or a PCAPdroid CSV
export (or a folder holding such files), matches every name and address against the indicator lists,
and reports one alert per listed value and kind of match, with when and how often it was seen. Each
format has its own reader module (`pcap.py`, `zeek_dns.py`, `pcapdroid.py`); matching and wording are in
`checks.py` and `wording.yaml`.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from stalkproof.digital.findings import CheckReport, InputFile
from stalkproof.digital.indicators.model import IndicatorSet
from stalkproof.digital.network.checks import ContactMatcher
from stalkproof.digital.network.contact import Reader, ReadNotes
from stalkproof.digital.network.formats import reader_for, recognised
from stalkproof.digital.network.wording import SKIP_REASONS, NetworkWording, load_network_wording
from stalkproof.errors import InputError

__all__ = ["check_network"]

_NOTHING_IN_IT = {
    "pcap": "this recording holds no packets, so there was nothing to check.",
    "zeek_dns": "this DNS log has no entries, so there was nothing to check.",
    "pcapdroid": "this PCAPdroid export lists no connections, so there was nothing to check.",
}
_DAMAGED_BEFORE_FIRST = (
    "this recording stops part-way through its first packet, so nothing in it could be read."
)


def check_network(path: Path, indicators: IndicatorSet) -> CheckReport:
    """The report for one recording or log, or for every one of them in a folder."""
    wording = load_network_wording()
    files = _files(path)
    report = CheckReport(check="network", indicator_sources=list(indicators.sources))
    matcher = ContactMatcher(indicators, wording)
    read: list[tuple[Path, Reader, ReadNotes]] = []
    for file, reader in files:
        report.inputs.append(InputFile.of(file))
        notes = ReadNotes()
        origin = file.name if len(files) > 1 else ""
        for contact in reader.read(file, notes):
            matcher.add(contact, origin)
        if notes.records == 0:
            nothing = _DAMAGED_BEFORE_FIRST if notes.damaged_end else _NOTHING_IN_IT[reader.name]
            raise InputError(nothing, file)
        read.append((file, reader, notes))
    report.add(matcher.alerts())
    report.checked = _checked(wording, read, indicators, matcher)
    report.not_checked = _not_checked(wording, read)
    report.details = {
        "files": [_file_details(file, reader, notes) for file, reader, notes in read],
        "contacts": matcher.contacts,
        "not_read": [str(item) for item in _unrecognised(path)],
    }
    return report


def _files(path: Path) -> list[tuple[Path, Reader]]:
    if not path.is_dir():
        return [(path, reader_for(path))]
    found = [item for item in sorted(path.rglob("*")) if recognised(item)]
    if not found:
        raise InputError(
            "this folder holds no pcap or pcapng recording, Zeek dns.log or PCAPdroid export.", path
        )
    return [(item, reader_for(item)) for item in found]


def _unrecognised(path: Path) -> list[Path]:
    if not path.is_dir():
        return []
    return [item for item in sorted(path.rglob("*")) if item.is_file() and not recognised(item)]


def _checked(
    wording: NetworkWording,
    read: list[tuple[Path, Reader, ReadNotes]],
    indicators: IndicatorSet,
    matcher: ContactMatcher,
) -> list[str]:
    records: Counter[str] = Counter()
    for _, reader, notes in read:
        records[reader.name] += notes.records
    sentences = [getattr(wording.checked, name).format(records=count) for name, count in records.items()]
    sources = ", ".join(dict.fromkeys(matcher.source_name(source) for source in indicators.sources))
    sentences.append(wording.checked.compared.format(sources=sources or "none"))
    sentences.append(wording.checked.dynamic_dns.format(threshold=wording.dynamic_dns.min_contacts))
    return sentences


def _not_checked(wording: NetworkWording, read: list[tuple[Path, Reader, ReadNotes]]) -> list[str]:
    words = wording.not_checked
    sentences = list(words.always)
    for name in dict.fromkeys(reader.name for _, reader, _ in read):
        sentences.extend(getattr(words, name))
    times = [time for _, _, notes in read for time in (notes.first_time, notes.last_time) if time]
    if times:
        first, last = (moment.strftime(wording.time_format) for moment in (min(times), max(times)))
        sentences.append(words.covers.format(first=first, last=last))
    else:
        sentences.append(words.no_times)
    several = len(read) > 1
    for file, _, notes in read:
        prefix = f"{file.name}: " if several else ""
        if notes.damaged_end:
            sentences.append(prefix + words.damaged_end)
        for reason in SKIP_REASONS:
            count = notes.skipped.get(reason, 0)
            if count:
                types = ", ".join(str(kind) for kind in sorted(notes.unsupported_link_types))
                sentences.append(prefix + words.skipped[reason].format(count=count, types=types))
    return sentences


def _file_details(file: Path, reader: Reader, notes: ReadNotes) -> dict[str, Any]:
    def moment(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "path": str(file),
        "format": notes.format or reader.name,
        "records": notes.records,
        "skipped": dict(notes.skipped),
        "unsupported_link_types": sorted(notes.unsupported_link_types),
        "damaged_end": notes.damaged_end,
        "first_time": moment(notes.first_time),
        "last_time": moment(notes.last_time),
    }
