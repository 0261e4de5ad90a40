"""Flagging a case's texts while it is read: in this process for small cases, in worker processes for
large ones, so reading the vault and matching the rules use both cores of a small laptop.

Results come back in page order, so the flags are the same whichever way they were computed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from stalkproof.analysis.flags import Flag, Flagger

# Below this many events, starting workers (each compiles the rules) costs more than it saves.
POOL_FROM = 100_000
# Pages waiting for the worker before this process flags the next one itself.
QUEUED = 2

Texts = list[tuple[int, str, str]]  # (event index, text, author)
Found = list[tuple[int, tuple[Flag, ...]]]


def flag_texts(flagger: Flagger, texts: Texts) -> Found:
    found = []
    flag = flagger.flags
    for index, text, author in texts:
        flags = flag(text, author=author)
        if flags:
            found.append((index, tuple(flags)))
    return found


def _flag_in_worker(languages: tuple[str, ...], texts: Texts) -> Found:
    return flag_texts(Flagger.load(languages), texts)


class Flagging:
    """Takes pages of texts; `results()` gives every flagged event in index order."""

    def __init__(self, flagger: Flagger, languages: Sequence[str] | None, events: int) -> None:
        self.flagger = flagger
        self.found: Found = []
        self.pending: list[Future[Found]] = []
        self.pool: ProcessPoolExecutor | None = None
        if languages is not None and events >= POOL_FROM and (os.cpu_count() or 1) > 1:
            # One worker, as this process reads and flags too. spawn: a forked child would share the
            # open vault connection's state.
            self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self.languages = tuple(languages or ())

    def add(self, texts: Texts) -> None:
        # A page goes to the worker while it has little queued; otherwise it is flagged here, between
        # reads. So neither process waits for the other, whichever is faster on this machine.
        if self.pool is not None and sum(not future.done() for future in self.pending) < QUEUED:
            self.pending.append(self.pool.submit(_flag_in_worker, self.languages, texts))
        else:
            self.found += flag_texts(self.flagger, texts)

    def results(self) -> Found:
        try:
            for future in self.pending:
                self.found += future.result()
        finally:
            if self.pool is not None:
                self.pool.shutdown()
        return sorted(self.found, key=lambda item: item[0])
