"""Identifiers and looking things up by the short forms people type."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Sequence

from sqlalchemy import Column, ColumnElement, Connection, select

from stalkproof.errors import InputError, NotFoundError

MIN_PREFIX = 4


def new_id() -> str:
    """64 random bits as 16 hex characters: unique in any vault, and short enough to read out."""
    return secrets.token_hex(8)


class _OrderedIds:
    """Ids that sort in the order they were made: the millisecond (44 bits) then a counter that starts at
    a random point (20 bits), never repeating or going backwards within a process.

    Events are the one table that grows to millions of rows. With random ids every batch lands all over
    the id indexes and each commit rewrites most of their pages, so imports slow down as the vault grows
    (measured: 8 us an event at first, 20 us after 200,000). Ordered ids append at the end instead."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def take(self, count: int) -> list[str]:
        with self._lock:
            now = time.time_ns() // 1_000_000 << 20 | secrets.randbits(19)
            first = max(now, self._last + 1)
            self._last = first + count - 1
        return [f"{number:016x}" for number in range(first, first + count)]


_ordered = _OrderedIds()


def new_ordered_ids(count: int) -> list[str]:
    """`count` ids of 16 hex characters that sort in creation order, for rows that arrive in bulk."""
    return _ordered.take(count)


def find_by_prefix(
    connection: Connection, key: Column[str], text: str, what: str, scope: Sequence[ColumnElement[bool]] = ()
) -> str:
    """The one `key` value that starts with `text` (at least four characters), within `scope` filters."""
    text = text.strip().lower()
    if len(text) < MIN_PREFIX:
        raise InputError(
            f"'{text}' is too short to name a {what}: give at least {MIN_PREFIX} characters of its id."
        )
    query = select(key).distinct().where(key.startswith(text, autoescape=True), *scope).limit(2)
    rows = connection.execute(query).scalars().all()
    if not rows:
        raise NotFoundError(f"No {what} has an id starting '{text}'.")
    if len(rows) > 1:
        raise InputError(f"More than one {what} has an id starting '{text}': give more of it.")
    return str(rows[0])
