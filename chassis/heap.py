"""The garbage collector of a long-running service process.

CPython's default thresholds (700, 10, 10) suit short scripts. A consumer allocates a few dozen
objects per event (the record, the envelope, the payload model, the inbox row's values), so at
ten thousand events a second it ran a young collection every few hundred microseconds, and a full
one (over every live object) twice a second: on the inbox consumer of the bench, 1.7 s of 12 s
went to the collector, 44 full collections of ~20 ms each. With (20,000, 20, 100) the same run
spent 0.4 s in it, no full collection, and a young collection takes ~4 ms (measured on the
2-core bench machine; the pauses stay far below a batch's transaction).

What the imports made (modules, models, schemas) lives as long as the process: frozen, the
collector stops rescanning it (measured on the inbox consumer: CPU per event 44-47 us -> 30-31 us).
Only in a process of its own: a test process keeps the defaults.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

SERVICE_GC_THRESHOLDS = (20_000, 20, 100)


def settle_service_heap() -> None:
    """Freeze what exists now and set the service thresholds, for the rest of the process."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVICE_GC_THRESHOLDS)


@contextmanager
def service_heap() -> Iterator[None]:
    """A service's heap settings for a while, in a process that is not a service (the bench runs
    a consumer in its own process, beside the workload it built): restored afterwards."""
    before = gc.get_threshold()
    settle_service_heap()
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
