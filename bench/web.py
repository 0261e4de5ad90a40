"""Web timeline benchmark: `python bench/web.py` (see `--help` for sizes).

1. Builds a case of 100,000 events in a fresh SQLCipher vault (not timed), with the course-of-conduct
   benchmark's generator (bench/analysis.py): two years of WhatsApp, SMS and email from a suspect, the
   person's replies and diary entries.
2. Starts the web app on 127.0.0.1 (a free port) with the vault unlocked at start, as
   `STALKPROOF_WEB_UNLOCK` would, and enters with the one-time link to get the session cookie.
3. Warms each page variant once (the first visit to a filter counts it and, for "flagged only", flags
   every text; later pages of the same filter reuse that until the case changes), then sends `--requests`
   GETs to /timeline from `--concurrency` threads, cycling through the variants: first page, later pages
   (including the last), a channel, a date range, a person, words in the text, flagged only. Loopback only;
   stops early at `--seconds`.

Printed: p50/p95/p99 latency in ms, requests/s, and whether p95 <= 200 ms (the goal of issue 9). Results go
to bench/results/web.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.analysis import build_case
from bench.common import PASSPHRASE
from stalkproof.evidence.cases import list_cases
from stalkproof.evidence.parties import list_parties
from stalkproof.web.config import WebConfig
from stalkproof.web.server import RunningApp, prepare
from stalkproof.web.session import COOKIE_NAME

RESULTS = Path(__file__).with_name("results") / "web.json"
P95_GOAL_MS = 200.0
PER_PAGE = 100


def variants(events: int, suspect_id: str) -> list[str]:
    last = max(1, -(-events // PER_PAGE))
    return [
        "/timeline",
        "/timeline?page=2",
        f"/timeline?page={last // 2}",
        f"/timeline?page={last}",
        "/timeline?channel=email",
        "/timeline?channel=sms&page=3",
        "/timeline?since=2025-06-01&until=2025-06-30",
        f"/timeline?party={suspect_id}&page=5",
        "/timeline?words=station",
        "/timeline?flagged=1",
        "/timeline?flagged=1&page=4",
    ]


class Client:
    """One keep-alive connection to the app, with the session cookie."""

    def __init__(self, port: int, cookie: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Cookie": f"{COOKIE_NAME}={cookie}", "Host": f"127.0.0.1:{port}"}

    def get(self, path: str) -> tuple[int, float]:
        started = time.perf_counter()
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        response.read()
        return response.status, (time.perf_counter() - started) * 1000


def enter(running: RunningApp) -> str:
    """Open the one-time link as the browser would, and keep the cookie it sets."""
    where = urlsplit(running.url)
    connection = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=60)
    connection.request("GET", f"{where.path}?{where.query}", headers={"Host": where.netloc})
    response = connection.getresponse()
    response.read()
    cookie = response.getheader("set-cookie") or ""
    if response.status != 303 or not cookie.startswith(COOKIE_NAME + "="):
        raise RuntimeError(f"entering the app failed ({response.status})")
    return cookie.split(";", 1)[0].split("=", 1)[1]


def load(
    port: int, cookie: str, paths: list[str], requests: int, concurrency: int, seconds: float
) -> dict[str, Any]:
    timings: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    next_index = iter(range(requests))
    deadline = time.monotonic() + seconds

    def worker() -> None:
        client = Client(port, cookie)
        while time.monotonic() < deadline:
            with lock:
                index = next(next_index, None)
            if index is None:
                return
            path = paths[index % len(paths)]
            status, elapsed = client.get(path)
            with lock:
                timings.append(elapsed)
                if status != 200:
                    failures.append(f"{path}: {status}")

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cuts = statistics.quantiles(timings, n=100) if len(timings) > 1 else timings * 99
    return {
        "requests": len(timings),
        "failures": failures[:10],
        "failed": len(failures),
        "wall_s": wall,
        "requests_per_s": len(timings) / wall if wall else 0.0,
        "p50_ms": cuts[49],
        "p95_ms": cuts[94],
        "p99_ms": cuts[98],
    }


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="stalkproof-bench-web-") as folder:
        vault_folder = Path(folder) / "vault"
        started = time.perf_counter()
        build_case(vault_folder, arguments.events, arguments.seed)
        build_s = time.perf_counter() - started
        running = prepare(WebConfig(vault=vault_folder, passphrase=PASSPHRASE, idle_minutes=60))
        server = threading.Thread(target=running.serve, name="web-app", daemon=True)
        server.start()
        while not running.server.started:
            time.sleep(0.02)
        try:
            vault = running.session.vault()
            case_id = list_cases(vault)[0].id
            suspect = next(party.id for party in list_parties(vault, case_id) if party.role == "suspect")
            port = int(urlsplit(running.url).port or 0)
            cookie = enter(running)
            paths = variants(arguments.events, suspect)
            warm_client = Client(port, cookie)
            warm = {path: warm_client.get(path)[1] for path in paths}
            figures = load(port, cookie, paths, arguments.requests, arguments.concurrency, arguments.seconds)
        finally:
            running.stop()
            server.join(timeout=30)
    return {"events": arguments.events, "build_s": build_s, "first_visit_ms": warm, **figures}


def report(arguments: argparse.Namespace, result: dict[str, Any]) -> None:
    met = result["p95_ms"] <= P95_GOAL_MS and result["failed"] == 0
    print(f"case: {result['events']:,} events (built in {result['build_s']:.1f} s)")
    print("first visit to each variant (ms, not in the figures below):")
    for path, elapsed in result["first_visit_ms"].items():
        print(f"  {elapsed:8.1f}  {path}")
    print(
        f"/timeline: {result['requests']:,} requests, {arguments.concurrency} at a time, "
        f"{result['failed']} failed"
    )
    print(f"  p50 {result['p50_ms']:.1f} ms   p95 {result['p95_ms']:.1f} ms   p99 {result['p99_ms']:.1f} ms")
    print(f"  {result['requests_per_s']:.1f} requests/s")
    print(f"  goal p95 <= {P95_GOAL_MS:.0f} ms: {'met' if met else 'NOT met'}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    record = {**result, "goal_p95_ms": P95_GOAL_MS, "met": met, "machine": platform.platform()}
    record["concurrency"] = arguments.concurrency
    RESULTS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000, help="events in the case (default 100,000)")
    parser.add_argument("--requests", type=int, default=2_000, help="requests to send (default 2,000)")
    parser.add_argument("--concurrency", type=int, default=4, help="requests at a time (default 4)")
    parser.add_argument("--seconds", type=float, default=120.0, help="stop sending after this (default 120)")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_args(argv)
    result = run(arguments)
    report(arguments, result)
    return 0 if result["p95_ms"] <= P95_GOAL_MS and result["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
