"""Evidence pack benchmark: `python bench/pack.py` (see `--help` for sizes).

1. Builds a case in a fresh SQLCipher vault (not timed): a generated two-year WhatsApp export (en-GB
   Android format, texts put together from parts so nearly every one differs) imported through the real
   importer, diary entries (some amended, so the diary shows several versions, some naming exhibits), and
   synthetic exhibits of varied sizes (text notes, JPEG and PNG images, binary recordings). With the
   defaults: 10,000 events and 500 exhibits (the chat export itself is one of them).
2. In a fresh child process, `build_pack` over the whole case with the real PDF renderer, as `stalkproof
   pack build` runs it. Goal: <= 60 s. The time spent gathering the PDF's content and laying it out is
   reported on its own.
3. In another fresh child process, `verify_pack` over that pack. Goal: <= 10 s.

Printed: seconds, PDF pages and pages/s (pages counted with pypdf), peak RSS (VmHWM, see bench/README.md)
of each child, and whether each goal is met. `--profile` adds cProfile summaries of both steps. There is
no outside peer: no other tool makes a signed, court-ready pack from a vault. Results are printed and
written to bench/results/pack.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import FAST_KDF, PASSPHRASE, peak_rss_mb, profile_call
from stalkproof.evidence.cases import create_case, list_cases
from stalkproof.evidence.diary import add_entry, amend_entry, diary_draft
from stalkproof.evidence.exhibits import ExhibitDetails, add_exhibit
from stalkproof.evidence.imports import ImportRequest, run_import
from stalkproof.evidence.parties import add_party
from stalkproof.evidence.time import Moment
from stalkproof.vault.vault import Vault

RESULTS = Path(__file__).with_name("results") / "pack.json"
BUILD_GOAL_S = 60.0
VERIFY_GOAL_S = 10.0
ZONE = "Europe/London"
THEM, ME = "Alex Morgan", "Sam Carter"
T = TypeVar("T")

OPENERS = ("", "Hey", "Sam", "Listen", "Ok so", "Honestly", "Right", "Look", "Sam ❤️", "😡", "Zoë says")
BODIES = (
    "can we talk about {thing}",
    "why are you ignoring me about {thing}",
    "I miss {thing}",
    "pick up your phone, it's about {thing}",
    "did you get home ok from {place}",
    "who were you with at {place}",
    "one coffee at {place}, that's all",
    "remember {thing}?",
    "I'm not going anywhere until we sort {thing}",
    "are you coming to {place} at {time}",
)
MARKED = (
    "I saw you at {place} this morning in your blue coat",
    "If I can't have you nobody will",
    "I know where your mum lives, near {place}",
    "I'm outside your house right now",
)
OWN = ("Please stop contacting me", "Leave me alone", "I'm busy at {place}", "I said no about {thing}")
THINGS = ("the car", "the flat", "Saturday", "the dog", "the money", "us", "the holiday", "work", "the keys")
PLACES = (
    "the station",
    "Tesco",
    "the gym",
    "Priya's",
    "the Kings Arms",
    "the park",
    "Elm Road",
    "the library",
)
DIARY = (
    "He was waiting outside {place} again when I left.",
    "A car like his followed me from {place} to the end of our road.",
    "Flowers left on the doorstep with a card about {thing}.",
    "He turned up at {place} and stood watching until I went inside.",
)
KINDS = ("txt", "jpg", "png", "m4a")


# -- building the case (not timed) -------------------------------------------------------------------


def build_case(folder: Path, files: Path, events: int, exhibits: int, seed: int) -> dict[str, int]:
    """A vault holding about `events` events and `exhibits` exhibits (the chat export is one of them)."""
    chooser = random.Random(seed)  # a reproducible fictional case, not security
    vault, _ = Vault.create(folder, PASSPHRASE, kdf=FAST_KDF)
    with vault:
        case = create_case(vault, "bench pack")
        add_party(vault, case.id, "Sam", "subject", [f"whatsapp:{ME}"])
        alex = add_party(vault, case.id, "Alex", "suspect", [f"whatsapp:{THEM}"]).id
        refs = [
            add_exhibit(vault, case.id, path, details).ref
            for path, details in synthetic_exhibits(files, max(0, exhibits - 1), chooser)
        ]
        diary = max(1, events // 50)
        chat = files / "WhatsApp Chat with Alex Morgan.txt"
        # The export's first line (the encryption notice) is imported as an event too.
        chat.write_text(whatsapp_export(events - diary - 1, chooser), encoding="utf-8")
        report = run_import(vault, case.id, ImportRequest(path=chat, source="whatsapp", zone=ZONE))
        versions = add_diary(vault, case.id, diary, alex, refs, chooser)
        vault.checkpoint()
    return {"messages": report.new, "diary_entries": diary, "diary_versions": versions, "exhibits": exhibits}


def synthetic_exhibits(folder: Path, count: int, chooser: random.Random) -> list[tuple[Path, ExhibitDetails]]:
    made = []
    for number in range(count):
        kind = KINDS[number % len(KINDS)]
        # Sizes spread over three orders of magnitude, as screenshots, notes and recordings are.
        size = int(2 ** chooser.uniform(9, 19))
        path = folder / f"exhibit-{number:04d}.{kind}"
        write_exhibit(path, kind, size, chooser)
        details = ExhibitDetails(
            description=f"Synthetic {kind} exhibit number {number}",
            captured_by="Sam Carter (fictional)",
            capture_method="saved from the phone",
        )
        made.append((path, details))
    return made


def write_exhibit(path: Path, kind: str, size: int, chooser: random.Random) -> None:
    if kind == "txt":
        words = " ".join(_fill(chooser, chooser.choice(BODIES)) for _ in range(max(1, size // 40)))
        path.write_text(words[:size] + "\n", encoding="utf-8")
    elif kind in ("jpg", "png"):
        write_image(path, kind, size, chooser)
    else:
        path.write_bytes(chooser.randbytes(size))


def write_image(path: Path, kind: str, size: int, chooser: random.Random) -> None:
    from PIL import Image, ImageDraw

    side = max(32, min(1200, int(size**0.5)))
    image = Image.new("RGB", (side, side), tuple(chooser.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = chooser.randrange(side), chooser.randrange(side)
        box = (x, y, x + chooser.randrange(1, side), y + chooser.randrange(1, side))
        draw.rectangle(box, fill=tuple(chooser.randrange(256) for _ in range(3)))
    image.save(path, "JPEG" if kind == "jpg" else "PNG")


def whatsapp_export(messages: int, chooser: random.Random) -> str:
    """Android en-GB lines, one message each, at distinct minutes over two years, thicker towards the end."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    span = 730 * 24 * 60
    minutes: set[int] = set()
    while len(minutes) < messages:
        minutes.add(int(span * chooser.random() ** 0.7))
    lines = ["01/01/2024, 00:00 - Messages and calls are end-to-end encrypted.\n"]
    for minute in sorted(minutes):
        at = start + timedelta(minutes=minute)
        sender, text = (ME, _fill(chooser, chooser.choice(OWN))) if chooser.random() < 0.15 else (
            THEM, _their_text(chooser)
        )  # fmt: skip
        lines.append(f"{at:%d/%m/%Y, %H:%M} - {sender}: {text}\n")
    return "".join(lines)


def add_diary(
    vault: Vault, case_id: str, count: int, alex: str, refs: Sequence[str], chooser: random.Random
) -> int:
    """`count` entries; every tenth is amended once, every fifth names one or two exhibits."""
    versions = 0
    start = datetime(2024, 1, 2, 19, 0, tzinfo=UTC)
    for number in range(count):
        at = start + timedelta(hours=number * 730 * 24 // count)
        named = chooser.sample(list(refs), k=min(len(refs), 1 + number % 2)) if number % 5 == 0 else []
        draft = diary_draft(
            Moment(at.strftime("%Y-%m-%dT%H:%M:%S.000000Z"), at.strftime("%Y-%m-%dT%H:%M"), "UTC", "minute"),
            _fill(chooser, chooser.choice(DIARY)),
            place=chooser.choice(PLACES),
            behaviours=["loiter"],
            parties=[alex],
            impact="I felt scared and did not sleep." if number % 3 == 0 else None,
            exhibit_refs=named,
        )
        entry = add_entry(vault, case_id, draft)
        versions += 1
        if number % 10 == 0:
            amend_entry(
                vault, case_id, f"D{entry.number}", {"place": "the corner of Elm Road"}, "place corrected"
            )
            versions += 1
    return versions


def _their_text(chooser: random.Random) -> str:
    if chooser.random() < 0.02:
        return _fill(chooser, chooser.choice(MARKED))
    opener, body = chooser.choice(OPENERS), _fill(chooser, chooser.choice(BODIES))
    return f"{opener} {body}" if opener else body.capitalize()


def _fill(chooser: random.Random, template: str) -> str:
    time_of_day = f"{chooser.randrange(1, 13)}:{chooser.randrange(60):02d}"
    return template.format(thing=chooser.choice(THINGS), place=chooser.choice(PLACES), time=time_of_day)


# -- the timed steps, each in a fresh child process ----------------------------------------------------


def child_build(vault_folder: Path, out: Path, profile: bool) -> dict[str, Any]:
    from stalkproof.report import pdf
    from stalkproof.report.bundle import build_pack
    from stalkproof.report.pack_content import gather
    from stalkproof.report.selection import PackSelection

    parts = {"gather_s": 0.0, "layout_and_write_s": 0.0}

    def render(vault: Vault, case_id: str, selection: PackSelection, target: Path, exhibits: Any) -> Path:
        """What pdf.render_pdf does, in its two steps, each timed."""
        content, parts["gather_s"] = timed(lambda: gather(vault, case_id, selection, exhibits))
        written, parts["layout_and_write_s"] = timed(lambda: pdf.write_pdf(content, target))
        return written

    vault = Vault.unlock(vault_folder, passphrase=PASSPHRASE)
    (case,) = list_cases(vault)
    selection = PackSelection(None, None, None, ())
    action = lambda: build_pack(vault, case.id, out, selection, render_pdf=render)  # noqa: E731
    result, seconds = timed(action)
    vault.close()
    figures: dict[str, Any] = {
        "seconds": seconds, **parts, "events": result.events, "exhibits": len(result.exhibits),
        "peak_rss_mb": peak_rss_mb(),
    }  # fmt: skip
    if profile:
        again = Vault.unlock(vault_folder, passphrase=PASSPHRASE)
        target = out.with_name(out.name + "-profiled")
        figures["profile"] = profile_call(
            "build_pack", lambda: build_pack(again, case.id, target, selection, render_pdf=pdf.render_pdf)
        )
        again.close()
    return figures


def child_verify(out: Path, profile: bool) -> dict[str, Any]:
    from stalkproof.report.verify_pack import verify_pack

    check, seconds = timed(lambda: verify_pack(out))
    figures: dict[str, Any] = {
        "seconds": seconds, "ok": check.ok, "problems": len(check.problems), "peak_rss_mb": peak_rss_mb(),
    }  # fmt: skip
    if profile:
        figures["profile"] = profile_call("verify_pack", lambda: verify_pack(out))
    return figures


def timed(action: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def run_child(*arguments: str) -> dict[str, Any]:
    """Run this script in a fresh interpreter and read the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *arguments],
        check=True,
        capture_output=True,
        text=True,
    )
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def pack_size_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20


# -- output --------------------------------------------------------------------------------------------


def report(arguments: argparse.Namespace, case: dict[str, int], build: dict[str, Any], verify: dict[str, Any],
           pages: int, size_mb: float) -> None:  # fmt: skip
    rows: list[tuple[str, str, str, str]] = [
        ("build_pack with the PDF (whole case)", f"{build['seconds']:.1f} s", f"<= {BUILD_GOAL_S:.0f} s",
         _met(build["seconds"] <= BUILD_GOAL_S)),
        ("  of which: PDF content gathered", f"{build['gather_s']:.1f} s", "", ""),
        ("  of which: PDF laid out and written", f"{build['layout_and_write_s']:.1f} s", "", ""),
        ("  PDF pages / pages per second of the whole build", f"{pages:,} / {pages / build['seconds']:.1f}",
         "", ""),
        ("  events / exhibits in the pack", f"{build['events']:,} / {build['exhibits']:,}", "", ""),
        ("  pack size", f"{size_mb:,.1f} MB", "", ""),
        ("  peak RSS of the building process", f"{build['peak_rss_mb']:,.0f} MB", "", ""),
        ("verify_pack", f"{verify['seconds']:.2f} s", f"<= {VERIFY_GOAL_S:.0f} s",
         _met(verify["seconds"] <= VERIFY_GOAL_S)),
        ("  pack checks out", "yes" if verify["ok"] else f"NO ({verify['problems']} problems)", "", ""),
        ("  peak RSS of the verifying process", f"{verify['peak_rss_mb']:,.0f} MB", "", ""),
    ]  # fmt: skip
    print(f"\n{'figure':<52}{'value':>18}  {'goal':<12}met")
    print("-" * 88)
    for name, value, goal, met in rows:
        print(f"{name:<52}{value:>18}  {goal:<12}{met}")
    for figures in (build, verify):
        if "profile" in figures:
            print(f"\n{figures['profile']}")
    RESULTS.parent.mkdir(exist_ok=True)
    result: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
        },
        "settings": {"events": arguments.events, "exhibits": arguments.exhibits, "seed": arguments.seed},
        "case": case,
        "build": build,
        "verify": verify,
        "pdf_pages": pages,
        "pack_mb": size_mb,
        "goals_met": {
            "build": build["seconds"] <= BUILD_GOAL_S, "verify": verify["seconds"] <= VERIFY_GOAL_S,
        },
    }  # fmt: skip
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


# -- running -------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=10_000, help="events in the case (default 10,000)")
    parser.add_argument("--exhibits", type=int, default=500, help="exhibits in the case (default 500)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--profile", action="store_true", help="add cProfile summaries of build and verify")
    parser.add_argument("--child-build", nargs=2, metavar=("VAULT", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--child-verify", metavar="OUT", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_args(argv)
    if arguments.child_build:
        vault_folder, out = arguments.child_build
        print(json.dumps(child_build(Path(vault_folder), Path(out), arguments.profile)))
        return 0
    if arguments.child_verify:
        print(json.dumps(child_verify(Path(arguments.child_verify), arguments.profile)))
        return 0
    profile = ["--profile"] if arguments.profile else []
    with tempfile.TemporaryDirectory(prefix="stalkproof-bench-", dir="/tmp") as temporary:
        root = Path(temporary)
        (root / "files").mkdir()
        print(f"building a case of {arguments.events:,} events, {arguments.exhibits:,} exhibits (not timed)…")
        case, seconds = timed(
            lambda: build_case(
                root / "vault", root / "files", arguments.events, arguments.exhibits, arguments.seed
            )
        )
        print(f"  built in {seconds:.0f} s: {case}", flush=True)
        out = root / "pack"
        print("building the pack…", flush=True)
        build = run_child("--child-build", str(root / "vault"), str(out), *profile)
        print("verifying the pack…", flush=True)
        verify = run_child("--child-verify", str(out), *profile)
        pages, size_mb = pdf_pages(out / "evidence-pack.pdf"), pack_size_mb(out)
    report(arguments, case, build, verify, pages, size_mb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
