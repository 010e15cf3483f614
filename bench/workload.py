"""The events every Kafka and store figure uses: TrainingCompleted envelopes over many workers.

One worker = one stream = one Kafka key. Events are appended in transactions that
each cover a group of streams (a slice of versions of each), so the store's order,
and the relay's batches, interleave many keys the way real traffic does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chassis.eventstore.store import Append, EventStore
from contracts.envelope import Envelope, StreamRef
from tests.support import envelopes_for

STREAM_TYPE = "Worker"


@dataclass(frozen=True)
class Shape:
    workers: int
    events_per_worker: int
    streams_per_txn: int
    versions_per_txn: int

    @property
    def total(self) -> int:
        return self.workers * self.events_per_worker

    @property
    def events_per_txn(self) -> int:
        return self.streams_per_txn * self.versions_per_txn

    def as_params(self) -> dict[str, Any]:
        return {
            "events": self.total,
            "workers_keys_streams": self.workers,
            "events_per_worker": self.events_per_worker,
            "events_per_txn": self.events_per_txn,
            "streams_per_txn": self.streams_per_txn,
        }


def shape_for(
    events: int, *, workers: int = 1000, streams_per_txn: int = 100, versions_per_txn: int = 10
) -> Shape:
    """A shape of about `events` events (rounded down to whole slices; at least one transaction)."""
    workers = max(1, min(workers, events))
    streams_per_txn = max(1, min(streams_per_txn, workers))
    workers -= workers % streams_per_txn
    per_worker = max(1, events // workers)
    versions_per_txn = max(1, min(versions_per_txn, per_worker))
    per_worker -= per_worker % versions_per_txn
    return Shape(workers, per_worker, streams_per_txn, versions_per_txn)


@dataclass(frozen=True)
class Slice:
    """Versions first..first+count-1 of one worker's stream."""

    worker: int
    first_version: int
    count: int


@dataclass(frozen=True)
class Txn:
    group: int  # which group of streams: the same group always goes to the same writer
    slices: tuple[Slice, ...]


def transaction_plan(shape: Shape) -> list[Txn]:
    """Every transaction in store order: for each slice of versions, every group of streams."""
    plan: list[Txn] = []
    groups = shape.workers // shape.streams_per_txn
    for first in range(1, shape.events_per_worker + 1, shape.versions_per_txn):
        for group in range(groups):
            workers = range(group * shape.streams_per_txn, (group + 1) * shape.streams_per_txn)
            plan.append(Txn(group, tuple(Slice(w, first, shape.versions_per_txn) for w in workers)))
    return plan


def worker_id(index: int) -> str:
    return f"w-{index:06d}"


def stream_of(index: int) -> StreamRef:
    return StreamRef(type=STREAM_TYPE, id=worker_id(index))


@dataclass(frozen=True)
class BuiltTxn:
    group: int  # which group of streams: the same group always goes to the same writer
    appends: tuple[Append, ...]


def build(shape: Shape) -> list[BuiltTxn]:
    """The envelopes of every transaction (made before any timing starts)."""
    built: list[BuiltTxn] = []
    for txn in transaction_plan(shape):
        appends = []
        for s in txn.slices:
            stream = stream_of(s.worker)
            appends.append(
                Append(stream, s.first_version - 1, envelopes_for(stream, s.first_version, s.count))
            )
        built.append(BuiltTxn(txn.group, tuple(appends)))
    return built


def in_store_order(txns: list[BuiltTxn]) -> list[Envelope]:
    return [envelope for txn in txns for append in txn.appends for envelope in append.envelopes]


@dataclass(frozen=True)
class Record:
    """What goes on the wire for one envelope, the way the relay sends it."""

    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def record_of(envelope: Envelope) -> Record:
    """The record exactly as the append stores it in the outbox for the relay to send."""
    row = EventStore.outbox_row(0, envelope, topic="")
    headers = [(name, str(value).encode()) for name, value in row["headers"].items()]
    return Record(key=str(row["partition_key"]).encode(), value=bytes(row["body"]), headers=headers)
