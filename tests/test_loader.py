"""ui.common.loader: what it does once per server process besides caching."""

from __future__ import annotations

import atexit
import gc
import weakref

from ui.common.loader import freeze_startup_objects


class _Node:
    pass


def test_freeze_startup_objects_collects_garbage_then_freezes_the_rest():
    garbage = _Node()
    garbage.self = garbage  # a reference cycle: only the cyclic collector can free it
    gone = weakref.ref(garbage)
    del garbage
    alive = _Node()
    assert any(obj is alive for obj in gc.get_objects())
    before, exit_hooks = gc.get_freeze_count(), atexit._ncallbacks()
    try:
        freeze_startup_objects()
        assert gone() is None  # collected first, so not frozen
        assert gc.get_freeze_count() > before
        # the full collection Streamlit runs after every script no longer walks live objects
        assert not any(obj is alive for obj in gc.get_objects())
        assert atexit._ncallbacks() == exit_hooks + 1  # unfrozen again at exit
    finally:
        gc.unfreeze()  # leave the test process as it was
