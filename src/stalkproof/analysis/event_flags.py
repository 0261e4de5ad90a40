"""Flags for timeline rows as the `events` command and the web app show them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from stalkproof.analysis.flags import Flag, Flagger
from stalkproof.analysis.load import WhoIsWho


def flags_for_rows(rows: Iterable[Mapping[str, Any]], who: WhoIsWho, flagger: Flagger) -> list[list[Flag]]:
    """The flags each row's text raises, judged by who wrote it (a stop request counts only in the
    person's own words, a threat in anyone else's)."""
    found: list[list[Flag]] = []
    for row in rows:
        words = row.get("text_normalised") or row["text"]
        if not words:
            found.append([])
            continue
        author, _ = who.author_and_suspect(row["kind"], who.account(row["sender_account_id"]), row["parties"])
        found.append(flagger.flags(words, author=author))
    return found


def flag_json(flag: Flag, text: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "label": flag.label,
        "kind": flag.kind,
        "score": round(flag.score, 3),
        "reason": flag.reason,
        "rule": flag.rule,
        "behaviour": flag.behaviour,
        "span": [flag.start, flag.end],
    }
    if text is not None:
        item["matched"] = text[flag.start : flag.end]
    return item
