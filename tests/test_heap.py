"""The worker's long-lived objects are frozen out of the cyclic collector after warm-up."""

import gc

from streams.config import from_env
from streams.runtime.heap import freeze_long_lived


def collector_sees(obj) -> bool:
    return any(other is obj for other in gc.get_objects())


def test_freezing_takes_live_objects_out_of_the_collectors_generations():
    kept = [[i] for i in range(1_000)]  # tracked containers, alive across the freeze
    assert collector_sees(kept)
    try:
        frozen, _seconds = freeze_long_lived()
        assert frozen == gc.get_freeze_count() >= len(kept)
        assert not collector_sees(kept) and not collector_sees(kept[0])  # collections no longer walk them
        later = [[0]]
        assert collector_sees(later)  # what is created afterwards is collected as before
    finally:
        gc.unfreeze()
    assert collector_sees(kept)


def test_the_freeze_is_on_by_default_and_can_be_turned_off():
    assert from_env({}).freeze_heap is True
    assert from_env({"WIREWATCH_FREEZE_HEAP": "0"}).freeze_heap is False
