"""Generated background messages for the demo: months of contact that grows, so the analysis has a
pattern to find (a slow start, a rise, night-time messages, a move to SMS after the WhatsApp block).

Deterministic: the same spec always gives the same messages. Everything is fictional.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo

LINES = (
    "Can we talk?",
    "Why are you ignoring me",
    "I miss you",
    "Just want to know you're ok",
    "Pick up your phone",
    "You can't just pretend I don't exist",
    "I drove past yours earlier",
    "Answer me Sam",
    "I'm not going anywhere",
    "Thinking about you",
    "Remember our trip to the coast?",
    "One coffee. That's all I'm asking",
    "Who were you with tonight",
    "You used to reply straight away",
    "I'll keep trying until you answer",
)


@dataclass(frozen=True)
class Stretch:
    """From `start` (inclusive) to `end` (exclusive), about `per_week` messages a week; `night` is the
    share sent between 22:00 and 06:00."""

    start: date
    end: date
    per_week: float
    night: float


def stretches(spec: dict[str, Any]) -> list[Stretch]:
    return [
        Stretch(
            date.fromisoformat(str(item["from"])),
            date.fromisoformat(str(item["to"])),
            item["per_week"],
            item["night"],
        )
        for item in spec["stretches"]
    ]


def messages(spec: dict[str, Any], zone: str) -> list[tuple[datetime, str]]:
    """Local times (aware, in `zone`) and texts, in time order."""
    chooser = random.Random(int(spec["seed"]))  # noqa: S311 -- a reproducible fictional story, not security
    tz = ZoneInfo(zone)
    found: list[tuple[datetime, str]] = []
    for stretch in stretches(spec):
        day = stretch.start
        while day < stretch.end:
            for _ in range(_poisson(chooser, stretch.per_week / 7)):
                found.append((_moment(chooser, day, stretch.night, tz), chooser.choice(LINES)))
            day += timedelta(days=1)
    return sorted(found)


def whatsapp_lines(spec: dict[str, Any], zone: str, sender: str) -> str:
    """Android en-GB export lines: '05/01/2026, 19:02 - Alex Morgan: text'."""
    return "".join(f"{at:%d/%m/%Y, %H:%M} - {sender}: {text}\n" for at, text in messages(spec, zone))


def sms_elements(spec: dict[str, Any], zone: str, address: str, contact: str) -> str:
    """SMS Backup & Restore <sms> elements for messages received from `address`."""
    return "".join(
        f'  <sms protocol="0" address="{address}" date="{int(at.timestamp() * 1000)}" type="1" '
        f'subject="null" body={quoteattr(text)} read="1" status="-1" locked="0" contact_name="{contact}" />\n'
        for at, text in messages(spec, zone)
    )


def _moment(chooser: random.Random, day: date, night_share: float, tz: ZoneInfo) -> datetime:
    if chooser.random() < night_share:
        minute = chooser.randrange(22 * 60, 30 * 60) % (24 * 60)  # 22:00 to 05:59
    else:
        minute = chooser.randrange(7 * 60, 22 * 60)
    return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)


def _poisson(chooser: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small daily means used here."""
    limit, count, product = math.exp(-mean), 0, chooser.random()
    while product > limit:
        count += 1
        product *= chooser.random()
    return count
