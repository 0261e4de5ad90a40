"""What the source tests share: parse everything with warnings collected, check that each record's raw
bytes are exactly the file's bytes at its origin, and measure a parse's peak memory."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stalkproof.ingest.base import Context, ParseWarning, Record, Source
from stalkproof.ingest.inputs import Input, open_input


def parse_all(source: Source, path: Path, **options: Any) -> tuple[list[Record], list[ParseWarning]]:
    """Every record and every warning of `source` on `path`, with Context options such as `me`."""
    warnings: list[ParseWarning] = []
    with open_input(path) as inp:
        records = list(source.parse(inp, Context(on_warning=warnings.append, **options)))
    return records, warnings


def check_spans(path: Path, records: list[Record]) -> None:
    """Each record's raw bytes are the bytes at its origin, on the lines it names. `path` is the file, or
    the folder its members are in."""
    for record in records:
        origin = record.origin
        assert origin.offset is not None and origin.line is not None
        data = path.read_bytes() if path.is_file() else (path / origin.member).read_bytes()
        assert data[origin.offset : origin.offset + origin.length] == record.raw
        assert data.count(b"\n", 0, origin.offset) + 1 == origin.line
        assert origin.end_line == origin.line + record.raw.count(b"\n")


def details(record: Record) -> dict[str, Any]:
    assert record.details is not None
    return dict(record.details)


def peak_while_parsing(source: Source, inp: Input) -> tuple[int, int]:
    """(records parsed, peak bytes Python allocated meanwhile)."""
    tracemalloc.start()
    try:
        seen = sum(1 for _ in source.parse(inp, Context()))
        return seen, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def assert_memory_stays_flat(
    source: Source, write: Callable[[Path, int], Path], folder: Path, counts: tuple[int, int] = (500, 5_000)
) -> None:
    """Ten times the records (an input of over 18 MiB against one of over 1.8 MiB) must not take even twice
    the peak memory: the parse streams. `write(empty_folder, count)` makes an input and returns its path."""
    readings = []
    for count in counts:
        target = folder / f"run-{count}"
        target.mkdir()
        with open_input(write(target, count)) as inp:
            size = sum(member.size for member in inp.members)
            seen, peak = peak_while_parsing(source, inp)
        assert seen == count
        readings.append((size, peak))
    (small_size, small_peak), (large_size, large_peak) = readings
    assert small_size > 1.8 * 2**20 and large_size > 18 * 2**20
    assert large_peak < 2 * small_peak
