"""Identifiers and looking things up by the short forms people type."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import Column, ColumnElement, Connection, select

from stalkproof.errors import InputError, NotFoundError

MIN_PREFIX = 4


def new_id() -> str:
    """64 random bits as 16 hex characters: unique in any vault, and short enough to read out."""
    return secrets.token_hex(8)


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
