"""SQLite's one writer: a process's writing transactions queue for its one writing connection
(first come, first served) instead of napping in SQLite's busy handler; readers do not queue."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from chassis.db import create_engine, read_only


async def _counter_database(path: Path) -> AsyncEngine:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        await connection.execute(text("INSERT INTO counter VALUES (1, 0)"))
    return engine


def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
    # With no wait at all, a second connection taking the lock would fail at once ("database is
    # locked"): every writer below must get its turn from the pool, not from SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()


async def test_concurrent_writers_take_turns_without_sqlites_lock_wait(tmp_path: Path) -> None:
    engine = await _counter_database(tmp_path / "turns.db")
    await engine.dispose()  # the next connections get the listener below
    event.listen(engine.sync_engine, "connect", _no_busy_wait)

    async def increment() -> None:
        async with engine.begin() as connection:
            n = await connection.scalar(text("SELECT n FROM counter WHERE id = 1"))
            await asyncio.sleep(0.001)  # another writer's turn would come here, if it could
            await connection.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})

    try:
        await asyncio.gather(*(increment() for _ in range(40)))
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT n FROM counter")) == 40
    finally:
        await engine.dispose()


async def test_a_reader_does_not_queue_behind_an_open_writer(tmp_path: Path) -> None:
    engine = await _counter_database(tmp_path / "readers.db")
    try:
        async with engine.begin() as writing:
            await writing.execute(text("UPDATE counter SET n = 7 WHERE id = 1"))
            async with read_only(engine).connect() as reading:
                # the snapshot before the open write: WAL readers never wait for the writer
                seen = await asyncio.wait_for(reading.scalar(text("SELECT n FROM counter")), timeout=5)
            assert seen == 0
        async with read_only(engine).connect() as reading:
            assert await reading.scalar(text("SELECT n FROM counter")) == 7
    finally:
        await engine.dispose()


async def test_disposing_the_engine_closes_its_readers_too(tmp_path: Path) -> None:
    engine = await _counter_database(tmp_path / "dispose.db")
    readers = read_only(engine)
    async with readers.connect() as reading:
        await reading.scalar(text("SELECT n FROM counter"))
    pool = readers.sync_engine.pool
    assert isinstance(pool, QueuePool) and pool.checkedin() == 1
    await engine.dispose()
    pool = readers.sync_engine.pool  # dispose() leaves a new, empty pool in its place
    assert isinstance(pool, QueuePool) and pool.checkedin() == 0


async def test_an_in_memory_database_reads_what_it_wrote() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (n INTEGER)"))
            await connection.execute(text("INSERT INTO t VALUES (5)"))
        async with read_only(engine).connect() as reading:
            assert await reading.scalar(text("SELECT n FROM t")) == 5
    finally:
        await engine.dispose()
