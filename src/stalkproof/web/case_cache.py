"""What the timeline, flags and charts pages work out from a whole case, kept until the case changes.

Counting a filtered timeline, listing its channels, flagging every text or drawing the charts reads every
event: on a 100,000-event case that is far too slow to repeat for each page. The results are kept here,
tagged with the ledger's last entry: every change to a vault adds a ledger entry, so a different last
entry means the case may have changed and the kept results are dropped.

Entries hang off the open Vault object (weakly), so locking the vault, which lets go of it, lets go of
everything kept about it too.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select

from stalkproof.vault.schema import ledger
from stalkproof.vault.vault import Vault

T = TypeVar("T")
# Filter counts kept per case state: enough for someone paging through many filters, bounded for memory.
MAX_KEPT = 256


@dataclass
class _Kept:
    head: int
    values: dict[Hashable, Any] = field(default_factory=dict)
    # Re-entrant: one kept result may be worked out from another.
    lock: threading.RLock = field(default_factory=threading.RLock)


_kept: weakref.WeakKeyDictionary[Vault, dict[str, _Kept]] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def ledger_head(connection: Connection) -> int:
    return int(connection.execute(select(func.coalesce(func.max(ledger.c.seq), 0))).scalar_one())


def kept(vault: Vault, connection: Connection, case_id: str, key: Hashable, work: Callable[[], T]) -> T:
    """`work()`'s result for `key`, worked out once per state of the case. Slow work (flagging a large
    case) is done by one request while others asking for the same thing wait, not all at once."""
    head = ledger_head(connection)
    with _guard:
        cases = _kept.setdefault(vault, {})
        entry = cases.get(case_id)
        if entry is None or entry.head != head:
            entry = cases[case_id] = _Kept(head)
    if key in entry.values:
        return entry.values[key]  # type: ignore[no-any-return]
    with entry.lock:
        if key not in entry.values:
            if len(entry.values) >= MAX_KEPT:
                entry.values.clear()
            entry.values[key] = work()
        return entry.values[key]  # type: ignore[no-any-return]
