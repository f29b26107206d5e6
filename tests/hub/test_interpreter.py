"""The serving hub's interpreter settings (core/interpreter.py)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest
from everyst_hub.core import interpreter


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds, switch = gc.get_threshold(), sys.getswitchinterval()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    sys.setswitchinterval(switch)
    if interpreter.clock in gc.callbacks:
        gc.callbacks.remove(interpreter.clock)


def test_serving_freezes_what_startup_built_and_collects_less_often(restored_gc: None) -> None:
    gc.unfreeze()
    interpreter.tune_for_serving()
    assert gc.get_threshold() == interpreter.THRESHOLDS
    assert gc.get_freeze_count() > 1000  # the modules and objects loaded so far
    # Tuning twice (a test hub started twice in one process) installs one clock.
    interpreter.tune_for_serving()
    assert gc.callbacks.count(interpreter.clock) == 1


def test_serving_hands_the_gil_over_sooner(restored_gc: None) -> None:
    interpreter.tune_for_serving()
    assert sys.getswitchinterval() == pytest.approx(interpreter.SWITCH_INTERVAL_SECONDS)
    assert interpreter.SWITCH_INTERVAL_SECONDS < 0.005  # CPython's default


def test_cycles_are_still_collected_and_the_collectors_cpu_is_counted(restored_gc: None) -> None:
    interpreter.tune_for_serving()
    before = interpreter.cpu_seconds()
    collections = list(interpreter.clock.collections)

    class Node:
        def __init__(self) -> None:
            self.other: Node | None = None

    for _ in range(50_000):  # cycles only the collector can free
        a, b = Node(), Node()
        a.other, b.other = b, a
    del a, b
    assert gc.collect() >= 2
    after = interpreter.cpu_seconds()
    assert interpreter.clock.collections[2] > collections[2]
    assert after[2] > before[2]
    # The young generation ran on its own as the cycles piled up (every 20,000 allocations).
    assert interpreter.clock.collections[0] > collections[0]
