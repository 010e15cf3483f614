"""Shared fixtures: the real infrastructure, fresh databases, unique topics.

The infrastructure is chosen by deploy.infra (environment, else testcontainers when
a Docker engine answers, else the local scripts in deploy/).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis import migrate
from chassis.db import create_engine
from deploy.infra import Infrastructure, database_url, provide_infrastructure

# One template per test session: parallel sessions on one server must not drop each other's.
TEMPLATE_DB = f"craftsman_template_{os.getpid()}"
# The databases this session cloned: dropped at its end, so a long-lived local server keeps none.
_CREATED_DATABASES: list[str] = []


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    with provide_infrastructure() as provided:
        # The secured local broker's admin settings: every test client (and the processes the
        # tests start) authenticates with them unless it is given a principal of its own.
        os.environ.update(provided.kafka_env)
        yield provided


@pytest.fixture(scope="session")
def kafka_bootstrap(infra: Infrastructure) -> str:
    return infra.kafka_bootstrap


def _plain_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://")


@pytest.fixture(scope="session")
def postgres_template(infra: Infrastructure) -> Iterator[str]:
    """A migrated database that every test database is cloned from (fast CREATE … TEMPLATE).

    Synchronous (on its own loop, in a thread) so that parametrised async fixtures can
    ask for it lazily: SQLite runs of a test then need no Postgres at all.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _create_template(infra)).result()
    yield TEMPLATE_DB
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _drop_databases(infra, [*_CREATED_DATABASES, TEMPLATE_DB])).result()


async def _drop_databases(infra: Infrastructure, names: list[str]) -> None:
    admin = await asyncpg.connect(_plain_dsn(database_url(infra.postgres_url_base, "postgres")))
    try:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _create_template(infra: Infrastructure) -> None:
    admin = await asyncpg.connect(_plain_dsn(database_url(infra.postgres_url_base, "postgres")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    finally:
        await admin.close()
    engine = create_engine(database_url(infra.postgres_url_base, TEMPLATE_DB))
    await migrate.upgrade(engine)
    await engine.dispose()


async def fresh_postgres_url(infra: Infrastructure, template: str) -> str:
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(_plain_dsn(database_url(infra.postgres_url_base, "postgres")))
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()
    _CREATED_DATABASES.append(name)
    return database_url(infra.postgres_url_base, name)


@pytest.fixture(params=["sqlite", "postgres"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty event-store database: the same tests run on SQLite and Postgres."""
    if request.param == "sqlite":
        created = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        await migrate.upgrade(created)
    else:
        infra_ = request.getfixturevalue("infra")
        template = request.getfixturevalue("postgres_template")
        created = create_engine(await fresh_postgres_url(infra_, template), pool_size=20)
    yield created
    await created.dispose()


@pytest.fixture
async def pg_engine(infra: Infrastructure, postgres_template: str) -> AsyncIterator[AsyncEngine]:
    created = create_engine(await fresh_postgres_url(infra, postgres_template), pool_size=20)
    yield created
    await created.dispose()


@pytest.fixture
def topic() -> str:
    return f"test.{uuid.uuid4().hex[:12]}.events"
