"""The aggregate cache of a unit of work (chassis/aggregate_cache.py): a kept aggregate is the
stored one; a command decides on it without reading its stream again, and whatever it stores is
refused if that stream has moved on since (the command runs again on the stream as stored); nothing
the database does not hold is ever kept. Every test runs on SQLite and on Postgres (the `engine`
fixture)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from chassis.aggregate_cache import AggregateCache
from chassis.db import session_factory
from chassis.errors import DomainRuleViolated
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


async def nominated_elsewhere(setting: Setting, worker_id: str, nomination_id: str) -> None:
    """Another process appends to the stream: this process's kept copy is now behind it."""
    async with setting.elsewhere() as work:
        theirs = await work.require(Worker, worker_id, "missing")
        nominate(theirs, nomination_id)
        await work.commit()


async def test_a_kept_aggregate_another_process_appended_to_is_refused_then_read_again(
    engine: AsyncEngine,
) -> None:
    setting = Setting(engine)
    await setting.write(new_worker("w-2"))
    await nominated_elsewhere(setting, "w-2", "n-theirs")

    async def nominate_ours() -> Worker:
        async with setting.cached() as work:
            ours = await work.require(Worker, "w-2", "missing")
            nominate(ours, "n-ours")
            await work.commit()
            return ours

    with pytest.raises(ConcurrencyError):
        await nominate_ours()  # decided on the kept version 1, not read again
    assert setting.cache.hits == 1 and len(setting.cache) == 0  # not kept after the refusal
    ours = await nominate_ours()  # read from the store this time
    assert ours.version == 3 and ours.nominations == {"n-theirs", "n-ours"}
    assert (await setting.stored("w-2")).nominations == {"n-theirs", "n-ours"}


async def test_a_stale_kept_aggregate_that_was_only_read_refuses_what_the_command_appends(
    engine: AsyncEngine,
) -> None:
    """The command appends to another stream than the kept one it decided on: its append still
    checks the kept one's version, and stores nothing if that moved on."""
    setting = Setting(engine)
    await setting.write(new_worker("w-read"))
    await setting.write(new_worker("w-written"))
    await nominated_elsewhere(setting, "w-read", "n-theirs")

    async def nominate_if_read_has_none() -> None:
        async with setting.cached() as work:
            read = await work.require(Worker, "w-read", "missing")
            written = await work.require(Worker, "w-written", "missing")
            if read.nominations:
                raise DomainRuleViolated("w-read is nominated already")
            nominate(written, "n-ours")
            await work.commit()

    with pytest.raises(ConcurrencyError) as refused:
        await nominate_if_read_has_none()
    assert refused.value.stream == StreamRef(type="Worker", id="w-read") and refused.value.expected == 1
    assert (await setting.stored("w-written")).nominations == set()  # nothing of it stored
    with pytest.raises(DomainRuleViolated):
        await nominate_if_read_has_none()  # read again: the rule sees their nomination


async def test_a_refusal_or_a_no_op_decided_on_a_stale_kept_aggregate_becomes_a_conflict(
    engine: AsyncEngine,
) -> None:
    """Nothing appended, nothing for the append to check: the unit of work checks the kept
    aggregates' versions as it ends, and a refusal (or doing nothing) decided on a stream that
    has moved on is a conflict, so the command runs again. On current streams the outcome stands."""
    setting = Setting(engine)
    await setting.write(new_worker("w-6"))

    async def refuse_unless_nominated() -> None:
        async with setting.cached() as work:
            worker = await work.require(Worker, "w-6", "missing")
            if not worker.nominations:
                raise DomainRuleViolated("not nominated")

    async def look() -> Worker:
        async with setting.cached() as work:
            return await work.require(Worker, "w-6", "missing")

    with pytest.raises(DomainRuleViolated):
        await refuse_unless_nominated()  # current: the refusal stands
    assert len(setting.cache) == 1
    await nominated_elsewhere(setting, "w-6", "n-theirs")
    with pytest.raises(ConcurrencyError):
        await refuse_unless_nominated()  # decided on the kept version 1
    await refuse_unless_nominated()  # read again: nominated, nothing refused

    await look()  # kept again, at version 2
    await nominated_elsewhere(setting, "w-6", "n-more")
    with pytest.raises(ConcurrencyError):
        await look()  # ended without a commit on a kept copy that is behind
    assert (await look()).nominations == {"n-theirs", "n-more"}


async def test_a_stale_read_in_a_group_commit_refuses_only_its_own_command(pg_engine: AsyncEngine) -> None:
    """Postgres: commands appending at the same moment share one statement (group commit); the
    one that decided on a stale kept aggregate fails alone, the others are stored."""
    setting = Setting(pg_engine)
    await setting.write(new_worker("w-stale"))
    for worker_id in ("w-g1", "w-g2", "w-g3"):
        await setting.write(new_worker(worker_id))
    await nominated_elsewhere(setting, "w-stale", "n-theirs")

    async def nominate_after_reading(worker_id: str, read: str | None) -> None:
        async with setting.cached() as work:
            if read is not None:
                await work.require(Worker, read, "missing")
            nominate(await work.require(Worker, worker_id, "missing"), "n-group")
            await work.commit()

    outcomes = await asyncio.gather(
        nominate_after_reading("w-g1", None),
        nominate_after_reading("w-g2", "w-stale"),
        nominate_after_reading("w-g3", None),
        return_exceptions=True,
    )
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], ConcurrencyError) and outcomes[1].stream.id == "w-stale"
    assert (await setting.stored("w-g1")).nominations == {"n-group"}
    assert (await setting.stored("w-g2")).nominations == set()
    assert (await setting.stored("w-g3")).nominations == {"n-group"}


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
