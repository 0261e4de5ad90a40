"""Flags for timeline rows as the `events` command and the web app show them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from stalkproof.analysis.flags import Flag, Flagger
from stalkproof.analysis.load import WhoIsWho
from stalkproof.evidence.events import TimelineFilter, timeline_columns

# What flagging a row reads (see flags_for_rows).
FLAGGED_COLUMNS = (
    "entry_id",
    "kind",
    "text",
    "text_normalised",
    "sender_account_id",
    "parties",
    "behaviours",
)


@dataclass(frozen=True)
class FlaggedEvent:
    entry_id: str
    flags: tuple[Flag, ...]


def flags_for_rows(rows: Iterable[Mapping[str, Any]], who: WhoIsWho, flagger: Flagger) -> list[list[Flag]]:
    """The flags each row's text raises, judged by who wrote it (a stop request counts only in the
    person's own words, a threat in anyone else's)."""
    found: list[list[Flag]] = []
    for row in rows:
        words = row.get("text_normalised") or row["text"]
        if not words:
            found.append([])
            continue
        account = who.account(row["sender_account_id"])
        author, _ = who.author_and_suspect(row["kind"], account, row["parties"], row["behaviours"])
        found.append(flagger.flags(words, author=author))
    return found


def flag_json(flag: Flag, text: str | None = None, searched: str = "text") -> dict[str, Any]:
    """`searched` names the text the span indexes: the text as found, or its search copy
    (`text_normalised`, which differs only where invisible or look-alike characters were tidied)."""
    item: dict[str, Any] = {
        "label": flag.label,
        "kind": flag.kind,
        "score": round(flag.score, 3),
        "reason": flag.reason,
        "rule": flag.rule,
        "behaviour": flag.behaviour,
        "span": [flag.start, flag.end],
        "span_of": searched,
    }
    if text is not None:
        item["matched"] = text[flag.start : flag.end]
    return item


def searched_text(row: Mapping[str, Any]) -> tuple[str | None, str]:
    """The text flags were found in, and its column name."""
    if row.get("text_normalised"):
        return row["text_normalised"], "text_normalised"
    return row["text"], "text"


def flagged_events(connection: Connection, case_id: str, flagger: Flagger) -> list[FlaggedEvent]:
    """Every event of the case whose text raises a flag, in timeline order."""
    rows = timeline_columns(connection, case_id, TimelineFilter(), FLAGGED_COLUMNS)
    who = WhoIsWho.of_case(connection, case_id)
    return [
        FlaggedEvent(row["entry_id"], tuple(found))
        for row, found in zip(rows, flags_for_rows(rows, who, flagger), strict=True)
        if found
    ]
