"""Recognising, in the person's own words, that they blocked someone (rules in blocks.yaml)."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from stalkproof.datafile import Source, read_yaml, validate

DATA = Path(__file__).with_name("blocks.yaml")


class BlockRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    pattern: str


class BlockRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    reviewed: date
    licence: str
    source: list[Source]
    blocked: list[BlockRule]
    not_blocked: list[str]
    platforms: dict[str, list[str]]


# A negation only cancels a block said in the same clause: "I blocked him on WhatsApp but I can't block
# his email" records one block.
_CLAUSES = re.compile(r"[.!?;\n]+|\bbut\b", re.I)


class BlockFinder:
    def __init__(self, rules: BlockRules) -> None:
        self.rules = rules
        self._blocked = re.compile("|".join(f"(?:{rule.pattern})" for rule in rules.blocked), re.I | re.M)
        self._not = re.compile("|".join(f"(?:{pattern})" for pattern in rules.not_blocked), re.I)
        self._platforms = {
            platform: re.compile(
                r"\b(?:" + "|".join(re.escape(word.strip()) for word in words) + r")\b", re.I
            )
            for platform, words in rules.platforms.items()
        }

    @classmethod
    def load(cls) -> BlockFinder:
        return _finder()

    def records_block(self, text: str) -> bool:
        return bool(self.block_clauses(text))

    def block_clauses(self, text: str) -> list[str]:
        """The clauses of `text` that say the person blocked someone."""
        if "block" not in text.lower():
            return []
        return [
            clause
            for clause in _CLAUSES.split(text)
            if "block" in clause.lower() and self._blocked.search(clause) and not self._not.search(clause)
        ]

    def platforms_named(self, text: str) -> frozenset[str]:
        """The account platforms a block's words name ("blocked him on WhatsApp" → whatsapp), as whole
        words: "context" does not name texts."""
        return frozenset(platform for platform, words in self._platforms.items() if words.search(text))


@cache
def _finder() -> BlockFinder:
    data, tree = read_yaml(DATA)
    return BlockFinder(validate(BlockRules, data, DATA, tree))
