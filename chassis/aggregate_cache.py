"""Aggregates kept in memory between units of work, as eventsourcing's repository cache with
fast-forwarding keeps them: a hot stream (the programme every promotion's grant decides on, a
contest that every batch of marks lands on) is not rebuilt from its snapshot for every decision.

Rebuilding such a stream costs what its state holds: a programme's snapshot lists every grant
and every cause, so a year of grants made each batch of the grant policy slower than the one
before (profiled at a province's scale: a quarter of the rewards service's CPU went to
`Programme.from_snapshot`).

What keeps it exact:
- **taken, not shared**: a unit of work takes an aggregate out while it decides on it, so no
  two decisions ever hold one object; another unit of work of the process meanwhile loads
  that stream from the store, as without the cache;
- **brought up to date on every take**: the unit of work still reads the events stored after
  the version it holds (another process may have appended) and folds them; the append's
  expected-version check stays the final guard;
- **given back only as stored**: an aggregate is kept again only when its state is what the
  database holds: loaded and left unchanged, or changed and committed; on a consumer's
  session, only once that batch's transaction has committed. Anything recorded and not
  committed is dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import TypeVar

from chassis.aggregate import Aggregate

A = TypeVar("A", bound=Aggregate)


class AggregateCache:
    """The most recently stored aggregates of a process, at most `max_entries` (least recently
    kept go first)."""

    def __init__(self, max_entries: int = 1000) -> None:
        self.max_entries = max_entries
        # by class, not stream type: two shapes of one stream type never read each other's state
        self._kept: OrderedDict[tuple[type[Aggregate], str], Aggregate] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._kept)

    def take(self, kind: type[A], aggregate_ids: Iterable[str]) -> dict[str, A]:
        """The kept aggregates of these ids, taken out (the caller decides on them alone)."""
        taken: dict[str, A] = {}
        for aggregate_id in aggregate_ids:
            kept = self._kept.pop((kind, aggregate_id), None)
            if isinstance(kept, kind):
                taken[aggregate_id] = kept
                self.hits += 1
            else:
                self.misses += 1
        return taken

    def keep(self, aggregates: Iterable[Aggregate]) -> None:
        """Keep these aggregates, each exactly as stored; a newer copy already kept stays."""
        if self.max_entries <= 0:
            return
        for aggregate in aggregates:
            key = (type(aggregate), aggregate.id)
            kept = self._kept.get(key)
            if kept is not None and kept.version > aggregate.version:
                continue
            self._kept[key] = aggregate
            self._kept.move_to_end(key)
        while len(self._kept) > self.max_entries:
            self._kept.popitem(last=False)
