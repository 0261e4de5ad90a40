"""Vault throughput and memory benchmark: `python bench/vault.py` (see `--help` for sizes).

Everything is measured side by side in the same run, on the same machine and the same files:

1. Diary events per second into the vault, with the hash-chained ledger written in the same transaction,
   in batches (goal: 50,000/s; the median of three fresh vaults), then the time to sign the Merkle
   checkpoint over that ledger. Also with PostgreSQL when STALKPROOF_TEST_POSTGRES holds an admin URL
   (a throwaway database is created and dropped). There is no outside peer for this: the goal is what
   a bulk import of a phone's history needs.
2. Exhibit ingest MB/s against `sha256sum FILE` followed by `age -r RECIPIENT -o OUT FILE`. That pair is
   what a careful person does by hand to keep an original safe (note its hash, encrypt it) and is what
   `add_blob_file` replaces: one streaming pass that hashes while it age-encrypts. The peer does not fsync
   its output; the vault fsyncs blob, folder and database, so the comparison is, if anything, unkind to it.
3. `verify` MB/s against plain `sha256sum` over the same plaintext. Re-hashing the originals is the least
   anyone can do to check them; verify must also decrypt each blob and walk the ledger, rows and
   checkpoints, so the goal is to stay within reach of it (ratio >= 0.7).
4. Peak RSS of a child process ingesting, then verifying, a big file (2 GB by default) against the same
   child doing a 10 MB file: streaming means the difference should be small (under 32 MB).

MB means 2**20 bytes throughout. Temporary files live under /tmp and are deleted at the end. Results are
printed as a table and written to bench/results/vault.json. `--profile` adds cProfile summaries.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

# Run as a script from anywhere: make the repository importable so the shared bench helpers are found.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from psycopg import sql
from sqlalchemy import make_url

from bench.common import FAST_KDF, MB, PASSPHRASE, peak_rss_mb, profile_call
from stalkproof.evidence.cases import create_case
from stalkproof.evidence.events import EventDraft, add_events
from stalkproof.evidence.time import Moment
from stalkproof.vault.vault import Vault
from stalkproof.vault.verify import Report, verify_vault

EVENTS_GOAL = 50_000.0
VERIFY_RATIO_GOAL = 0.7
POSTGRES_ENV = "STALKPROOF_TEST_POSTGRES"
RESULTS = Path(__file__).resolve().parent / "results" / "vault.json"
BEHAVIOURS = ("follow", "loiter", "watch_spy", "contact", "leave_items")
PARTS = ("events", "exhibits", "memory")

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    events: int
    batch: int
    rounds: int
    small_mb: int
    small_count: int
    large_mb: int
    big_mb: int
    ref_mb: int
    rss_margin_mb: float
    postgres_url: str | None
    profile: bool
    output: Path
    parts: tuple[str, ...] = PARTS


@dataclass(frozen=True)
class Figure:
    """One line of the final table: a measured value, what it is compared with, and whether it is met."""

    name: str
    value: float
    unit: str
    against: str = ""
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None


@dataclass
class Results:
    figures: list[Figure]
    notices: list[str]
    details: dict[str, Any]
    profiles: dict[str, str]

    def add(self, *figures: Figure) -> None:
        for figure in figures:
            self.figures.append(figure)
            print(f"  {format_row(figure)}", flush=True)


# -- helpers ------------------------------------------------------------------------------------------


def timed(action: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def new_vault(folder: Path, database_url: str | None = None) -> Vault:
    vault, _recovery_code = Vault.create(folder, PASSPHRASE, kdf=FAST_KDF, database_url=database_url)
    return vault


def require_ok(report: Report) -> Report:
    if not report.ok:
        raise SystemExit(f"verify found problems: {report.problems[:5]}")
    return report


def write_random_file(path: Path, size_mb: int) -> Path:
    """Random (incompressible) bytes, written a MB at a time so the file is never held in memory."""
    with path.open("wb") as out:
        for _ in range(size_mb):
            out.write(os.urandom(MB))
    return path


def megabytes(files: Sequence[Path]) -> float:
    return sum(path.stat().st_size for path in files) / MB


def run_quietly(command: Sequence[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


# -- 1. diary events ----------------------------------------------------------------------------------


def moment(index: int) -> Moment:
    """A distinct minute per index, built directly so date parsing is not what gets measured."""
    day, minute_of_day = divmod(index, 24 * 60)
    hour, minute = divmod(minute_of_day, 60)
    local = f"{2000 + day // 336}-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T{hour:02d}:{minute:02d}"
    return Moment(utc=f"{local}:00.000000Z", local=local, zone="+00:00", precision="minute")


def diary_drafts(first: int, count: int) -> list[EventDraft]:
    return [
        EventDraft(
            kind="diary",
            moment=moment(index),
            text=f"Entry {index}: he was waiting by the gate again when I got home and followed me in.",
            behaviours=[BEHAVIOURS[index % 5], BEHAVIOURS[(index + 2) % 5]],
        )
        for index in range(first, first + count)
    ]


def insert_batches(vault: Vault, case_id: str, batch: int, total: int) -> list[float]:
    """Add `total` events, `batch` per write transaction, each batch later in time than the one before
    (as a diary or a chat export grows). Returns each batch's seconds. Drafts are made just before
    their batch, outside the timing, so memory stays flat as it does in a streaming import."""
    timings: list[float] = []
    for first in range(0, total, batch):
        drafts = diary_drafts(first, min(batch, total - first))
        start = time.perf_counter()
        with vault.write() as writer:
            add_events(writer, case_id, drafts)
        timings.append(time.perf_counter() - start)
    return timings


@dataclass(frozen=True)
class EventRound:
    """One fresh vault filled with the diary events, then checkpointed and verified."""

    insert_s: float
    slowest_batch_s: float
    checkpoint_s: float
    verify_s: float
    ledger_entries: int


def event_round(settings: Settings, folder: Path, admin_url: str | None) -> EventRound:
    """On SQLCipher, or on a throwaway PostgreSQL database when `admin_url` is given."""
    if admin_url is None:
        return event_round_in(settings, folder, None)
    with postgres_database(admin_url) as database_url:
        return event_round_in(settings, folder, database_url)


def event_round_in(settings: Settings, folder: Path, database_url: str | None) -> EventRound:
    vault = new_vault(folder, database_url)
    try:
        case = create_case(vault, "bench")
        timings = insert_batches(vault, case.id, settings.batch, settings.events)
        _, checkpoint_s = timed(vault.checkpoint)
        report, verify_s = timed(lambda: require_ok(verify_vault(vault)))
    finally:
        vault.close()
    return EventRound(sum(timings), max(timings), checkpoint_s, verify_s, report.counts["ledger_entries"])


def event_figures(settings: Settings, folder: Path, backend: str, admin_url: str | None) -> list[Figure]:
    """The median of several rounds, each on a fresh vault: one round's rate swings by up to a tenth
    with the disk's fsync times, so the range is printed too."""
    rounds = [
        event_round(settings, folder / f"round-{number}", admin_url) for number in range(settings.rounds)
    ]
    rates = sorted(settings.events / one.insert_s for one in rounds)
    rate = statistics.median(rates)
    spread = f"{len(rates)} rounds, {rates[0]:,.0f}-{rates[-1]:,.0f}; goal {EVENTS_GOAL:,.0f}"
    checkpoint_s = statistics.median(one.checkpoint_s for one in rounds)
    entries = rounds[0].ledger_entries
    return [
        Figure(
            f"diary events/s, {backend}, batches of {settings.batch:,} (median)",
            rate,
            "ev/s",
            spread,
            rate / EVENTS_GOAL,
            ">= 1.00",
            rate >= EVENTS_GOAL,
        ),
        Figure(
            f"slowest batch of {settings.batch:,}, {backend}", max(one.slowest_batch_s for one in rounds), "s"
        ),
        Figure(f"checkpoint over {entries:,} ledger entries, {backend}", checkpoint_s, "s"),
        Figure(
            f"diary events/s incl. checkpoint, {backend}",
            statistics.median(settings.events / (one.insert_s + one.checkpoint_s) for one in rounds),
            "ev/s",
        ),
        Figure(
            f"verify ledger entries/s, {backend}",
            statistics.median(entries / one.verify_s for one in rounds),
            "entries/s",
        ),
    ]


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh, empty database on the server for the length of the block; dropped afterwards."""
    name = f"stalkproof_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def bench_events(settings: Settings, root: Path, results: Results) -> None:
    print(f"\n[1] {settings.events:,} diary events in batches of {settings.batch:,}", flush=True)
    results.add(*event_figures(settings, root / "events-sqlcipher", "SQLCipher", None))
    if settings.postgres_url is None:
        results.notices.append(f"PostgreSQL not measured: set {POSTGRES_ENV} to an admin URL to include it.")
        return
    results.add(*event_figures(settings, root / "events-postgres", "PostgreSQL", settings.postgres_url))


# -- 2 and 3. exhibit ingest and verify -----------------------------------------------------------------


def age_recipient(folder: Path) -> str:
    key = folder / "peer-identity.txt"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    made = subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True, text=True)
    return made.stdout.strip()


def peer_ingest_seconds(files: Sequence[Path], recipient: str, out_folder: Path) -> float:
    """What a person does by hand for each file: note its SHA-256, then age-encrypt it."""
    total = 0.0
    for path in files:
        out = out_folder / f"{path.name}.age"
        start = time.perf_counter()
        run_quietly(["sha256sum", str(path)])
        run_quietly(["age", "-r", recipient, "-o", str(out), str(path)])
        total += time.perf_counter() - start
        out.unlink()
    return total


def vault_ingest_seconds(vault: Vault, files: Sequence[Path]) -> float:
    """One write transaction per exhibit, as `stalkproof exhibit add` does."""
    start = time.perf_counter()
    for path in files:
        with vault.write() as writer:
            writer.add_blob_file(path)
    return time.perf_counter() - start


def verify_blobs(vault: Vault, expected_mb: float) -> float:
    report, seconds = timed(lambda: require_ok(verify_vault(vault)))
    if report.counts["blob_bytes"] != round(expected_mb * MB):
        raise SystemExit(f"verify checked {report.counts['blob_bytes']} bytes, expected {expected_mb} MB")
    return seconds


def sha256sum_seconds(files: Sequence[Path]) -> float:
    _, seconds = timed(lambda: run_quietly(["sha256sum", *map(str, files)]))
    return seconds


def compared(name: str, mine_mb_s: float, peer: str, peer_mb_s: float, goal: float | None) -> Figure:
    ratio = mine_mb_s / peer_mb_s
    met = None if goal is None else ratio >= goal
    goal_text = "" if goal is None else f">= {goal:.2f}"
    return Figure(name, mine_mb_s, "MB/s", f"{peer} {peer_mb_s:,.0f} MB/s", ratio, goal_text, met)


def exhibit_set(
    label: str, files: list[Path], folder: Path, recipient: str, profile: bool
) -> tuple[list[Figure], str | None]:
    size = megabytes(files)
    peer_s = peer_ingest_seconds(files, recipient, folder)
    vault = new_vault(folder / "vault")
    try:
        ingest_s = vault_ingest_seconds(vault, files)
        verify_s = verify_blobs(vault, size)
        profiled = (
            profile_call(f"verify_vault over {label}", lambda: verify_vault(vault)) if profile else None
        )
    finally:
        vault.close()
    sum_s = sha256sum_seconds(files)
    return [
        compared(f"ingest {label}", size / ingest_s, "sha256sum+age", size / peer_s, None),
        compared(f"verify {label}", size / verify_s, "sha256sum", size / sum_s, VERIFY_RATIO_GOAL),
    ], profiled


def bench_exhibits(settings: Settings, root: Path, results: Results) -> None:
    print("\n[2, 3] exhibit ingest and verify", flush=True)
    folder = root / "exhibits"
    folder.mkdir()
    recipient = age_recipient(folder)
    sets = [
        (f"{settings.small_count} x {settings.small_mb} MB", settings.small_count, settings.small_mb),
        (f"1 x {settings.large_mb} MB", 1, settings.large_mb),
    ]
    for number, (label, count, size_mb) in enumerate(sets):
        set_folder = folder / f"set-{number}"
        set_folder.mkdir()
        files = [write_random_file(set_folder / f"exhibit-{i}.bin", size_mb) for i in range(count)]
        figures, profiled = exhibit_set(label, files, set_folder, recipient, settings.profile)
        results.add(*figures)
        if profiled:
            results.profiles[f"verify {label}"] = profiled
        shutil.rmtree(set_folder)


# -- 4. memory ----------------------------------------------------------------------------------------


def run_child(*arguments: str) -> dict[str, float]:
    """Run this script in a fresh interpreter and read the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *arguments],
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return {key: float(value) for key, value in data.items()}


def rss_readings() -> dict[str, float]:
    """The peak RSS used for the comparison, and ru_maxrss for the record (see `peak_rss_mb`)."""
    return {
        "max_rss_mb": peak_rss_mb(),
        "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child_ingest(path: Path, folder: Path) -> dict[str, float]:
    vault = new_vault(folder)
    seconds = vault_ingest_seconds(vault, [path])
    vault.close()
    return {"seconds": seconds, "mb": megabytes([path]), **rss_readings()}


def child_verify(folder: Path) -> dict[str, float]:
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    report, seconds = timed(lambda: require_ok(verify_vault(vault)))
    vault.close()
    return {"seconds": seconds, "mb": report.counts["blob_bytes"] / MB, **rss_readings()}


def measure_file(folder: Path, size_mb: int) -> dict[str, dict[str, float]]:
    """Ingest then verify one file of `size_mb`, each in its own child process; the file is then deleted."""
    path = write_random_file(folder / f"plain-{size_mb}.bin", size_mb)
    vault_folder = folder / f"vault-{size_mb}"
    measured = {
        "ingest": run_child("--child-ingest", str(path), str(vault_folder)),
        "verify": run_child("--child-verify", str(vault_folder)),
    }
    measured["sha256sum"] = {"seconds": sha256sum_seconds([path]), "mb": float(size_mb)}
    path.unlink()
    shutil.rmtree(vault_folder)
    return measured


def memory_figures(
    settings: Settings, small: dict[str, dict[str, float]], big: dict[str, dict[str, float]]
) -> list[Figure]:
    figures: list[Figure] = []
    for step in ("ingest", "verify"):
        growth = big[step]["max_rss_mb"] - small[step]["max_rss_mb"]
        figures.append(
            Figure(
                f"peak RSS, child {step} of {settings.big_mb:,} MB",
                big[step]["max_rss_mb"],
                "MB",
                f"{settings.ref_mb} MB file: {small[step]['max_rss_mb']:.1f} MB",
                None,
                f"growth {growth:+.1f} MB < {settings.rss_margin_mb:.0f}",
                growth < settings.rss_margin_mb,
            )
        )
    rate = {step: big[step]["mb"] / big[step]["seconds"] for step in ("ingest", "verify", "sha256sum")}
    figures.append(Figure(f"child ingest {settings.big_mb:,} MB", rate["ingest"], "MB/s"))
    figures.append(
        compared(
            f"child verify {settings.big_mb:,} MB",
            rate["verify"],
            "sha256sum",
            rate["sha256sum"],
            VERIFY_RATIO_GOAL,
        )
    )
    return figures


def bench_memory(settings: Settings, root: Path, results: Results) -> None:
    print(
        f"\n[4] peak RSS: {settings.ref_mb} MB vs {settings.big_mb:,} MB file, in child processes", flush=True
    )
    folder = root / "memory"
    folder.mkdir()
    small = measure_file(folder, settings.ref_mb)
    big = measure_file(folder, settings.big_mb)
    results.details["memory"] = {"small": small, "big": big}
    results.add(*memory_figures(settings, small, big))


# -- profiling ----------------------------------------------------------------------------------------


def profile_events(
    settings: Settings, folder: Path, backend: str, database_url: str | None, results: Results
) -> None:
    """cProfile summaries of the event inserts plus checkpoint, then of verify over the same vault."""
    vault = new_vault(folder, database_url)
    try:
        case = create_case(vault, "bench")

        def insert_and_checkpoint() -> None:
            insert_batches(vault, case.id, settings.batch, settings.events)
            vault.checkpoint()

        title = f"{settings.events:,} diary events in batches of {settings.batch:,} + checkpoint, {backend}"
        results.profiles[f"events {backend}"] = profile_call(title, insert_and_checkpoint)
        results.profiles[f"verify events {backend}"] = profile_call(
            f"verify_vault over those events, {backend}", lambda: verify_vault(vault)
        )
    finally:
        vault.close()


def bench_profiles(settings: Settings, root: Path, results: Results) -> None:
    print("\n[profile] cProfile of the event inserts and verify", flush=True)
    profile_events(settings, root / "profile-sqlcipher", "SQLCipher", None, results)
    if settings.postgres_url is not None:
        with postgres_database(settings.postgres_url) as database_url:
            profile_events(settings, root / "profile-postgres", "PostgreSQL", database_url, results)


# -- output -------------------------------------------------------------------------------------------


def format_value(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def format_row(figure: Figure) -> str:
    ratio = "" if figure.ratio is None else f"{figure.ratio:.2f}"
    met = {None: "", True: "yes", False: "NO"}[figure.met]
    value = f"{format_value(figure.value)} {figure.unit}"
    return f"{figure.name:<52} {value:>18}  {figure.against:<28} {ratio:>6}  {figure.goal:<20} {met}"


def print_table(results: Results) -> None:
    header = f"{'figure':<52} {'value':>18}  {'compared with':<28} {'ratio':>6}  {'goal':<20} met"
    print(f"\n{header}\n{'-' * len(header)}")
    for figure in results.figures:
        print(format_row(figure))
    for notice in results.notices:
        print(f"note: {notice}")


def write_json(settings: Settings, results: Results) -> None:
    settings.output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "settings": {key: str(value) for key, value in asdict(settings).items() if key != "postgres_url"},
        "figures": [asdict(figure) for figure in results.figures],
        "notices": results.notices,
        "details": results.details,
        "profiles": results.profiles,
    }
    settings.output.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwritten to {settings.output}")


# -- running ------------------------------------------------------------------------------------------


def plaintext_mb(settings: Settings) -> int:
    return settings.small_count * settings.small_mb + settings.large_mb + settings.big_mb + settings.ref_mb


def fit_to_disk(settings: Settings, root: Path, results: Results) -> Settings:
    """Scale the big files down if the disk cannot hold three times the plaintext (plain, vault, peer)."""
    free_mb = shutil.disk_usage(root).free // MB
    needed_mb = 3 * plaintext_mb(settings)
    if free_mb >= needed_mb:
        return settings
    scale = free_mb / needed_mb
    fitted = replace(
        settings,
        large_mb=max(1, int(settings.large_mb * scale)),
        big_mb=max(settings.ref_mb, int(settings.big_mb * scale)),
    )
    notice = (
        f"only {free_mb:,} MB free under {root} but {needed_mb:,} MB wanted: large file scaled to "
        f"{fitted.large_mb:,} MB and big file to {fitted.big_mb:,} MB"
    )
    print(f"NOTICE: {notice}", flush=True)
    results.notices.append(notice)
    return fitted


def run(settings: Settings) -> None:
    results = Results([], [], {}, {})
    with tempfile.TemporaryDirectory(prefix="stalkproof-bench-", dir="/tmp") as temporary:
        root = Path(temporary)
        settings = fit_to_disk(settings, root, results)
        _, total_s = timed(lambda: run_parts(settings, root, results))
    results.add(Figure("peak RSS, this (parent) process", peak_rss_mb(), "MB"))
    results.details["total_seconds"] = total_s
    print_table(results)
    for text in results.profiles.values():
        print(f"\n{text}")
    write_json(settings, results)


def run_parts(settings: Settings, root: Path, results: Results) -> None:
    if "events" in settings.parts:
        bench_events(settings, root, results)
    if "exhibits" in settings.parts:
        bench_exhibits(settings, root, results)
    if "memory" in settings.parts:
        bench_memory(settings, root, results)
    if settings.profile:
        bench_profiles(settings, root, results)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=200_000, help="diary events to add (default 200,000)")
    parser.add_argument("--batch", type=int, default=10_000, help="events per write transaction")
    parser.add_argument("--rounds", type=int, default=3, help="fresh vaults filled with the events (median)")
    parser.add_argument("--small-mb", type=int, default=1, help="size of each small exhibit")
    parser.add_argument("--small-count", type=int, default=50, help="number of small exhibits")
    parser.add_argument("--large-mb", type=int, default=512, help="size of the one large exhibit")
    parser.add_argument("--big-mb", type=int, default=2048, help="file for the memory check")
    parser.add_argument("--ref-mb", type=int, default=10, help="reference file for the memory check")
    parser.add_argument("--rss-margin-mb", type=float, default=32.0, help="allowed peak RSS growth")
    parser.add_argument(
        "--only", choices=PARTS, action="append", help="run only this part (repeatable; default: all)"
    )
    parser.add_argument("--profile", action="store_true", help="add cProfile summaries (top 15)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON results")
    parser.add_argument("--child-ingest", nargs=2, metavar=("FILE", "VAULT"), help=argparse.SUPPRESS)
    parser.add_argument("--child-verify", metavar="VAULT", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def settings_from(arguments: argparse.Namespace) -> Settings:
    return Settings(
        events=arguments.events,
        batch=arguments.batch,
        rounds=max(1, arguments.rounds),
        small_mb=arguments.small_mb,
        small_count=arguments.small_count,
        large_mb=arguments.large_mb,
        big_mb=arguments.big_mb,
        ref_mb=arguments.ref_mb,
        rss_margin_mb=arguments.rss_margin_mb,
        postgres_url=os.environ.get(POSTGRES_ENV) or None,
        profile=arguments.profile,
        parts=tuple(arguments.only or PARTS),
        output=arguments.output,
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_args(argv)
    if arguments.child_ingest:
        file, folder = arguments.child_ingest
        print(json.dumps(child_ingest(Path(file), Path(folder))))
    elif arguments.child_verify:
        print(json.dumps(child_verify(Path(arguments.child_verify))))
    else:
        run(settings_from(arguments))
    return 0


if __name__ == "__main__":
    sys.exit(main())
