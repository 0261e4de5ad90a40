"""Rule flags: precision and recall per label on the labelled evaluation set, and messages per second.

`python bench/flags.py` prints, for tests/data/flags/eval-en.yaml:

1. precision, recall and F1 per label on the `dev` part (used to tune the rules), the `holdout` part
   (written with the rest before any rule, never used for tuning) and both together; then the same per
   threat kind where there are enough items, and how often an item with no label got a flag anyway;
2. messages per second over a generated, realistic mix of 200,000 messages (mostly ordinary chat, some
   diary notes, a few per cent taken from the evaluation set), against the goal of 100,000/s;
3. the same over 200,000 of the suspect's messages as bench/analysis.py writes them for its
   course-of-conduct case (everyday pleading and angry chat full of words like "talk", "phone" and
   "you", 2% threats and sightings): the harder mix the full analysis of a case meets.

An item counts as predicted for a label when any flag with that label is returned (flags below the
rules' `report_at` score are never returned). Results are written to bench/results/flags.json.
`--errors` lists the dev items the rules get wrong, for whoever tunes them; holdout errors are never
listed, so that the holdout figures stay honest.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script from anywhere: make the repository importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml

from bench.analysis import _their_text as course_text
from stalkproof.analysis.flags import Flagger

ROOT = Path(__file__).resolve().parents[1]
EVAL_FILE = ROOT / "tests" / "data" / "flags" / "eval-en.yaml"
RESULTS = Path(__file__).resolve().parent / "results" / "flags.json"
SPEED_GOAL = 100_000.0
MIX_SIZE = 200_000
MIX_SEED = 20261124
COURSE_SEED = 6  # bench/analysis.py's own default seed
SPLITS = ("dev", "holdout", "all")
MIN_KIND_ITEMS = 5


@dataclass(frozen=True)
class Item:
    id: str
    split: str
    author: str
    text: str
    labels: frozenset[str]
    kinds: frozenset[str]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.support if self.support else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)

    def add(self, expected: bool, predicted: bool) -> None:
        self.tp += expected and predicted
        self.fp += predicted and not expected
        self.fn += expected and not predicted

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "n": self.support,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass
class Evaluation:
    labels: dict[str, Counts] = field(default_factory=dict)
    kinds: dict[str, Counts] = field(default_factory=dict)
    micro: Counts = field(default_factory=Counts)
    negatives: int = 0
    false_alarms: int = 0


def load_items(path: Path = EVAL_FILE) -> list[Item]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Item(
            id=raw["id"],
            split=raw["split"],
            author=raw["author"],
            text=raw["text"],
            labels=frozenset(raw["labels"]),
            kinds=frozenset(raw.get("kinds", ())),
        )
        for raw in data["items"]
    ]


def predict(flagger: Flagger, item: Item) -> tuple[frozenset[str], frozenset[str]]:
    flags = flagger.flags(item.text, author=item.author)
    labels = frozenset(flag.label for flag in flags)
    kinds = frozenset(flag.kind for flag in flags if flag.label == "threat")
    return labels, kinds


def evaluate(flagger: Flagger, items: Iterable[Item]) -> Evaluation:
    result = Evaluation(
        labels={label: Counts() for label in flagger.labels()},
        kinds={},
    )
    for item in items:
        labels, kinds = predict(flagger, item)
        for label, counts in result.labels.items():
            counts.add(label in item.labels, label in labels)
            result.micro.add(label in item.labels, label in labels)
        for kind in item.kinds | kinds:
            result.kinds.setdefault(kind, Counts()).add(kind in item.kinds, kind in kinds)
        if not item.labels:
            result.negatives += 1
            result.false_alarms += bool(labels)
    return result


def split_items(items: Sequence[Item], split: str) -> list[Item]:
    return list(items) if split == "all" else [item for item in items if item.split == split]


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _cell(counts: Counts) -> str:
    return f"{_figure(counts.precision)} / {_figure(counts.recall)} / {_figure(counts.f1)} ({counts.support})"


def table(title: str, rows: dict[str, dict[str, Counts]]) -> list[str]:
    width = max(len(title), *(len(name) for name in rows))
    header = f"| {title:<{width}} | " + " | ".join(f"{s} P / R / F1 (n)" for s in SPLITS) + " |"
    lines = [header, "|" + "-" * (width + 2) + "|" + "|".join(["---"] * len(SPLITS)) + "|"]
    for name, by_split in rows.items():
        lines.append(f"| {name:<{width}} | " + " | ".join(_cell(by_split[s]) for s in SPLITS) + " |")
    return lines


# --- The generated mix -------------------------------------------------------------------------------

_OPENERS = [
    "",
    "",
    "",
    "hey ",
    "hi ",
    "ok ",
    "lol ",
    "omg ",
    "yeah ",
    "sorry ",
    "morning! ",
    "thanks ",
    "haha ",
    "hiya ",
    "so ",
    "babe ",
    "mate ",
    "right, ",
    "oh ",
    "aw ",
]
_BODIES = [
    "running {n} mins late",
    "see you at {t}",
    "what time is dinner?",
    "can you grab milk on the way home",
    "did you see the match last night",
    "I'm on the train now",
    "just got home",
    "the meeting ran over",
    "kids are in bed finally",
    "are you free on {d}?",
    "love you",
    "what do you want for tea",
    "the dog needs a walk",
    "I'll call you later",
    "can't find my keys anywhere",
    "it's raining again",
    "traffic is awful on the ring road",
    "happy birthday {name}!",
    "how was your day?",
    "going to the gym after work",
    "left my charger at work",
    "is the shop still open?",
    "tickets are booked for {d}",
    "I know, right?",
    "see you tomorrow",
    "the car's at the garage till {d}",
    "did you get my email about {d}?",
    "watching the new series tonight",
    "work was so long today",
    "the train is delayed again",
    "fancy a coffee {d}?",
    "missed your call, all ok?",
    "call me when you can",
    "{name} says hi",
    "can you send me the photos from {d}",
    "what's the plan for the weekend",
    "I'm knackered",
    "dinner was lovely, thank you",
    "the heating's broken again",
    "have you paid the electric?",
    "don't forget the bins go out {d}",
    "{name}'s coming round at {t}",
    "need anything from town?",
    "I'll pick the kids up at {t}",
    "my phone's about to die",
    "parcel came for you",
    "shall we book the holiday?",
    "pub quiz {d}, you in?",
    "can't stop laughing at this",
    "that film was so good",
    "on my way",
    "just landed",
    "what's the wifi password again",
    "I left the keys under the mat",
    "stuck in traffic",
    "the boss wants the report by {d}",
    "ordered pizza, want some?",
    "we won 3-1!!",
    "how's your mum doing?",
    "I'll be there in {n}",
    "enjoy your holiday!",
    "good luck in your exam",
    "it's freezing out",
    "the cat knocked the plant over",
    "can we move it to {t}?",
    "thanks for the lift",
    "I've sent the form back",
    "school trip money is due {d}",
    "hope you feel better soon",
    "what are you up to?",
    "brilliant news!!",
    "I'll bring the wine",
    "nearly home",
    "did you watch bake off",
    "the bus didn't turn up",
    "remind me to call the dentist",
    "let me know when you're home safe",
    "Ella's parents' evening is {d} at {t}",
    "I'll do the shopping {d}",
    "can you check the boiler",
    "sorry I missed you earlier",
    "I saw the new Bond film, not bad",
    "happy anniversary xx",
    "fingers crossed for {d}",
]
_CLOSERS = [
    "",
    "",
    "",
    " x",
    " xx",
    "!",
    "?",
    " 😂",
    " 👍",
    " lol",
    " thanks",
    " :)",
    " ❤️",
    " 🙄",
    " speak soon",
    " haha",
    "!!",
]
_DIARY = [
    "Quiet day, nothing from him.",
    "Went to work, nothing unusual.",
    "Saw the GP about sleep.",
    "Slept badly again.",
    "Called the helpline, they were kind.",
    "Changed the locks today.",
    "Spoke to the officer on the phone, reference {n}.",
    "Took the kids to school, all fine.",
    "Checked the car this morning, all fine.",
    "Went to mum's for tea.",
    "Nothing today.",
    "Worked from home.",
    "Long walk with {name}.",
    "Counselling session at {t}.",
    "Three missed calls from a withheld number at {t}.",
    "Another message on Instagram, screenshot saved.",
]
_NAMES = ["Jess", "Sam", "Priya", "Tom", "Leah", "Marcus", "Chloe", "Amir", "Ella", "Dan"]
_DAYS = ["Monday", "Tuesday", "Friday", "Saturday", "Sunday", "tomorrow", "next week", "the weekend"]


def generated_mix(items: Sequence[Item], size: int = MIX_SIZE, seed: int = MIX_SEED) -> list[tuple[str, str]]:
    """(text, author) pairs: about 93% ordinary chat, 4% diary notes, 3% evaluation-set messages."""
    rng = random.Random(seed)
    mix: list[tuple[str, str]] = []
    authors = ["other", "suspect", "victim"]
    for _ in range(size):
        roll = rng.random()
        if roll < 0.03:
            item = rng.choice(items)
            mix.append((item.text, item.author))
            continue
        fill = {
            "n": str(rng.randint(2, 45)),
            "t": f"{rng.randint(1, 12)}{rng.choice(['', ':30', 'pm', 'am', ':15'])}",
            "d": rng.choice(_DAYS),
            "name": rng.choice(_NAMES),
        }
        if roll < 0.07:
            mix.append((rng.choice(_DIARY).format(**fill), "diary"))
            continue
        text = rng.choice(_OPENERS) + rng.choice(_BODIES).format(**fill) + rng.choice(_CLOSERS)
        mix.append((text, rng.choices(authors, weights=(5, 3, 2))[0]))
    return mix


def course_mix(size: int = MIX_SIZE, seed: int = COURSE_SEED) -> list[tuple[str, str]]:
    """(text, "suspect") pairs made by bench/analysis.py's own generator of the suspect's messages."""
    rng = random.Random(seed)
    return [(course_text(rng), "suspect") for _ in range(size)]


def measure_speed(flagger: Flagger, mix: Sequence[tuple[str, str]], rounds: int) -> dict[str, Any]:
    timings = []
    flagged = 0
    for _ in range(rounds):
        started = time.perf_counter()
        flagged = sum(1 for text, author in mix if flagger.flags(text, author=author))
        timings.append(time.perf_counter() - started)
    seconds = statistics.median(timings)
    return {
        "messages": len(mix),
        "rounds": rounds,
        "seconds_median": seconds,
        "seconds_all": timings,
        "per_second": len(mix) / seconds,
        "goal_per_second": SPEED_GOAL,
        "flagged_share": flagged / len(mix),
    }


def speed_line(title: str, what: str, speed: dict[str, Any], rounds: int) -> str:
    verdict = "meets" if speed["per_second"] >= SPEED_GOAL else "MISSES"
    return (
        f"{title}: {speed['messages']:,} {what} ({speed['flagged_share']:.1%} flagged), "
        f"median of {rounds}: {speed['seconds_median']:.2f} s = {speed['per_second']:,.0f} messages/s "
        f"({verdict} the goal of {SPEED_GOAL:,.0f}/s)"
    )


def show_dev_errors(flagger: Flagger, items: Sequence[Item]) -> None:
    for item in split_items(items, "dev"):
        labels, kinds = predict(flagger, item)
        if labels != item.labels or ("threat" in item.labels and kinds != item.kinds):
            flags = flagger.flags(item.text, author=item.author)
            got = ", ".join(f"{f.label}/{f.kind} {f.score} {f.rule}" for f in flags) or "nothing"
            want = ", ".join(sorted(item.labels | item.kinds)) or "nothing"
            print(f"{item.id} [{item.author}] {item.text!r}\n    want: {want}\n    got:  {got}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--messages", type=int, default=MIX_SIZE, help="size of the generated mix")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the mix (median shown)")
    parser.add_argument("--errors", action="store_true", help="list dev items the rules get wrong")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    flagger = Flagger.load()
    load_seconds = time.perf_counter() - started
    items = load_items()
    if args.errors:
        show_dev_errors(flagger, items)
        return 0

    results = {split: evaluate(flagger, split_items(items, split)) for split in SPLITS}
    label_rows = {label: {s: results[s].labels[label] for s in SPLITS} for label in flagger.labels()}
    label_rows["all labels (micro)"] = {s: results[s].micro for s in SPLITS}
    kinds = sorted(k for k, c in results["all"].kinds.items() if c.support >= MIN_KIND_ITEMS)
    kind_rows = {kind: {s: results[s].kinds.get(kind, Counts()) for s in SPLITS} for kind in kinds}

    counts = {s: len(split_items(items, s)) for s in SPLITS}
    print(
        f"Rule flags {flagger.rules_version}: {EVAL_FILE.relative_to(ROOT)}, {counts['dev']} dev + "
        f"{counts['holdout']} holdout = {counts['all']} items (compiled in {load_seconds:.2f} s)\n"
    )
    print("\n".join(table("label", label_rows)))
    print()
    print("\n".join(table("threat kind", kind_rows)))
    print()
    for split in SPLITS:
        result = results[split]
        print(f"false alarms on items with no label ({split}): {result.false_alarms} of {result.negatives}")

    print()
    speed = measure_speed(flagger, generated_mix(items, args.messages), args.rounds)
    print(speed_line("speed", "generated messages", speed, args.rounds))
    course_speed = measure_speed(flagger, course_mix(args.messages), args.rounds)
    print(speed_line("speed, course-of-conduct mix", "suspect's messages", course_speed, args.rounds))

    report = {
        "rules_version": flagger.rules_version,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "items": counts,
        "labels": {label: {s: c.as_dict() for s, c in row.items()} for label, row in label_rows.items()},
        "threat_kinds": {kind: {s: c.as_dict() for s, c in row.items()} for kind, row in kind_rows.items()},
        "false_alarms": {
            s: {"items": results[s].negatives, "flagged": results[s].false_alarms} for s in SPLITS
        },
        "speed": speed,
        "speed_course_mix": course_speed,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
