"""AggregateCache on its own: taken out, newest kept, bounded, one shape never read as another."""

from __future__ import annotations

from chassis.aggregate import Aggregate
from chassis.aggregate_cache import AggregateCache
from chassis.unit_of_work import snapshot_interval
from contracts.events.base import Event


class Thing(Aggregate):
    stream_type = "Thing"

    def apply(self, event: Event) -> None:
        pass


class ThingNext(Thing):
    """The same stream type in a newer shape."""


def thing(thing_id: str, version: int, kind: type[Thing] = Thing) -> Thing:
    made = kind(thing_id)
    made.version = version
    return made


def test_a_taken_aggregate_is_out_of_the_cache_until_given_back() -> None:
    cache = AggregateCache()
    kept = thing("t-1", 3)
    cache.keep([kept])
    assert cache.take(Thing, ["t-1", "t-2"]) == {"t-1": kept}
    assert cache.take(Thing, ["t-1"]) == {}
    assert (cache.hits, cache.misses) == (1, 2)


def test_an_older_copy_never_replaces_a_newer_one() -> None:
    cache = AggregateCache()
    newer, older = thing("t-1", 5), thing("t-1", 4)
    cache.keep([newer])
    cache.keep([older])
    assert cache.take(Thing, ["t-1"])["t-1"] is newer


def test_the_least_recently_kept_go_first() -> None:
    cache = AggregateCache(max_entries=2)
    first, second, third = thing("t-1", 1), thing("t-2", 1), thing("t-3", 1)
    cache.keep([first, second])
    cache.keep([first])  # kept again: now the most recent
    cache.keep([third])
    assert set(cache.take(Thing, ["t-1", "t-2", "t-3"])) == {"t-1", "t-3"}


def test_a_shape_is_never_taken_as_another_of_the_same_stream_type() -> None:
    cache = AggregateCache()
    cache.keep([thing("t-1", 2, ThingNext)])
    assert cache.take(Thing, ["t-1"]) == {}


def test_size_zero_keeps_nothing() -> None:
    cache = AggregateCache(max_entries=0)
    cache.keep([thing("t-1", 1)])
    assert len(cache) == 0


def test_a_long_stream_is_snapshotted_at_a_share_of_its_length_not_every_50_events() -> None:
    assert [snapshot_interval(version, 50) for version in (1, 49, 50, 1_023)] == [50] * 4
    assert [snapshot_interval(version, 50) for version in (1_024, 10_000, 40_000)] == [64, 512, 2_048]
    assert all(snapshot_interval(version, 50) <= max(50, version // 16) for version in range(1, 100_000, 97))
    assert snapshot_interval(3, 2) == 2  # a small `every` (tests) stays as it is
