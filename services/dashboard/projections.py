"""The dashboard's projectors: one table from event type to what it changes in the read model.

Every projector runs inside the inbox consumer's transaction (the inbox makes it apply once;
each statement is also idempotent on its own: an upsert or an insert that ignores its twin).
A new event type is one entry: in PROJECTORS when its change depends on earlier facts (the
batch's writes in rounds, chassis/row_writes.py: a few statements per batch, ending as the
batch's order would), or in BATCHED when it only writes
rows of its own (a batch of the type is one statement). Any event that names a worker also lands
on the worker's timeline without an entry of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from chassis.inbox import BatchHandler, Delivery, Handler
from chassis.row_writes import Change, InsertMissing, Upsert, Write, Writer, in_rounds, one_at_a_time
from chassis.service import Runtime, Subscription
from chassis.sqlutil import dialect_name, insert_ignoring_duplicates
from contracts.catalog import EVENT_TYPES
from contracts.envelope import Envelope
from contracts.events import competitions as c
from contracts.events import registry as r
from contracts.events import rewards as rw
from contracts.events.base import Event
from contracts.topics import ALL_EVENT_TOPICS
from contracts.vocabulary import TierRank
from services.dashboard import read_models as m

Row = dict[str, Any]


def day_of(envelope: Envelope) -> date:
    return envelope.occurred_at.date()


# ------------------------------------------------------------------ registry


def region_row(_: Envelope, event: r.RegionRegistered) -> Row:
    return {
        "region_id": event.region_id,
        "name": event.name,
        "kind": event.kind.value,
        "parent_id": event.parent_id,
    }


def enterprise_row(_: Envelope, event: r.EnterpriseRegistered) -> Row:
    return {
        "enterprise_id": event.enterprise_id,
        "name": event.name,
        "region_id": event.region_id,
        "industry": event.industry,
    }


def worker_row(envelope: Envelope, event: r.WorkerRegistered) -> Row:
    # A repeat of the registration keeps the tier and the erasure already projected (insert-or-ignore).
    return {
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "trade": event.trade,
        "skill_level": event.skill_level.value,
        "registered_year": (event.hired_on or day_of(envelope)).year,
        "tier": TierRank.NONE.value,
        "erased": False,
        "has_left": False,
    }


def title_row(_: Envelope, event: r.TitleConferred) -> Row:
    return {
        "title_id": event.title_id,
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "level": event.level.value,
        "title_name": event.title_name,
        "year": event.conferred_on.year,
        "active": True,
    }


def _lapsed(worker_id: str, rank: TierRank) -> Row:
    """The worker falls back to the tier below the one that lapsed, if it was the one held."""
    return {"worker_id": worker_id, "tier_was": rank.value, "tier": list(TierRank)[rank.order - 1].value}


# ------------------------------------------------------------------ competitions and rewards


def contest_row(_: Envelope, event: c.ContestOpened) -> Row:
    return {
        "contest_id": event.contest_id,
        "title": event.title,
        "trade": event.trade,
        "level": event.level.value,
        "region_id": event.region_id,
        "year": event.starts_on.year,
        "concluded": False,
    }


def programme_row(_: Envelope, event: rw.ProgrammeOpened) -> Row:
    return {
        "programme_id": event.programme_id,
        "name": event.name,
        "sponsor_id": event.sponsor_id,
        "budget": event.budget,
        "grant_amount": event.grant_amount,
        "currency": event.currency,
        "year": event.opened_on.year,
    }


def grant_row(envelope: Envelope, event: rw.RewardGranted) -> Row:
    return {
        "grant_id": event.grant_id,
        "programme_id": event.programme_id,
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "amount": event.amount,
        "year": day_of(envelope).year,
        "revoked": False,
    }


# ------------------------------------------------------------------ rows written a batch at a time


def points_row(envelope: Envelope, event: rw.PointsAwarded | rw.PointsExpired | rw.PointsAdjusted) -> Row:
    """A ledger line: awards add, expiries take away, adjustments either way."""
    match event:
        case rw.PointsAwarded():
            points, on = Decimal(event.points), event.earned_on
        case rw.PointsExpired():
            points, on = -Decimal(event.points), event.expired_on
        case rw.PointsAdjusted():
            points, on = event.delta, event.adjusted_on
    return {
        "event_id": str(envelope.event_id),
        "worker_id": event.worker_id,
        "category": event.category,
        "points": points,
        "year": on.year,
    }


def result_row(envelope: Envelope, event: c.CompetitionScored) -> Row:
    return {
        "contest_id": event.contest_id,
        "worker_id": event.worker_id,
        "enterprise_id": event.enterprise_id,
        "level": event.level.value,
        "standardised_score": event.standardised_score,
        "rank": event.rank,
        "medal": event.medal.value,
        "year": day_of(envelope).year,
    }


@dataclass(frozen=True, slots=True)
class Rows:
    """A projector that only writes one row per event, whatever else arrived: a batch of its
    type is one statement (insert-or-ignore, or with `keys` an upsert where the last wins)."""

    table: Table
    row: Callable[[Envelope, Any], Row]
    keys: tuple[str, ...] = ()


BATCHED: Mapping[type[Event], Rows] = {
    rw.PointsAwarded: Rows(m.points, points_row),
    rw.PointsExpired: Rows(m.points, points_row),
    rw.PointsAdjusted: Rows(m.points, points_row),
    c.CompetitionScored: Rows(m.results, result_row, keys=("contest_id", "worker_id")),
}
"""Event type → its rows, for the types whose rows no other fact changes (order within a batch
does not matter across types; within a type the statement keeps the batch's order)."""


# ------------------------------------------------------------------ changes that depend on earlier facts


@dataclass(frozen=True, slots=True)
class Changes:
    """UPDATE table SET … WHERE the `match` columns equal the row's (a column spelled `<name>_was`
    matches `name`'s old value; the others are the table's key): a change of that row, in the
    batch's order."""

    table: Table
    match: tuple[str, ...]
    row: Callable[[Envelope, Any], Row]


def _worker(**values: Any) -> Callable[[Envelope, Any], Row]:
    """The worker's row changed to `values` (a callable value reads it from the event)."""

    def row(_: Envelope, event: Any) -> Row:
        return {
            "worker_id": event.worker_id,
            **{k: v(event) if callable(v) else v for k, v in values.items()},
        }

    return row


PROJECTORS: Mapping[type[Event], Rows | Changes] = {
    r.RegionRegistered: Rows(m.regions, region_row, keys=("region_id",)),
    r.EnterpriseRegistered: Rows(m.enterprises, enterprise_row, keys=("enterprise_id",)),
    r.WorkerRegistered: Rows(m.workers, worker_row),
    r.SkillLevelCertified: Changes(
        m.workers, ("worker_id",), _worker(skill_level=lambda e: e.skill_level.value)
    ),
    r.WorkerForgotten: Changes(m.workers, ("worker_id",), _worker(erased=True)),
    r.WorkerLeft: Changes(m.workers, ("worker_id",), _worker(has_left=True)),
    r.TierPromoted: Changes(
        m.workers,
        ("worker_id",),
        _worker(tier=lambda e: TierRank(e.to_rank).value, tier_year=lambda e: e.effective_on.year),
    ),
    r.TierExpired: Changes(
        m.workers, ("worker_id", "tier_was"), lambda _, e: _lapsed(e.worker_id, TierRank(e.rank))
    ),
    r.TierRevoked: Changes(
        m.workers, ("worker_id", "tier_was"), lambda _, e: _lapsed(e.worker_id, TierRank(e.rank))
    ),
    r.TitleConferred: Rows(m.titles, title_row),
    r.TitleRevoked: Changes(m.titles, ("title_id",), lambda _, e: {"title_id": e.title_id, "active": False}),
    r.TitleExpired: Changes(m.titles, ("title_id",), lambda _, e: {"title_id": e.title_id, "active": False}),
    c.ContestOpened: Rows(m.contests, contest_row),
    c.ContestConcluded: Changes(
        m.contests, ("contest_id",), lambda _, e: {"contest_id": e.contest_id, "concluded": True}
    ),
    rw.ProgrammeOpened: Rows(m.programmes, programme_row),
    rw.RewardGranted: Rows(m.grants, grant_row),
    rw.RewardRevoked: Changes(
        m.grants, ("grant_id",), lambda _, e: {"grant_id": e.grant_id, "revoked": True}
    ),
}
"""Event type → what it changes in the read model (besides the timeline), in the batch's order:
the types whose change depends on an earlier fact (a promotion needs the registered worker)."""


# ------------------------------------------------------------------ the timeline

_NOT_IN_SUMMARY = frozenset({"worker_id", "enterprise_id", "source_event_id", "caused_by"})
SUMMARY_LENGTH = 400


def summary(event: Event) -> str:
    """The fact in one line: its fields but the ids the profile already shows."""
    facts = event.model_dump(mode="json", exclude_none=True, exclude=set(_NOT_IN_SUMMARY))
    text = ", ".join(f"{name}: {value}" for name, value in facts.items())
    return text[:SUMMARY_LENGTH]


def timeline_row(envelope: Envelope, event: Event) -> Row:
    return {
        "event_id": str(envelope.event_id),
        "worker_id": getattr(event, "worker_id"),  # noqa: B009 - only for types that have one
        "occurred_on": day_of(envelope),
        "event_type": envelope.event_type,
        "summary": summary(event),
    }


def _about_a_worker(kind: type[Event]) -> bool:
    return "worker_id" in kind.model_fields


def _upserting(session: AsyncSession, rows: Rows) -> Insert:
    if not rows.keys:
        return insert_ignoring_duplicates(session, rows.table)
    dialect = postgresql if dialect_name(session) == "postgresql" else sqlite
    statement = dialect.insert(rows.table)
    changed = {c.name: statement.excluded[c.name] for c in rows.table.c if c.name not in rows.keys}
    upserted: Insert = statement.on_conflict_do_update(index_elements=list(rows.keys), set_=changed)
    return upserted


Fact = tuple[Envelope, Any]


def _rows(change: Rows, facts: Sequence[Fact]) -> list[Row]:
    return [change.row(envelope, event) for envelope, event in facts]


async def _project(session: AsyncSession, change: Rows, rows: Sequence[Row]) -> None:
    """Rows of one type as one statement: one row per key, the last (Postgres refuses to upsert a
    row twice in one statement); without keys every row, the first of twins kept by the insert-or-ignore."""
    keyed = {tuple(row[key] for key in change.keys) or (index,): row for index, row in enumerate(rows)}
    await session.execute(_upserting(session, change), list(keyed.values()))


async def _on_timeline(session: AsyncSession, facts: Sequence[Fact]) -> None:
    entries = [timeline_row(envelope, event) for envelope, event in facts if _about_a_worker(type(event))]
    if entries:
        await session.execute(insert_ignoring_duplicates(session, m.timeline), entries)


def _writes(change: Rows | Changes, row: Row) -> Write:
    """A projector's row as a write by the row's key (chassis/row_writes.py)."""
    if isinstance(change, Rows):
        return Upsert(change.table, row) if change.keys else InsertMissing(change.table, row)
    was = {name.removesuffix("_was"): row[name] for name in change.match if name.endswith("_was")}
    return Change(
        change.table, {name: value for name, value in row.items() if not name.endswith("_was")}, was
    )


def writer(change: Rows | Changes, kind: type[Event]) -> Writer:
    """What an event of `kind` writes: its change, and its line on the timeline when it names a worker."""
    on_timeline = _about_a_worker(kind)

    def write(envelope: Envelope, event: Any) -> list[Write]:
        writes = [_writes(change, change.row(envelope, event))]
        if on_timeline:
            writes.append(InsertMissing(m.timeline, timeline_row(envelope, event)))
        return writes

    return write


def handlers(projectors: Mapping[type[Event], Rows | Changes] = PROJECTORS) -> dict[type[Event], Handler]:
    """The ordered types one event at a time (what `in_order` does a batch at a time; kept to
    check it against)."""
    return {kind: one_at_a_time(writer(change, kind)) for kind, change in projectors.items()}


def in_order(
    projectors: Mapping[type[Event], Rows | Changes] = PROJECTORS,
) -> dict[type[Event], BatchHandler]:
    """The ordered types a batch at a time, with the result of one at a time: one handler for
    all of them, their writes in rounds (each change reads and writes only its own row, so only
    writes to the same row must keep their order)."""
    return in_rounds({kind: writer(change, kind) for kind, change in projectors.items()})


def _in_bulk(rows: Rows | None, on_timeline: bool) -> BatchHandler:
    async def apply(session: AsyncSession, deliveries: Sequence[Delivery]) -> None:
        facts = [(delivery.envelope, delivery.event) for delivery in deliveries]
        if rows is not None:
            await _project(session, rows, _rows(rows, facts))
        if on_timeline:
            await _on_timeline(session, facts)

    return apply


def batch_handlers(
    projectors: Mapping[type[Event], Rows | Changes] = PROJECTORS,
    batched: Mapping[type[Event], Rows] = BATCHED,
) -> dict[type[Event], BatchHandler]:
    """Every other type of the contracts that changes something here, a batch at a time: its
    rows (BATCHED), and the timeline when the fact names a worker. A new type about a worker
    lands on the timeline with no entry of its own."""
    return {
        kind: _in_bulk(batched.get(kind), _about_a_worker(kind))
        for kind in EVENT_TYPES.values()
        if kind not in projectors and (kind in batched or _about_a_worker(kind))
    }


def subscriptions(_: Runtime) -> list[Subscription]:
    """One projection of every public topic into every table of the read model: `craftsman
    rebuild dashboard read-model` builds it anew beside the live one."""
    return [
        Subscription(
            name="read-model",
            topics=ALL_EVENT_TOPICS,
            handlers={},
            batch_handlers={**batch_handlers(), **in_order()},
            tables=tuple(m.metadata.sorted_tables),
        )
    ]
