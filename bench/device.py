"""`stalkproof device check` beside `mvt-android check-androidqf`, on the same acquisitions with the same
STIX2 indicators.

Two acquisitions: MVT's own public AndroidQF test folder (read in place from
../shared/data/device-samples, with `mvt-decoys.stix2`), and a synthetic AndroidQF folder written by
tests/digital/phone_fixtures.py (the "watched" phone plus `--filler` ordinary apps, with Echap's
`echap-apps.stix2`). stalkproof uses only the STIX2 file here (not its own Echap copy), so both tools
see exactly the same indicators.

Printed for each: the critical findings of each tool as sets of matched indicator values (the goal:
stalkproof finds every value MVT rates critical, and rates it critical too unless its reviewed levels
say otherwise — Echap's watchware is "high" by design), and the wall time of each tool run as a
separate process (median of `--rounds`), with the ratio MVT / stalkproof.

MVT is never a dependency of stalkproof: it runs from its own virtual environment
(`python3 -m venv /root/mvt-venv && /root/mvt-venv/bin/pip install mvt`), with network access switched
off. Without it, only stalkproof is measured. Results go to bench/results/device.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from digital import phone_fixtures as fx  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "data" / "device-samples"
DEFAULT_MVT = Path("/root/mvt-venv")
RESULTS = ROOT / "bench" / "results" / "device.json"

# The stalkproof side, run as its own process like MVT: load the STIX2 file, check, write alerts.json.
_STALKPROOF_CHILD = """
import sys
from pathlib import Path
from stalkproof.digital.indicators.store import load_indicators
from stalkproof.digital.phone import check_device, write_alerts_json
indicators = load_indicators([Path(sys.argv[2])], echap=False).indicators
write_alerts_json(check_device(Path(sys.argv[1]), indicators), Path(sys.argv[3]))
"""


@dataclass(frozen=True)
class Target:
    name: str
    path: Path
    stix2: Path


@dataclass
class Outcome:
    target: str
    apps: int
    stalkproof_seconds: float
    mvt_seconds: float | None = None
    ratio: float | None = None
    stalkproof_critical: list[str] = field(default_factory=list)
    mvt_critical: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    rated_lower: dict[str, str] = field(default_factory=dict)
    superset: bool | None = None


def mvt_executable(option: Path) -> Path | None:
    """`--mvt` may name the virtual environment or the `mvt-android` program itself."""
    candidate = option / "bin" / "mvt-android" if option.is_dir() else option
    return candidate if candidate.is_file() else None


def run_stalkproof(target: Target, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", _STALKPROOF_CHILD, str(target.path), str(target.stix2), str(out)],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    return time.perf_counter() - started


def run_mvt(mvt: Path, target: Target, out: Path, config: Path) -> float:
    env = {**os.environ, "MVT_NETWORK_ACCESS_ALLOWED": "false", "MVT_CONFIG_FOLDER": str(config)}
    command = [str(mvt), "check-androidqf", "-i", str(target.stix2), "-o", str(out), str(target.path)]
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def matched(alerts_json: Path, critical_only: bool) -> dict[str, str]:
    """Matched indicator value (lower case) → level, from an `alerts.json` of either tool."""
    found: dict[str, str] = {}
    for alert in json.loads(alerts_json.read_text()):
        indicator = alert.get("matched_indicator") or {}
        level = str(alert.get("level", "")).lower()
        if indicator.get("value") and (level == "critical" or not critical_only):
            found.setdefault(str(indicator["value"]).lower(), level)
    return found


def measure(target: Target, mvt: Path | None, rounds: int, work: Path) -> Outcome:
    ours_times, mvt_times = [], []
    for round_number in range(rounds):
        ours_out, mvt_out = work / f"ours-{round_number}", work / f"mvt-{round_number}"
        ours_times.append(run_stalkproof(target, ours_out))
        if mvt is not None:
            mvt_times.append(run_mvt(mvt, target, mvt_out, work / "mvt-config"))
    apps = len(json.loads((target.path / "packages.json").read_text()))
    outcome = Outcome(target.name, apps, statistics.median(ours_times))
    ours_all = matched(work / "ours-0" / "alerts.json", critical_only=False)
    outcome.stalkproof_critical = sorted(value for value, level in ours_all.items() if level == "critical")
    if mvt is None:
        return outcome
    mvt_critical = set(matched(work / "mvt-0" / "alerts.json", critical_only=True))
    outcome.mvt_seconds = statistics.median(mvt_times)
    outcome.ratio = outcome.mvt_seconds / outcome.stalkproof_seconds
    outcome.mvt_critical = sorted(mvt_critical)
    outcome.missed = sorted(mvt_critical - set(ours_all))
    outcome.rated_lower = {value: ours_all[value] for value in sorted(mvt_critical & set(ours_all))}
    outcome.rated_lower = {
        value: level for value, level in outcome.rated_lower.items() if level != "critical"
    }
    outcome.superset = not outcome.missed
    return outcome


def targets(work: Path, filler: int) -> list[Target]:
    indicators = SAMPLES / "indicators"
    found = []
    public = SAMPLES / "inputs" / "mvt" / "androidqf"
    if public.is_dir():
        found.append(Target("MVT test AndroidQF (public)", public, indicators / "mvt-decoys.stix2"))
    else:
        print(f"(the public samples are not at {SAMPLES}: only the synthetic acquisition is measured)")
    synthetic = fx.write_androidqf(work / "synthetic-androidqf", fx.WATCHED, filler_apps=filler)
    found.append(
        Target(f"synthetic AndroidQF ({filler:,} filler apps)", synthetic, indicators / "echap-apps.stix2")
    )
    return found


def report(outcomes: list[Outcome]) -> None:
    header = f"{'acquisition':<40} {'apps':>6} {'stalkproof':>11} {'MVT':>9} {'MVT/ours':>9}"
    print(f"\n{header}  ours ⊇ MVT critical")
    for outcome in outcomes:
        mvt = f"{outcome.mvt_seconds:.2f} s" if outcome.mvt_seconds is not None else "—"
        ratio = f"{outcome.ratio:.2f}x" if outcome.ratio is not None else "—"
        verdict = {None: "—", True: "yes", False: "NO"}[outcome.superset]
        print(
            f"{outcome.target:<40} {outcome.apps:>6} {outcome.stalkproof_seconds:>9.2f} s {mvt:>9} "
            f"{ratio:>9}  {verdict}"
        )
    for outcome in outcomes:
        print(f"\n{outcome.target}")
        ours = outcome.stalkproof_critical
        print(f"  stalkproof critical ({len(ours)}): {', '.join(ours)}")
        if outcome.mvt_seconds is not None:
            print(f"  MVT critical ({len(outcome.mvt_critical)}): {', '.join(outcome.mvt_critical)}")
            print(f"  missed by stalkproof: {', '.join(outcome.missed) or 'none'}")
            for value, level in outcome.rated_lower.items():
                print(f"  rated {level} by stalkproof (its reviewed level), critical by MVT: {value}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mvt", type=Path, default=DEFAULT_MVT, help="MVT's venv or mvt-android program")
    parser.add_argument("--filler", type=int, default=2000, help="ordinary apps added to the synthetic phone")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    mvt = mvt_executable(args.mvt)
    if mvt is None:
        print(f"MVT is not installed at {args.mvt}: measuring stalkproof only. To compare, run")
        print(f"  python3 -m venv {DEFAULT_MVT} && {DEFAULT_MVT}/bin/pip install mvt")
    with tempfile.TemporaryDirectory(prefix="stalkproof-bench-device-") as folder:
        work = Path(folder)
        outcomes = []
        for index, target in enumerate(targets(work, args.filler)):
            outcomes.append(measure(target, mvt, args.rounds, work / f"run-{index}"))
    report(outcomes)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "mvt": str(mvt) if mvt else None,
        "rounds": args.rounds,
        "outcomes": [asdict(outcome) for outcome in outcomes],
    }
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nresults written to {args.output}")
    return 0 if all(outcome.superset is not False for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
