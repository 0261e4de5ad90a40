"""Import benchmark: `python bench/import.py` (see `--help` for sizes).

Everything is measured side by side in one run, each figure in a fresh child process, on generated inputs
(fictional people, fixed seed) written under /tmp and removed at the end:

1. WhatsApp parse messages/s and peak RSS on a 1,000,000-line en-GB Android export (~100 MB): stalkproof's
   parser without hashing (the peers do not hash) and with a SHA-256 of every record's raw bytes, then the
   peers whatstk and chat-miner on the same file (`pip install -e .[bench]`). Goals: >= 500,000 msg/s and
   >= 20x whatstk. Message counts are compared and any difference printed. The parse runs the compiled loop
   when it is built (setup.py), and the pure-Python loop is measured beside it (STALKPROOF_PURE_PYTHON=1).
2. A full import of that file into a fresh SQLCipher vault: survey, original encrypted as an exhibit,
   batches with dedup lookups, events, ledger, checkpoint. Goal >= 100,000 msg/s, peak RSS < 150 MB. Beside
   it, the vault's write floor: the rows that import stored, written again prebuilt, so nothing but the
   database's own work is timed; no import can be faster than that on the same machine.
3. Peak RSS of the same full import on a 10 MB and a larger file: streaming means it must not grow.
4. JSON sources: Telegram `result.json` and Messenger `message_N.json` files (goal >= 200,000 msg/s each).
5. mbox header scan (the email source's survey, goal >= 20,000 msg/s), and SMS backup and iMessage parse
   speeds for the record.

Peak RSS is VmHWM (see bench/README.md). Results are printed as a table and written to
bench/results/import.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# Run as a script from anywhere: make the repository importable so the shared bench helpers are found.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Connection

from bench.common import FAST_KDF, MB, PASSPHRASE, peak_rss_mb
from stalkproof.evidence.cases import create_case
from stalkproof.evidence.imports import ImportRequest, run_import
from stalkproof.ingest.base import Context
from stalkproof.ingest.inputs import open_input
from stalkproof.ingest.json_compiled import split_path
from stalkproof.ingest.registry import source_named
from stalkproof.ingest.whatsapp_compiled import PURE_PYTHON_VARIABLE, parse_path
from stalkproof.vault.schema import events, ledger
from stalkproof.vault.vault import Vault

RESULTS = Path(__file__).with_name("results") / "import.json"
WHATSAPP_HFORMAT = "%d/%m/%Y, %H:%M - %name:"
SEQ_GAP = 1_000_000_000
JSON_SOURCES = ("telegram", "messenger")


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    goal: str = ""
    met: bool | None = None
    note: str = ""


# -- inputs -------------------------------------------------------------------------------------------


def make_whatsapp(folder: Path, lines: int) -> Path:
    from stalkproof.demo.exports.whatsapp import write_bench_file

    return write_bench_file(folder / "WhatsApp Chat with Sam Taylor.txt", lines)


def make_telegram(folder: Path, count: int) -> Path:
    from stalkproof.demo.exports import telegram

    path = folder / "result.json"
    with path.open("wb") as out:
        telegram.write_synthetic(out, count)
    return path


def make_messenger(folder: Path, count: int) -> Path:
    from stalkproof.demo.exports import meta

    root = folder / "messenger"
    threads = max(1, count // 50_000)
    per_thread = count // threads
    meta.write_export(root, list(meta.synthetic_threads(threads, per_thread)), "facebook", per_file=5_000)
    return root


def make_mbox(folder: Path, count: int) -> Path:
    from stalkproof.demo.exports.mailbox import write_generated_mbox

    return write_generated_mbox(folder / "mail.mbox", count)


def make_sms(folder: Path, count: int) -> Path:
    from stalkproof.demo.exports.sms_backup import write_generated_backup

    return write_generated_backup(folder / "sms.xml", count)


def make_imessage(folder: Path, count: int) -> Path:
    from stalkproof.demo.exports.imessage import write_generated

    path = folder / "chat.db"
    write_generated(path, count)
    return path


# -- children -----------------------------------------------------------------------------------------


def child_parse(
    source_name: str, path: Path, hashing: bool, survey_only: bool, pure: bool
) -> dict[str, float]:
    if pure:
        os.environ[PURE_PYTHON_VARIABLE] = "1"
    source, ctx = source_named(source_name), Context()
    with open_input(path) as inp:
        start = time.perf_counter()
        surveyed = source.survey(inp, ctx).records
        survey_seconds = time.perf_counter() - start
        if survey_only:
            return {"count": surveyed, "seconds": survey_seconds, "rss_mb": peak_rss_mb()}
        # An import surveys first (what it learns, such as the day/month order, steers the parse), so the
        # parse is timed as the store pass runs it; the survey's time is reported beside it.
        start = time.perf_counter()
        if hashing:
            count = sum(1 for record in source.parse(inp, ctx) if hashlib.sha256(record.raw).digest())
        else:
            count = sum(1 for _ in source.parse(inp, ctx))
        seconds = time.perf_counter() - start
    # The loop this child ran: WhatsApp's own, or the JSON sources' shared one.
    compiled = float((split_path() if source_name in JSON_SOURCES else parse_path()) == "compiled")
    measured = {"count": count, "seconds": seconds, "survey_seconds": survey_seconds, "rss_mb": peak_rss_mb()}
    return {**measured, "compiled": compiled}


def child_import(path: Path, folder: Path) -> dict[str, float]:
    vault, _ = Vault.create(folder, PASSPHRASE, kdf=FAST_KDF)
    case = create_case(vault, "bench")
    start = time.perf_counter()
    report = run_import(vault, case.id, ImportRequest(path=path, zone="Europe/London"))
    vault.close()
    seconds = time.perf_counter() - start
    return {"count": report.new, "seconds": seconds, "rss_mb": peak_rss_mb()}


def child_floor(path: Path, folder: Path) -> dict[str, float]:
    """The database's own write time for exactly what a full import stores: the import is run once,
    untimed, then its event rows and their ledger entries are read back and written again, prebuilt, in
    the import's batch size, one transaction each, to two targets side by side:

    - a fresh vault (SQLCipher, on disk, as an import writes): no parsing, hashing or row building is left,
      so no full import can be faster on this machine while each message is a row with a ledger entry;
    - the same two tables in an in-memory SQLite database (the same library, no encryption, no disk): the
      B-tree and index work alone, which no choice of page size, cipher or journal can remove.

    Foreign-key checks are off (the rows point at a case, sources and accounts the targets do not have),
    which makes both floors a little lower than the import's true one."""
    first, _ = Vault.create(folder / "first", PASSPHRASE, kdf=FAST_KDF)
    case = create_case(first, "bench")
    request = ImportRequest(path=path, zone="Europe/London")
    run_import(first, case.id, request)
    second, _ = Vault.create(folder / "second", PASSPHRASE, kdf=FAST_KDF)
    in_memory = _in_memory_tables()
    count, seconds = 0, {"vault": 0.0, "memory": 0.0}
    with first.read() as reading, second.read() as writing:
        vault_target = _driver(writing)
        vault_target.execute("PRAGMA foreign_keys=OFF")
        targets = {"vault": vault_target, "memory": in_memory}
        for target in targets.values():
            target.isolation_level = None  # BEGIN and COMMIT as written below
        for event_rows, entry_rows in _stored_batches(_driver(reading), request.batch):
            for name, target in targets.items():
                seconds[name] += _timed_batch(target, event_rows, entry_rows)
            count += len(event_rows)
    first.close()
    second.close()
    in_memory.close()
    return {
        "count": count,
        "seconds": seconds["vault"],
        "memory_seconds": seconds["memory"],
        "rss_mb": peak_rss_mb(),
    }


_EVENT_NAMES = [column.name for column in events.columns]
_LEDGER_NAMES = [column.name for column in ledger.columns]


def _stored_batches(reading: Any, batch: int) -> Iterator[tuple[list[Any], list[Any]]]:
    """The stored events and their ledger entries, a batch at a time, so memory stays that of one batch."""
    stored_events = reading.execute(f"SELECT {', '.join(_EVENT_NAMES)} FROM events ORDER BY id")
    stored_entries = reading.execute(
        f"SELECT {', '.join(_LEDGER_NAMES)} FROM ledger WHERE object_type = 'events' ORDER BY seq"
    )
    while rows := stored_events.fetchmany(batch):
        # After the fresh vault's own entries, which share the ledger's sequence.
        yield rows, [(seq + SEQ_GAP, *rest) for seq, *rest in stored_entries.fetchmany(batch)]


def _timed_batch(target: Any, event_rows: list[Any], entry_rows: list[Any]) -> float:
    start = time.perf_counter()
    target.execute("BEGIN")
    target.executemany(_insert(events.name, _EVENT_NAMES), event_rows)
    target.executemany(_insert(ledger.name, _LEDGER_NAMES), entry_rows)
    target.execute("COMMIT")
    return time.perf_counter() - start


def _in_memory_tables() -> Any:
    """The vault's events and ledger tables with all their indexes, in memory (SQLCipher's SQLite, no key)."""
    import sqlcipher3
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    connection = sqlcipher3.connect(":memory:")
    dialect = sqlite.dialect()
    for table in (events, ledger):
        connection.execute(str(CreateTable(table).compile(dialect=dialect)))
        for index in table.indexes:
            connection.execute(str(CreateIndex(index).compile(dialect=dialect)))
    return connection


def _driver(connection: Connection) -> Any:
    driver = connection.connection.driver_connection
    assert driver is not None  # a live SQLCipher connection
    return driver


def _insert(table: str, names: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def child_peer(peer: str, path: Path) -> dict[str, float]:
    start = time.perf_counter()
    if peer == "whatstk":
        from whatstk import WhatsAppChat

        count = len(WhatsAppChat.from_source(str(path), hformat=WHATSAPP_HFORMAT, max_size=None).df)
    else:
        from chatminer.chatparsers import WhatsAppParser

        parser = WhatsAppParser(str(path))
        parser.parse_file()
        count = len(parser.parsed_messages.get_df())
    return {"count": count, "seconds": time.perf_counter() - start, "rss_mb": peak_rss_mb()}


def run_child(*arguments: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *arguments],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child {arguments} failed: {done.stderr.strip()[-2000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return {key: float(value) for key, value in data.items()}


# -- figures ------------------------------------------------------------------------------------------


def rate(measured: dict[str, float]) -> float:
    return measured["count"] / measured["seconds"]


def at_least(name: str, value: float, unit: str, goal: float | None, note: str = "") -> Figure:
    if goal is None:
        return Figure(name, value, unit, note=note)
    return Figure(name, value, unit, f">= {goal:,.0f}", value >= goal, note)


def bench_whatsapp(settings: argparse.Namespace, folder: Path, figures: list[Figure]) -> None:
    path = make_whatsapp(folder, settings.lines)
    size = path.stat().st_size / MB
    plain = run_child("parse", "whatsapp", str(path))
    pure = run_child("parse", "whatsapp", str(path), "--pure")
    hashed = run_child("parse", "whatsapp", str(path), "--hash")
    count = plain["count"]
    loop = "compiled" if plain["compiled"] else "pure Python"
    print(f"WhatsApp parse loop: {loop}")
    note = f"{loop} loop; {settings.lines:,} lines, {size:.0f} MB, {count:,.0f} messages"
    figures.append(at_least("WhatsApp parse msg/s", rate(plain), "msg/s", 500_000, note))
    same = "" if pure["count"] == count else f" (counted {pure['count']:,.0f})"
    figures.append(at_least("WhatsApp parse (pure Python) msg/s", rate(pure), "msg/s", None, same.strip()))
    figures.append(Figure("WhatsApp survey (checking pass)", plain["survey_seconds"], "s"))
    figures.append(at_least("WhatsApp parse + SHA-256 msg/s", rate(hashed), "msg/s", None))
    figures.append(Figure("WhatsApp parse peak RSS", plain["rss_mb"], "MB", "< 150", plain["rss_mb"] < 150))
    for peer, goal in (("whatstk", 20.0), ("chat-miner", None)):
        if not settings.peers:
            break
        try:
            measured = run_child("peer", peer, str(path))
        except RuntimeError as error:
            figures.append(
                Figure(f"{peer} parse msg/s", float("nan"), "msg/s", note=f"not run: {error}"[:200])
            )
            continue
        counted = f"{measured['count']:,.0f} messages" + (
            "" if measured["count"] == count else f" (stalkproof: {count:,.0f})"
        )
        figures.append(Figure(f"{peer} parse msg/s", rate(measured), "msg/s", note=counted))
        figures.append(Figure(f"{peer} peak RSS", measured["rss_mb"], "MB"))
        ratio = rate(plain) / rate(measured)
        figures.append(at_least(f"stalkproof / {peer}", ratio, "x", goal))
    full = run_child("import", str(path), str(folder / "vault-main"))
    figures.append(at_least("full import msg/s", rate(full), "msg/s", 100_000, note))
    figures.append(Figure("full import peak RSS", full["rss_mb"], "MB", "< 150", full["rss_mb"] < 150))
    floor = run_child("floor", str(path), str(folder / "vault-floor"))
    floor_note = "the import's own event and ledger rows written again, prebuilt (no parsing or hashing)"
    figures.append(at_least("vault write floor msg/s", rate(floor), "msg/s", None, floor_note))
    figures.append(Figure("full import / vault write floor", rate(full) / rate(floor), "x"))
    in_memory = floor["count"] / floor["memory_seconds"]
    memory_note = (
        "the same rows into the same two tables in an in-memory SQLite database: no disk, no encryption"
    )
    figures.append(at_least("SQLite row floor msg/s", in_memory, "msg/s", None, memory_note))
    path.unlink()
    shutil.rmtree(folder / "vault-main")
    shutil.rmtree(folder / "vault-floor")
    bench_import_memory(settings, folder, figures)


def bench_import_memory(settings: argparse.Namespace, folder: Path, figures: list[Figure]) -> None:
    readings = {}
    for label, lines in (("10 MB", 100_000), ("large", settings.large_lines)):
        path = make_whatsapp(folder, lines)
        size = path.stat().st_size / MB
        measured = run_child("import", str(path), str(folder / f"vault-{lines}"))
        readings[label] = measured["rss_mb"]
        note = f"{size:,.0f} MB, {measured['count']:,.0f} messages"
        figures.append(
            Figure(
                f"full import peak RSS, {label}",
                measured["rss_mb"],
                "MB",
                "< 150",
                measured["rss_mb"] < 150,
                note,
            )
        )
        path.unlink()
        shutil.rmtree(folder / f"vault-{lines}")
    growth = readings["large"] - readings["10 MB"]
    figures.append(Figure("RSS growth, large vs 10 MB", growth, "MB", "< 10", growth < 10))


def bench_parsers(settings: argparse.Namespace, folder: Path, figures: list[Figure]) -> None:
    """Each source's parse; the JSON sources twice: their compiled loops (when built), then pure Python."""
    cases: list[tuple[str, str, Callable[[Path, int], Path], int, float | None, bool]] = [
        ("Telegram parse msg/s", "telegram", make_telegram, settings.json_messages, 200_000, False),
        ("Messenger parse msg/s", "messenger", make_messenger, settings.json_messages, 200_000, False),
        ("mbox header scan msg/s", "email", make_mbox, settings.mbox_messages, 20_000, True),
        ("SMS backup parse records/s", "sms_backup", make_sms, settings.sms_records, None, False),
        ("iMessage parse records/s", "imessage", make_imessage, settings.imessage_records, None, False),
    ]
    for name, source, make, count, goal, survey in cases:
        path = make(folder, count)
        measured = run_child("parse", source, str(path), *(["--survey"] if survey else []))
        note = f"{measured['count']:,.0f} records, peak RSS {measured['rss_mb']:.0f} MB"
        if source in JSON_SOURCES:
            note = f"{'compiled' if measured['compiled'] else 'pure Python'} loop; {note}"
        figures.append(at_least(name, rate(measured), "rec/s", goal, note))
        if source in JSON_SOURCES:
            pure = run_child("parse", source, str(path), "--pure")
            figures.append(Figure(name.replace(" parse", " parse (pure Python)"), rate(pure), "rec/s"))
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


# -- output -------------------------------------------------------------------------------------------


def print_table(figures: Sequence[Figure]) -> None:
    print(f"{'figure':42} {'value':>14} {'unit':6} {'goal':>10} {'met':>4}  note")
    for figure in figures:
        met = "" if figure.met is None else ("yes" if figure.met else "NO")
        value = f"{figure.value:,.1f}" if figure.value < 100 else f"{figure.value:,.0f}"
        print(f"{figure.name:42} {value:>14} {figure.unit:6} {figure.goal:>10} {met:>4}  {figure.note}")


def write_json(settings: argparse.Namespace, figures: Sequence[Figure]) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    data: dict[str, Any] = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "settings": {key: value for key, value in vars(settings).items() if key != "child"},
        "figures": [asdict(figure) for figure in figures],
    }
    RESULTS.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--lines", type=int, default=1_000_000, help="WhatsApp export lines")
    parser.add_argument("--large-lines", type=int, default=3_000_000, help="lines of the large RSS file")
    parser.add_argument("--json-messages", type=int, default=1_000_000)
    parser.add_argument("--mbox-messages", type=int, default=50_000)
    parser.add_argument("--sms-records", type=int, default=200_000)
    parser.add_argument("--imessage-records", type=int, default=100_000)
    parser.add_argument("--only", choices=("whatsapp", "parsers"), default=None)
    parser.add_argument("--no-peers", dest="peers", action="store_false", help="skip whatstk and chat-miner")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def child(arguments: list[str]) -> dict[str, float]:
    kind, *rest = arguments
    if kind == "parse":
        return child_parse(rest[0], Path(rest[1]), "--hash" in rest, "--survey" in rest, "--pure" in rest)
    if kind == "import":
        return child_import(Path(rest[0]), Path(rest[1]))
    if kind == "floor":
        return child_floor(Path(rest[0]), Path(rest[1]))
    if kind == "baseline":
        source_named("csv")  # loads every source, as an import does
        return {"count": 0, "seconds": 1.0, "rss_mb": peak_rss_mb()}
    return child_peer(rest[0], Path(rest[1]))


def main(argv: Sequence[str] | None = None) -> int:
    settings = parse_args(argv)
    if settings.child:
        print(json.dumps(child(settings.child)))
        return 0
    baseline = run_child("baseline")["rss_mb"]
    figures = [Figure("peak RSS of a child that only loads stalkproof", baseline, "MB")]
    folder = Path(tempfile.mkdtemp(prefix="stalkproof-bench-import-"))
    try:
        if settings.only in (None, "whatsapp"):
            bench_whatsapp(settings, folder, figures)
        if settings.only in (None, "parsers"):
            bench_parsers(settings, folder, figures)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print_table(figures)
    write_json(settings, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
