"""The garbage collector of a long-running service process.

CPython's default thresholds (700, 10, 10) suit short scripts. A consumer allocates a few dozen
objects per event (the record, the envelope, the payload model, the inbox row's values), so at
twenty thousand events a second it ran a young collection every few hundred microseconds and a
full one (over every live, unfrozen object) several times a second: the bench's 200k-event
projection spent 3.0 s of its 10.8 s in the collector, 45 full collections of ~54 ms each. With a
young generation of 20,000 objects the same run spent 1.0 s there, one full collection, ~2 ms
per young collection (the 2-core bench machine; the pauses stay below a batch's transaction).
The older generations keep their default ratios (10, 10): (20,000, 20, 100) collected about as
little but let cyclic garbage that reached them wait ten times longer.

What the imports made (modules, models, schemas) lives as long as the process: frozen, the
collector stops rescanning it (measured on the inbox consumer: CPU per event 44-47 us -> 30-31 us).
Only in a process of its own: a test process keeps the defaults.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

SERVICE_GC_THRESHOLDS = (20_000, 10, 10)


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
