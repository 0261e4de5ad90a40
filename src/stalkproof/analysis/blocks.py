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


class BlockFinder:
    def __init__(self, rules: BlockRules) -> None:
        self.rules = rules
        self._blocked = re.compile("|".join(f"(?:{rule.pattern})" for rule in rules.blocked), re.I | re.M)
        self._not = re.compile("|".join(f"(?:{pattern})" for pattern in rules.not_blocked), re.I)

    @classmethod
    def load(cls) -> BlockFinder:
        return _finder()

    def records_block(self, text: str) -> bool:
        return "block" in text.lower() and bool(self._blocked.search(text)) and not self._not.search(text)

    def platforms_named(self, text: str) -> frozenset[str]:
        """The account platforms a block's words name ("blocked him on WhatsApp" → whatsapp)."""
        lowered = f" {text.lower()} "
        return frozenset(
            platform
            for platform, words in self.rules.platforms.items()
            if any(word in lowered for word in words)
        )


@cache
def _finder() -> BlockFinder:
    data, tree = read_yaml(DATA)
    return BlockFinder(validate(BlockRules, data, DATA, tree))
