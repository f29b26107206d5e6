"""The serving hub's garbage-collector settings (core/gc_tuning.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from everyst_hub.core import gc_tuning


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    if gc_tuning.clock in gc.callbacks:
        gc.callbacks.remove(gc_tuning.clock)


def test_serving_freezes_what_startup_built_and_collects_less_often(restored_gc: None) -> None:
    gc.unfreeze()
    gc_tuning.tune_for_serving()
    assert gc.get_threshold() == gc_tuning.THRESHOLDS
    assert gc.get_freeze_count() > 1000  # the modules and objects loaded so far
    # Tuning twice (a test hub started twice in one process) installs one clock.
    gc_tuning.tune_for_serving()
    assert gc.callbacks.count(gc_tuning.clock) == 1


def test_cycles_are_still_collected_and_the_collectors_cpu_is_counted(restored_gc: None) -> None:
    gc_tuning.tune_for_serving()
    before = gc_tuning.cpu_seconds()
    collections = list(gc_tuning.clock.collections)

    class Node:
        def __init__(self) -> None:
            self.other: Node | None = None

    for _ in range(50_000):  # cycles only the collector can free
        a, b = Node(), Node()
        a.other, b.other = b, a
    del a, b
    assert gc.collect() >= 2
    after = gc_tuning.cpu_seconds()
    assert gc_tuning.clock.collections[2] > collections[2]
    assert after[2] > before[2]
    # The young generation ran on its own as the cycles piled up (every 20,000 allocations).
    assert gc_tuning.clock.collections[0] > collections[0]
