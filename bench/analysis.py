"""Course-of-conduct analysis benchmark: `python bench/analysis.py` (see `--help` for sizes).

1. Builds a case of 1,000,000 events in a fresh SQLCipher vault (not timed): four suspect accounts
   (WhatsApp, two SMS numbers, the second appearing after a block, and email with longer texts), the
   person's own replies (many of them stop requests) and a block, diary entries, over two years with a
   rise at the end. Texts are put together from parts (some with emoji and accented letters), mostly
   everyday chat with a few threats and "I saw you at…" messages, from a fixed seed.
2. In a fresh child process, the full analysis as `stalkproof analyse` runs it: read every event from
   the vault, flag every text with the rules, and compute every measure (rates, trend, escalation with
   its change point, time of day, bursts, persistence, contact after stop, channels, accounts, several
   people, impersonation, unanswered contact, FOUR, behaviours). Goal: <= 20 s and <= 1 GB peak RSS
   (the analysing process and its flag worker added together).
3. The same measures without the vault read and the flags (numbers only), for the record.

There is no outside peer: no other tool analyses a course of conduct. Peak RSS is VmHWM (see
bench/README.md). Results are printed and written to bench/results/analysis.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import FAST_KDF, PASSPHRASE, peak_rss_mb
from stalkproof.evidence.cases import create_case
from stalkproof.evidence.events import EventDraft, add_events
from stalkproof.evidence.parties import add_party
from stalkproof.evidence.time import Moment
from stalkproof.vault.schema import accounts
from stalkproof.vault.vault import Vault

RESULTS = Path(__file__).with_name("results") / "analysis.json"
SECONDS_GOAL = 20.0
RSS_GOAL_MB = 1024.0
BATCH = 20_000

# Texts are put together from parts, so nearly every message is different (as in a real chat): the
# flag rules cannot be helped by repeats.
OPENERS = (
    "",
    "Hey",
    "Sam",
    "Listen",
    "Babe",
    "Ok so",
    "Honestly",
    "Right",
    "Look",
    "Hi",
    "Sam ❤️",
    "😡",
    "I’m serious,",
    "Zoë says",
    "Ünal told me",
)
BODIES = (
    "can we talk about {thing}",
    "why are you ignoring me about {thing}",
    "I miss {thing}",
    "pick up your phone, it's about {thing}",
    "did you get home ok from {place}",
    "I'll kill it at the gym today before {place}",
    "saw you at the meeting about {thing}, great talk",
    "who were you with at {place}",
    "one coffee at {place}, that's all",
    "remember {thing}?",
    "I'm not going anywhere until we sort {thing}",
    "thinking about {thing} at {time}",
    "are you coming to {place} at {time}",
    "my mum says hi, and something about {thing}",
)
MARKED = (
    "I saw you at {place} this morning in your blue coat",
    "If I can't have you nobody will",
    "I know where your mum lives, {place}",
    "I will kill you if you go to the police about {thing}",
    "I'm outside your house right now",
    "Send me the photos or everyone at {place} sees them",
)
OWN = (
    "Please stop contacting me",
    "Leave me alone",
    "ok",
    "I'm busy at {place}",
    "Stop messaging me",
    "I said no about {thing}",
)
THINGS = (
    "the car",
    "the flat",
    "Saturday",
    "the dog",
    "your sister",
    "the money",
    "us",
    "the holiday",
    "work",
    "the keys",
    "the wedding",
    "last night",
    "the kids' school run",
    "the bills",
)
PLACES = (
    "the station",
    "Tesco",
    "the gym",
    "Priya's",
    "work",
    "the Kings Arms",
    "the park",
    "Elm Road",
    "the bus stop",
    "the library",
    "Market Street",
    "the cinema",
)


def build_case(folder: Path, total: int, seed: int) -> None:
    vault, _ = Vault.create(folder, PASSPHRASE, kdf=FAST_KDF)
    with vault:
        case = create_case(vault, "bench")
        add_party(vault, case.id, "Sam", "subject", ["whatsapp:Sam", "sms:self", "email:sam@example.org"])
        alex = add_party(
            vault,
            case.id,
            "Alex",
            "suspect",
            ["whatsapp:Alex", "sms:+447700900666", "email:alex@example.net", "sms:+447700900777"],
        )
        ids = _account_ids(vault, case.id)
        chooser = random.Random(seed)
        for batch in _batches(total, ids, alex.id, chooser):
            with vault.write() as writer:
                add_events(writer, case.id, batch)


def _account_ids(vault: Vault, case_id: str) -> dict[str, str]:
    with vault.read() as connection:
        rows = connection.execute(accounts.select().where(accounts.c.case_id == case_id)).mappings()
        return {f"{row['platform']}:{row['identifier']}": row["id"] for row in rows}


def _batches(
    total: int, ids: dict[str, str], alex: str, chooser: random.Random
) -> Iterator[list[EventDraft]]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    span = timedelta(days=730).total_seconds()
    # More contact towards the end: times drawn with a density rising over the two years.
    times = sorted(span * chooser.random() ** 0.7 for _ in range(total))
    batch: list[EventDraft] = []
    for number, offset in enumerate(times):
        at = start + timedelta(seconds=offset)
        if number == total // 2:
            draft = _message(at, "whatsapp", ids["whatsapp:Sam"], "I blocked him on WhatsApp")
        else:
            draft = _event(chooser, at, offset / span, ids, alex)
        batch.append(draft)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _event(
    chooser: random.Random, at: datetime, progress: float, ids: dict[str, str], alex: str
) -> EventDraft:
    """WhatsApp for the first 60% of the two years, then SMS, from a new number for the last 10%; some
    email throughout (longer texts), the person's replies (15%) and diary entries (0.5%)."""
    roll = chooser.random()
    if roll < 0.005:
        what = _fill(chooser, "He was waiting outside {place} again when I left.")
        return EventDraft(kind="diary", moment=_moment(at), text=what, parties=[alex], behaviours=["loiter"])
    if roll < 0.035:
        text = " ".join(_their_text(chooser) + "." for _ in range(chooser.randrange(2, 6)))
        return _message(at, "email", ids["email:alex@example.net"], text)
    channel, theirs, mine = ("whatsapp", "whatsapp:Alex", "whatsapp:Sam")
    if progress >= 0.6:
        channel, theirs, mine = (
            "sms",
            "sms:+447700900777" if progress > 0.9 else "sms:+447700900666",
            "sms:self",
        )
    if roll < 0.185:
        return _message(at, channel, ids[mine], _fill(chooser, chooser.choice(OWN)))
    return _message(at, channel, ids[theirs], _their_text(chooser))


def _message(at: datetime, channel: str, sender: str, text: str) -> EventDraft:
    return EventDraft(
        kind="message", moment=_moment(at), text=text, channel=channel, sender_account_id=sender
    )


def _moment(at: datetime) -> Moment:
    return Moment(at.strftime("%Y-%m-%dT%H:%M:%S.000000Z"), at.strftime("%Y-%m-%dT%H:%M:%S"), "UTC", "second")


def _their_text(chooser: random.Random) -> str:
    if chooser.random() < 0.02:
        return _fill(chooser, chooser.choice(MARKED))
    opener = chooser.choice(OPENERS)
    body = _fill(chooser, chooser.choice(BODIES))
    return f"{opener} {body}" if opener else body.capitalize()


def _fill(chooser: random.Random, template: str) -> str:
    time_of_day = f"{chooser.randrange(1, 13)}:{chooser.randrange(60):02d}"
    return template.format(thing=chooser.choice(THINGS), place=chooser.choice(PLACES), time=time_of_day)


def child(folder: Path) -> dict[str, float]:
    """Runs in a fresh process: the whole analysis, then the measures alone."""
    from stalkproof.analysis.course import analyse, analyse_case

    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    case_id = _only_case(vault)
    started = time.perf_counter()
    analysis = analyse_case(vault, case_id)
    data = analysis.to_json()
    full_s = time.perf_counter() - started
    started = time.perf_counter()
    analyse(analysis.case)
    measures_s = time.perf_counter() - started
    vault.close()
    return {
        "full_s": full_s,
        "measures_s": measures_s,
        "events": float(len(analysis.case)),
        "flagged": float(len(analysis.case.flagged)),
        "escalating": float(data["escalation"]["escalating"]),
        "peak_rss_mb": peak_rss_mb(),
        # The flagging worker, if one was started (its peak, as the kernel reports finished children).
        "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _only_case(vault: Vault) -> str:
    from stalkproof.evidence.cases import list_cases

    (case,) = list_cases(vault)
    return case.id


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--events", type=int, default=1_000_000, help="events in the case (default 1,000,000)"
    )
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.child:
        print(json.dumps(child(arguments.child)))
        return
    with tempfile.TemporaryDirectory(prefix="stalkproof-bench-", dir="/tmp") as temporary:
        folder = Path(temporary) / "vault"
        print(f"building a case of {arguments.events:,} events (not timed)…", flush=True)
        started = time.perf_counter()
        build_case(folder, arguments.events, arguments.seed)
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        run = subprocess.run(
            [sys.executable, __file__, "--child", str(folder)], check=True, capture_output=True, text=True
        )
        figures = json.loads(run.stdout.strip().splitlines()[-1])
    report(arguments.events, figures)


def report(total: int, figures: dict[str, float]) -> None:
    seconds, rss = figures["full_s"], figures["peak_rss_mb"] + figures["worker_peak_rss_mb"]
    rows: list[tuple[str, str, str, str]] = [
        ("full analysis of the case (read, flag, measure)", f"{seconds:.1f} s", f"<= {SECONDS_GOAL:.0f} s",
         _met(seconds <= SECONDS_GOAL)),
        ("  events per second", f"{figures['events'] / seconds:,.0f} ev/s", "", ""),
        ("peak RSS, analysing process + its flag worker", f"{rss:,.0f} MB", f"<= {RSS_GOAL_MB:,.0f} MB",
         _met(rss <= RSS_GOAL_MB)),
        ("  of which the flag worker", f"{figures['worker_peak_rss_mb']:,.0f} MB", "", ""),
        ("measures alone (no vault read, no flags)", f"{figures['measures_s']:.2f} s", "", ""),
        ("events read / events flagged", f"{figures['events']:,.0f} / {figures['flagged']:,.0f}", "", ""),
    ]  # fmt: skip
    print(f"\n{'figure':<52}{'value':>18}  {'goal':<12}met")
    print("-" * 88)
    for name, value, goal, met in rows:
        print(f"{name:<52}{value:>18}  {goal:<12}{met}")
    RESULTS.parent.mkdir(exist_ok=True)
    result: dict[str, Any] = {"events": total, "figures": figures, "machine": platform.platform()}
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


if __name__ == "__main__":
    main()
