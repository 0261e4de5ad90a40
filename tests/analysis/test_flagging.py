"""Flagging in a worker process gives exactly the flags flagging here gives, in the same order."""

from __future__ import annotations

import random

import pytest

from stalkproof.analysis import flagging
from stalkproof.analysis.flagging import Flagging
from stalkproof.analysis.flags import Flagger

TEXTS = (
    "I will kill you if you go to the police",
    "see you at the gym, I'll kill it today",
    "I saw you at the station in your blue coat",
    "Please stop contacting me",
    "ok",
    "Send me the photos or everyone sees them",
    "thanks for the flowers",
)


def _pages(seed: int) -> list[list[tuple[int, str, str]]]:
    chooser = random.Random(seed)
    authors = ("suspect", "victim", "diary", "other")
    items = [(index, chooser.choice(TEXTS), chooser.choice(authors)) for index in range(3_000)]
    return [items[start : start + 500] for start in range(0, len(items), 500)]


def test_a_worker_finds_the_same_flags_as_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flagging, "POOL_FROM", 1)
    flagger = Flagger.load()
    here = Flagging(flagger, None, 3_000)
    pooled = Flagging(flagger, ("en",), 3_000)
    assert here.pool is None and pooled.pool is not None
    for page in _pages(7):
        here.add(page)
        pooled.add(page)
    expected, found = here.results(), pooled.results()
    assert found == expected
    assert len(expected) > 500
    assert [index for index, _ in found] == sorted(index for index, _ in found)
