"""The append-only, hash-chained ledger of every change to the vault.

Each entry records who did what to which row, the SHA-256 of that row's canonical form, and the hash of
the entry before it, so removing, reordering or editing any entry breaks the chain from that point on.
Entries are written in the same database transaction as the change they describe: both land or neither.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import partial
from itertools import repeat
from operator import is_, itemgetter, methodcaller
from typing import Any

import orjson
from sqlalchemy import Connection, Table, select

from stalkproof.vault.schema import LATE_COLUMNS, ledger

GENESIS = "0" * 64
_SORTED = orjson.OPT_SORT_KEYS
# Column names may arrive as SQLAlchemy's `quoted_name`, a str subclass orjson only accepts with
# NON_STR_KEYS. That option makes every dump about a third slower, so it is the fallback, not the rule.
_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def canonical(payload: Mapping[str, Any]) -> bytes:
    """One byte string per row, whatever the database: JSON in UTF-8 with sorted keys, no spaces and text
    kept as found (only quotes, backslashes and control characters escaped). These are exactly the bytes
    `json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` gives, so anyone can
    recompute a hash with the standard library; orjson produces them about four times faster."""
    try:
        return orjson.dumps(payload, option=_SORTED)
    except TypeError:  # a key that is a str subclass (a column name): the same bytes, more slowly
        return orjson.dumps(payload, option=_CANONICAL)


def payload_hash(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()


def canonical_row(table_name: str, row: Mapping[str, Any]) -> Mapping[str, Any]:
    """The form of a row that is hashed: every column, except columns added by a later migration while
    they are empty (`LATE_COLUMNS`), whether they are None or not in the dict at all. Used both when
    writing and by `verify`, so the two always agree."""
    late = LATE_COLUMNS.get(table_name)
    if not late or row.keys().isdisjoint(late):
        return row
    empty = [name for name in late if name in row and row[name] is None]
    if not empty:
        return row
    trimmed = dict(row)
    for name in empty:
        del trimmed[name]
    return trimmed


def row_hash(table_name: str, row: Mapping[str, Any]) -> str:
    return payload_hash(canonical_row(table_name, row))


@dataclass(frozen=True)
class Entry:
    seq: int
    recorded_at: str
    actor: str
    action: str
    object_type: str
    object_id: str
    payload_sha256: str
    prev_hash: str
    entry_hash: str

    def expected_hash(self) -> str:
        return entry_hash(
            self.seq,
            self.recorded_at,
            self.actor,
            self.action,
            self.object_type,
            self.object_id,
            self.payload_sha256,
            self.prev_hash,
        )

    def as_row(self) -> dict[str, Any]:
        return dict(vars(self))


def entry_hash(
    seq: int,
    recorded_at: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    payload_sha256: str,
    prev_hash: str,
) -> str:
    fields = [seq, recorded_at, actor, action, object_type, object_id, payload_sha256, prev_hash]
    return hashlib.sha256(orjson.dumps({"ledger-entry/1": fields}, option=_SORTED)).hexdigest()


class Recorder:
    """Writes rows and their ledger entries together, inside one open transaction."""

    def __init__(self, connection: Connection, actor: str, now: str) -> None:
        self.connection = connection
        self.actor = actor
        self.now = now
        last = connection.execute(
            select(ledger.c.seq, ledger.c.entry_hash).order_by(ledger.c.seq.desc()).limit(1)
        ).first()
        self.next_seq: int = int(last[0]) + 1 if last else 1
        self.prev_hash: str = str(last[1]) if last else GENESIS
        self.appended = 0

    def insert(self, table: Table, row: Mapping[str, Any], action: str = "create") -> None:
        self.insert_many(table, [row], action)

    def insert_many(self, table: Table, rows: Iterable[Mapping[str, Any]], action: str = "create") -> int:
        """Insert complete rows (every column present) and one ledger entry per row."""
        batch = list(rows)
        if not batch:
            return 0
        _bulk_insert(self.connection, table, batch)
        key = _key(table)
        # str(): table names are SQLAlchemy `quoted_name`s, which the driver binds through a slow path.
        name = str(table.name)
        hasher = partial(row_hash, name) if _has_late_columns(table, batch) else payload_hash
        self._append(action, name, [(row[key], hasher(row)) for row in batch])
        return len(batch)

    def record(self, action: str, object_type: str, object_id: str, payload: Mapping[str, Any]) -> None:
        """Ledger a change made outside `insert` (a redaction, the vault's own creation)."""
        self._append(action, object_type, [(object_id, row_hash(object_type, payload))])

    def _append(self, action: str, object_type: str, items: Iterable[tuple[str, str]]) -> None:
        entries = list(self._entries(action, object_type, items))
        _write_values(self.connection, ledger, _LEDGER_COLUMNS, entries)
        self.appended += len(entries)

    def _entries(
        self, action: str, object_type: str, items: Iterable[tuple[str, str]]
    ) -> Iterator[tuple[Any, ...]]:
        """Entries as tuples in the order of `Entry`'s fields."""
        seq, prev, now, actor = self.next_seq, self.prev_hash, self.now, self.actor
        for object_id, digest in items:
            current = entry_hash(seq, now, actor, action, object_type, object_id, digest, prev)
            yield (seq, now, actor, action, object_type, object_id, digest, prev, current)
            seq, prev = seq + 1, current
        self.next_seq, self.prev_hash = seq, prev


def _insert_statement(table: Table, names: Sequence[str], paramstyle: str) -> str:
    marker = "?" if paramstyle == "qmark" else "%s"
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"


_LEDGER_COLUMNS = [field.name for field in fields(Entry)]
# Below this many rows a PostgreSQL COPY costs more than it saves.
_COPY_FROM = 100


def _write_values(
    connection: Connection, table: Table, names: Sequence[str], values: Sequence[Sequence[Any]]
) -> None:
    """Insert value tuples (in the order of `names`) in one go: executemany on SQLite, where it is the
    fastest path, and COPY on PostgreSQL, about three times faster there than executemany for a batch."""
    if connection.dialect.name != "postgresql" or len(values) < _COPY_FROM:
        connection.exec_driver_sql(_insert_statement(table, names, connection.dialect.paramstyle), values)
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for value in values:
            copy.write_row(value)


def _bulk_insert(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """executemany straight to the driver: at tens of thousands of rows a second, building SQLAlchemy
    parameters per row costs more than the insert itself. Columns that are empty in every row of the batch
    are left out of the statement (they default to NULL): binding NULL is the driver's slowest path, and
    events have many optional columns. A row may leave out a late column altogether (see LATE_COLUMNS)."""
    # Rows hold every column but perhaps the late ones, so rows of one length hold the same columns.
    same_shape = len(set(map(len, rows))) == 1
    names = _filled_columns(table, rows, same_shape)
    if not same_shape:  # some rows leave out columns others have: give them explicit NULLs
        rows = [{name: row.get(name) for name in names} for row in rows]
    pick = itemgetter(*names)
    values = list(map(pick, rows)) if len(names) > 1 else [(pick(row),) for row in rows]
    _write_values(connection, table, names, values)


def _filled_columns(table: Table, rows: Sequence[Mapping[str, Any]], same_shape: bool) -> list[str]:
    """The columns at least one row has a value in, checked at C speed. A batch's rows usually share
    their empty columns, so those are first checked all together in one pass."""
    first = rows[0]
    empty_in_first = [column.name for column in table.columns if first.get(column.name) is None]
    if same_shape:
        empty_in_first = [name for name in empty_in_first if name in first]
        if empty_in_first:
            together = itemgetter(*empty_in_first)
            nothing = together(first)
            if list(map(together, rows)).count(nothing) == len(rows):
                return [column.name for column in table.columns if first.get(column.name) is not None]
    return [column.name for column in table.columns if _filled(rows, column.name, same_shape)]


def _filled(rows: Sequence[Mapping[str, Any]], name: str, same_shape: bool) -> bool:
    """Whether any row has a value in this column."""
    first = rows[0]
    if first.get(name) is not None:
        return True
    if name in first and same_shape:
        values = map(itemgetter(name), rows)
    elif same_shape:  # no row has the column
        return False
    else:
        values = map(methodcaller("get", name), rows)
    # Stops at the first value: a column set in some rows (a search copy, say) is found at once.
    return not all(map(is_, values, repeat(None)))


def _has_late_columns(table: Table, rows: Sequence[Mapping[str, Any]]) -> bool:
    """Whether any row carries a column in LATE_COLUMNS. Rows hold every other column, so a batch whose
    rows are all exactly that long has none, and its rows hash as they are (checked at C speed)."""
    late = LATE_COLUMNS.get(str(table.name))
    if not late:
        return False
    return set(map(len, rows)) != {len(table.columns) - len(late)}


def _key(table: Table) -> str:
    (column,) = table.primary_key.columns
    return column.name


def complete_row(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every column present, so the canonical form hashed now is the one read back later."""
    unknown = set(values) - set(table.c.keys())
    if unknown:
        raise KeyError(f"{table.name} has no column(s) {sorted(unknown)}")
    return {column.name: values.get(column.name) for column in table.columns}


def walk(connection: Connection, batch: int = 10_000) -> Iterator[Entry]:
    """Every ledger entry in order, in pages, so a long ledger is read in constant memory."""
    after = 0
    while True:
        rows = connection.execute(
            select(ledger).where(ledger.c.seq > after).order_by(ledger.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield Entry(**row._mapping)
        after = rows[-1].seq
