"""Small cases built in memory (no vault) for testing the conduct measures, with the real flag rules."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from stalkproof.analysis.blocks import BlockFinder
from stalkproof.analysis.flagging import Flagging
from stalkproof.analysis.flags import Flagger
from stalkproof.analysis.load import AccountInfo, CaseEvents, Person, WhoIsWho, _Builder

START = datetime(2026, 1, 5, 9, 0)
SAM = Person("p-sam", "Sam Carter", "subject")
ALEX = Person("p-alex", "Alex Morgan", "suspect")
JORDAN = Person("p-jordan", "Jordan Lee", "suspect")
ACCOUNTS = [
    AccountInfo("a-sam-wa", "whatsapp", "Sam Carter", "Sam Carter", SAM.id),
    AccountInfo("a-alex-wa", "whatsapp", "Alex Morgan", "Alex Morgan", ALEX.id),
    AccountInfo("a-alex-sms", "sms", "+447700900666", None, ALEX.id),
    AccountInfo("a-alex-ig", "instagram", "am_watching", "Sam Carter", ALEX.id),
    AccountInfo("a-jordan-sms", "sms", "+447700900555", None, JORDAN.id),
    AccountInfo("a-sam-sms", "sms", "self", None, SAM.id),
    AccountInfo("a-self-unmarked", "whatsapp", "self", None, None),
]


@dataclass
class CaseBuilder:
    """Events added in time order: `day` is days after START, `minute` minutes after 09:00."""

    people: list[Person] = field(default_factory=lambda: [SAM, ALEX])
    rows: list[tuple[object, ...]] = field(default_factory=list)

    def add(
        self,
        day: float,
        text: str | None,
        *,
        sender: str | None = "a-alex-wa",
        kind: str = "message",
        channel: str | None = None,
        about: list[str] | None = None,
        behaviours: list[str] | None = None,
        actions: list[str] | None = None,
        precision: str = "minute",
    ) -> CaseBuilder:
        at = START + timedelta(days=day)
        if precision == "day":  # the vault keeps a date-only time at midday
            at = at.replace(hour=12, minute=0)
        channel = channel or (kind if kind == "diary" else sender_channel(sender))
        number = sum(1 for row in self.rows if row[2] == "diary") + 1 if kind == "diary" else None
        self.rows.append(
            (
                f"e{len(self.rows):04d}",
                number,
                kind,
                channel,
                at.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                at.strftime("%Y-%m-%dT%H:%M") if precision != "day" else at.strftime("%Y-%m-%d"),
                precision,
                sender if kind != "diary" else None,
                json.dumps(about) if about else None,
                json.dumps(behaviours) if behaviours else None,
                json.dumps(actions) if actions else None,
                text,
                None,
                f"r{len(self.rows):04d}",
            )
        )
        return self

    def build(self) -> CaseEvents:
        rows = sorted(self.rows, key=lambda row: str(row[4]))
        flagging = Flagging(Flagger.load(), None, len(rows))
        builder = _Builder(WhoIsWho(self.people, ACCOUNTS), flagging, BlockFinder.load())
        builder.add(rows)
        return builder.finish()


def sender_channel(sender: str | None) -> str:
    account = next((a for a in ACCOUNTS if a.id == sender), None)
    return account.platform if account else "other"
