"""The embedded default's store: bulk appends into a SQLite file, ours beside eventsourcing's.

Both sides store the same transactions of the workload (100 streams x 10 events each, the
same payloads) one after another on one connection (SQLite has one writer), into a fresh
database file with WAL and synchronous=NORMAL (eventsourcing's connections are given the
pragma our engine sets, so both commit alike). Each side's events exist before its clock
starts (our envelopes; their aggregates' pending events, made for each transaction just
before it is timed); the clock covers serialisation, the inserts and the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from unittest.mock import patch
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.sqlite import SQLiteConnection, SQLiteConnectionPool

from bench.report import Measurement, rate
from bench.store_figures import fill
from bench.workload import BuiltTxn, Shape
from chassis import migrate
from chassis.db import create_engine
from chassis.eventstore.store import EventStore


async def sqlite_bulk_append(txns: Sequence[BuiltTxn], shape: Shape) -> list[Measurement]:
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
        ours = await _ours(txns, Path(folder) / "ours.db")
        theirs = await asyncio.to_thread(_eventsourcing, txns, Path(folder) / "eventsourcing.db")
        # A figure counts only what was stored: each side's file holds every event, or no figure.
        for name, table in (("ours.db", "events"), ("eventsourcing.db", "stored_events")):
            with contextlib.closing(sqlite3.connect(Path(folder) / name)) as stored:
                (count,) = stored.execute(f"SELECT count(*) FROM {table}").fetchone()
            if count != shape.total:
                raise RuntimeError(f"{name} holds {count} events, not the {shape.total} appended")

    def figure(key: str, label: str, elapsed: float, method: str) -> Measurement:
        return Measurement(
            key=key,
            label=label,
            value=rate(shape.total, elapsed),
            unit="events/s",
            method=method,
            params={**shape.as_params(), "writers": 1},
            detail={"count": shape.total, "elapsed_s": round(elapsed, 3)},
        )

    return [
        figure(
            "sqlite_bulk_append",
            "bulk append on SQLite (EventStore.append_many)",
            ours,
            "chassis EventStore.append_many into a SQLite file (aiosqlite, WAL, synchronous=NORMAL), one "
            "transaction per workload transaction: the streams' versions checked, then the events and "
            "their outbox rows (the serialised Kafka records), one executemany each; envelopes built "
            "before the clock",
        ),
        figure(
            "eventsourcing_sqlite_bulk",
            "bulk append on SQLite via eventsourcing",
            theirs,
            "eventsourcing Application with eventsourcing.sqlite (sqlite3, WAL, synchronous=NORMAL set on "
            "each connection), app.save() of the transaction's aggregates, each carrying that "
            "transaction's events of its stream with the same payloads; no outbox; aggregates and their "
            "pending events made before the clock",
        ),
    ]


async def _ours(txns: Sequence[BuiltTxn], path: Path) -> float:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await migrate.upgrade(engine)
        return await fill(engine, EventStore(), txns, writers=1)
    finally:
        await engine.dispose()


class BenchStream(Aggregate):
    """One of the workload's streams, its events carrying the workload's payloads."""

    @event("Started")
    def __init__(self, stream: str, payload: dict[str, Any]) -> None:
        self.stream = stream
        self.payload = payload

    @classmethod
    def create_id(cls, stream: str, payload: dict[str, Any]) -> UUID:
        return uuid5(NAMESPACE_URL, stream)

    @event("Recorded")
    def record(self, payload: dict[str, Any]) -> None:
        self.payload = payload


def _eventsourcing(txns: Sequence[BuiltTxn], path: Path) -> float:
    with _synchronous_normal():
        app: Application[Any] = Application(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
        )
        try:
            streams: dict[str, BenchStream] = {}
            elapsed = 0.0
            for txn in txns:
                changed = []
                for append in txn.appends:
                    name = str(append.stream)
                    envelopes = list(append.envelopes)
                    if name not in streams:
                        streams[name] = BenchStream(name, envelopes.pop(0).payload)
                    for envelope in envelopes:
                        streams[name].record(envelope.payload)
                    changed.append(streams[name])
                started = time.perf_counter()
                app.save(*changed)
                elapsed += time.perf_counter() - started
            return elapsed
        finally:
            app.close()


def _synchronous_normal() -> AbstractContextManager[Any]:
    """eventsourcing's SQLite connections with the synchronous setting our engine uses (it leaves
    SQLite's default, FULL: an fsync at every commit that ours does not make)."""
    original = SQLiteConnectionPool._create_connection

    def create(pool: SQLiteConnectionPool) -> SQLiteConnection:
        connection = original(pool)
        connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
        return connection

    return patch.object(SQLiteConnectionPool, "_create_connection", create)
