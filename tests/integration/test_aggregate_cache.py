"""The aggregate cache of a unit of work (chassis/aggregate_cache.py): a kept aggregate is the
stored one, brought up to date, and nothing the database does not hold is ever kept. Every test
runs on SQLite and on Postgres (the `engine` fixture)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from chassis.aggregate_cache import AggregateCache
from chassis.db import session_factory
from chassis.eventstore import ConcurrencyError, EventStore, Snapshot
from chassis.unit_of_work import UnitOfWork
from contracts.envelope import StreamRef
from contracts.vocabulary import SkillLevel, TitleLevel
from services.registry.domain import Enterprise, Worker

pytestmark = pytest.mark.postgres


class CountingStore(EventStore):
    """Counts the snapshot reads: a kept aggregate needs none."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshot_reads = 0

    async def load_snapshot(self, session: AsyncSession, stream: StreamRef) -> Snapshot | None:
        self.snapshot_reads += 1
        return await super().load_snapshot(session, stream)

    async def load_snapshots(
        self, session: AsyncSession, stream_type: str, stream_ids: Sequence[str]
    ) -> dict[str, Snapshot]:
        self.snapshot_reads += len(stream_ids)
        return await super().load_snapshots(session, stream_type, stream_ids)


ENTERPRISE = Enterprise.register("qz", name="Qingzhou", region_id="qz", industry="tobacco", tier_labels={})


def new_worker(worker_id: str) -> Worker:
    return Worker.register(
        worker_id, enterprise=ENTERPRISE, trade="fitter", skill_level=SkillLevel.SENIOR, hired_on=None
    )


def nominate(worker: Worker, nomination_id: str) -> None:
    worker.nominate(nomination_id, level=TitleLevel.ENTERPRISE, nominated_by="union", reason="craft")


class Setting:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = session_factory(engine)
        self.store = CountingStore()
        self.cache = AggregateCache()

    def cached(self, session: AsyncSession | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.sessions,
            self.store,
            producer="registry",
            snapshot_every=2,
            cache=self.cache,
            session=session,
        )

    def elsewhere(self) -> UnitOfWork:
        """Another process: the same database, no share in this cache."""
        return UnitOfWork(self.sessions, EventStore(), producer="registry", snapshot_every=2)

    async def stored(self, worker_id: str) -> Worker:
        async with self.elsewhere() as work:
            return await work.require(Worker, worker_id, "missing")

    async def write(self, worker: Worker) -> None:
        async with self.cached() as work:
            work.track(worker)
            await work.commit()


async def test_a_committed_aggregate_is_kept_and_loads_without_its_snapshot(engine: AsyncEngine) -> None:
    setting = Setting(engine)
    worker = new_worker("w-1")
    nominate(worker, "n-1")
    nominate(worker, "n-2")  # version 3: past a snapshot (every 2)
    await setting.write(worker)
    async with setting.cached() as work:
        loaded = await work.require(Worker, "w-1", "missing")
    assert setting.store.snapshot_reads == 0 and setting.cache.hits == 1
    fresh = await setting.stored("w-1")
    assert loaded.version == fresh.version == 3
    assert loaded.snapshot_state() == fresh.snapshot_state()


async def test_a_kept_aggregate_folds_what_another_process_appended_since(engine: AsyncEngine) -> None:
    setting = Setting(engine)
    await setting.write(new_worker("w-2"))
    async with setting.elsewhere() as work:
        theirs = await work.require(Worker, "w-2", "missing")
        nominate(theirs, "n-theirs")
        await work.commit()
    async with setting.cached() as work:
        ours = await work.require(Worker, "w-2", "missing")
        assert setting.cache.hits == 1 and ours.version == 2 and ours.nominations == {"n-theirs"}
        nominate(ours, "n-ours")
        await work.commit()  # at the version the other process left: no conflict
    assert (await setting.stored("w-2")).nominations == {"n-theirs", "n-ours"}


async def test_what_was_recorded_and_not_committed_is_not_kept(engine: AsyncEngine) -> None:
    setting = Setting(engine)
    await setting.write(new_worker("w-3"))
    async with setting.cached() as work:
        worker = await work.require(Worker, "w-3", "missing")
        nominate(worker, "n-never")  # decided, then the command gave up
    assert len(setting.cache) == 0
    async with setting.cached() as work:
        again = await work.require(Worker, "w-3", "missing")
    assert again.nominations == set() and again.version == 1


async def test_a_decision_that_lost_a_race_is_dropped_and_the_retry_decides_on_the_winner(
    pg_engine: AsyncEngine,
) -> None:
    """Postgres only: SQLite's one writer holds its lock from the loser's first read, so the
    winner could not commit in between."""
    setting = Setting(pg_engine)
    await setting.write(new_worker("w-4"))
    async with setting.cached() as work:
        ours = await work.require(Worker, "w-4", "missing")
        async with setting.elsewhere() as other:
            theirs = await other.require(Worker, "w-4", "missing")
            nominate(theirs, "n-winner")
            await other.commit()
        nominate(ours, "n-loser")
        with pytest.raises(ConcurrencyError):
            await work.commit()
    assert len(setting.cache) == 0
    async with setting.cached() as work:
        retried = await work.require(Worker, "w-4", "missing")
        assert retried.nominations == {"n-winner"}
        nominate(retried, "n-loser")
        await work.commit()
    assert (await setting.stored("w-4")).nominations == {"n-winner", "n-loser"}


async def test_on_a_consumer_session_only_what_its_transaction_committed_is_kept(engine: AsyncEngine) -> None:
    """A policy commits inside the consumer's batch transaction: until that commits, the
    database may still roll the decision back, so the cache must not hold it."""
    setting = Setting(engine)
    await setting.write(new_worker("w-5"))

    class BatchFailed(Exception):
        pass

    with pytest.raises(BatchFailed):
        async with setting.sessions() as session, session.begin():
            async with setting.cached(session) as work:
                worker = await work.require(Worker, "w-5", "missing")
                nominate(worker, "n-rolled-back")
                await work.commit()
            assert len(setting.cache) == 0  # the batch has not committed yet
            raise BatchFailed  # a later handler of the batch failed: all of it rolls back
    assert len(setting.cache) == 0
    async with setting.cached() as work:
        assert (await work.require(Worker, "w-5", "missing")).nominations == set()

    async with setting.sessions() as session, session.begin():
        async with setting.cached(session) as work:
            worker = await work.require(Worker, "w-5", "missing")
            nominate(worker, "n-kept")
            await work.commit()
        assert len(setting.cache) == 0
    assert len(setting.cache) == 1
    async with setting.cached() as work:
        kept = await work.require(Worker, "w-5", "missing")
    assert kept.nominations == {"n-kept"} and kept.version == 2


async def test_load_many_takes_the_kept_and_reads_only_the_others(engine: AsyncEngine) -> None:
    setting = Setting(engine)
    for worker_id in ("w-a", "w-b", "w-c"):
        worker = new_worker(worker_id)
        nominate(worker, "n-1")
        nominate(worker, "n-2")
        await setting.write(worker)
    setting.cache.take(Worker, ["w-c"])  # forgotten (evicted)
    async with setting.cached() as work:
        loaded = await work.load_many(Worker, ["w-a", "w-b", "w-c", "w-none"])
    assert set(loaded) == {"w-a", "w-b", "w-c"}
    assert setting.store.snapshot_reads == 2  # w-c and w-none only
    for worker_id, worker in loaded.items():
        assert worker.snapshot_state() == (await setting.stored(worker_id)).snapshot_state()
    assert len(setting.cache) == 3  # all three given back unchanged
