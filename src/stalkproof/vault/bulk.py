"""Helpers for writing rows in bulk."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_garbage_collection() -> Iterator[None]:
    """Hold off Python's cycle collector while one batch of rows is built and written.

    A batch allocates tens of thousands of dicts and tuples, which sets the collector scanning the
    whole heap again and again (about 7% of a bulk insert, measured) although none of them form
    cycles. Batches are bounded, so at most one batch's worth of cyclic garbage waits for the next
    collection after this block. Nested use is harmless: only the outermost block turns it back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
