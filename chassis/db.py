"""Engine creation for Postgres (asyncpg) and SQLite (aiosqlite); created by the composition root only."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """`pool_size` is Postgres's; a SQLite file database has ONE writing connection (see below)."""
    if is_sqlite(url):
        if _in_memory(url):
            return _sqlite_engine(url)  # one shared connection already (SQLAlchemy's StaticPool)
        # SQLite lets one writer in at a time, and a writer that finds the lock taken sleeps in
        # SQLite's busy handler (1, 2, 5 … 100 ms naps) and may wake long after it was freed: in
        # the demo's contests 1,025 such naps in 10 s, 1.2 s asleep per second. One connection
        # for every writing transaction of the process queues them in the pool instead, first
        # come first served, handed over the moment the last one ends; the pool's wait is bounded
        # as busy_timeout was. Readers (`read_only`) get a pool of their own and never queue.
        return _sqlite_engine(url, pool_size=1, max_overflow=0, pool_timeout=SQLITE_WRITER_WAIT_S)
    # No pool_pre_ping: on asyncpg it is BEGIN, ";" and ROLLBACK, three round trips before
    # every checkout, more than the one-statement append it would guard. A connection that
    # died fails the one statement that finds it (the inbox retries its batch, an HTTP client
    # its command with the same Idempotency-Key); SQLAlchemy then recycles the whole pool.
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)


SQLITE_WRITER_WAIT_S = 30.0
"""How long a SQLite writer waits for the process's writing connection (as busy_timeout)."""


def _in_memory(url: str) -> bool:
    database = make_url(url).database
    return not database or database == ":memory:" or "mode=memory" in url


def _sqlite_engine(url: str, **pool: Any) -> AsyncEngine:
    engine = create_async_engine(url, **pool)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
    # another writer got in between; taking the lock at BEGIN makes writers wait instead (in
    # the pool within a process, on busy_timeout across processes).
    event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" hook issue BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


READ_ONLY = {"craftsman_read_only": True}
"""Execution options for a connection that only reads: on SQLite it takes no write lock."""


def _sqlite_begin_immediate(connection: Any) -> None:
    if connection.get_execution_options().get("craftsman_read_only"):
        connection.exec_driver_sql("BEGIN")  # WAL readers never wait for the writer
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


_variants: weakref.WeakKeyDictionary[AsyncEngine, dict[str, AsyncEngine]] = weakref.WeakKeyDictionary()


def _variant(engine: AsyncEngine, name: str, make: Callable[[AsyncEngine], AsyncEngine]) -> AsyncEngine:
    """The engine with other options, made once per engine and name: a copy of an engine's
    options per command or request costs."""
    made = _variants.setdefault(engine, {})
    found = made.get(name)
    if found is None:
        found = made[name] = make(engine)
    return found


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The engine's connections with READ_ONLY set; on a SQLite file, an engine of its own whose
    pool of readers does not queue behind the one writing connection (disposed with `engine`)."""
    return _variant(engine, "read_only", _readers_of)


def _readers_of(engine: AsyncEngine) -> AsyncEngine:
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "sqlite" or _in_memory(url):
        return engine.execution_options(**READ_ONLY)
    readers = _sqlite_engine(url).execution_options(**READ_ONLY)

    def dispose_readers(_engine: Any) -> None:
        readers.sync_engine.dispose()  # runs inside AsyncEngine.dispose's greenlet: may await

    event.listen(engine.sync_engine, "engine_disposed", dispose_readers)
    return readers


WRITE = {"craftsman_write": True}
"""Execution options of the one statement that may write outside a transaction: the
event store's single-statement append (atomic by itself)."""


def outside_transactions(engine: AsyncEngine) -> AsyncEngine:
    """The engine's connections without BEGIN/COMMIT (autocommit): each statement is its own
    transaction. For a unit of work's reads on Postgres, saving two round trips per command;
    a write other than a WRITE-marked statement is refused, so nothing can half-apply."""
    return _variant(engine, "outside_transactions", _autocommit_refusing_writes)


def _autocommit_refusing_writes(engine: AsyncEngine) -> AsyncEngine:
    made = engine.execution_options(isolation_level="AUTOCOMMIT")
    event.listen(made.sync_engine, "before_cursor_execute", _refuse_writes)
    return made


def _refuse_writes(
    _conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _executemany: bool
) -> None:
    if context.execution_options.get("craftsman_write") or statement.lstrip()[:6].upper() == "SELECT":
        return
    raise RuntimeError("outside a transaction only reads run; write in UnitOfWork.commit")
