"""An import runs Python's cycle collector only between its batches: the process must get its collector
back exactly as it was (the web app imports in a long-lived process), and cyclic garbage must still go."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from stalkproof.vault.bulk import between_batches, collector_between_batches


class _Node:
    def __init__(self) -> None:
        self.partner: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    first, second = _Node(), _Node()
    first.partner, second.partner = second, first
    return weakref.ref(first)


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_the_collector_is_back_on_and_nothing_stays_frozen_afterwards() -> None:
    with collector_between_batches():
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0  # the heap from before the import is left out of the scans
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_the_collector_comes_back_when_an_import_fails() -> None:
    with pytest.raises(RuntimeError), collector_between_batches():
        raise RuntimeError("the input changed")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    with collector_between_batches():
        pass
    assert not gc.isenabled()


def test_cyclic_garbage_of_a_batch_is_collected_between_batches() -> None:
    with collector_between_batches():
        garbage = _cycle()
        assert garbage() is not None  # nothing collects during a batch
        between_batches()
        assert garbage() is None
