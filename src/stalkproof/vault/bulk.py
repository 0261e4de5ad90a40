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


@contextmanager
def collector_between_batches() -> Iterator[None]:
    """Run Python's cycle collector only between an import's batches, and never over what was in memory
    before the import began.

    An import makes some ten short-lived objects per record (the record, its draft, row dicts, JSON
    text); none form cycles, and all are freed by reference counting when their batch is written. Left
    alone, the collector still scans them, and the rest of the heap, thousands of times per million
    records: about a sixth of a full import's time (measured). Freezing the older heap keeps it out of
    every scan until the import ends; `between_batches` then runs one full collection per batch, which
    scans only what the import itself keeps (cheap), so at most one batch's worth of cyclic garbage waits
    however long the input."""
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def between_batches() -> None:
    """Collect cyclic garbage left by the batches so far (see `collector_between_batches`). A full
    collection, not just the young generations: garbage that outlived one batch would otherwise wait in
    the oldest generation until the import ends (the RSS of a 272 MB import grew 3.6 MB instead of 1.2)."""
    gc.collect()
