"""Shared fixtures: the real infrastructure, fresh databases, unique topics.

The infrastructure is chosen by chassis.infra (environment, else testcontainers when
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
from chassis.infra import Infrastructure, database_url, provide_infrastructure

# Engineers sharing one Postgres give their runs templates of their own.
TEMPLATE_DB = os.environ.get("CRAFTSMAN_TEST_TEMPLATE_DB", "craftsman_template")


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    with provide_infrastructure() as provided:
        yield provided


@pytest.fixture(scope="session")
def kafka_bootstrap(infra: Infrastructure) -> str:
    return infra.kafka_bootstrap


def _plain_dsn(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://")


@pytest.fixture(scope="session")
def postgres_template(infra: Infrastructure) -> str:
    """A migrated database that every test database is cloned from (fast CREATE … TEMPLATE).

    Synchronous (on its own loop, in a thread) so that parametrised async fixtures can
    ask for it lazily: SQLite runs of a test then need no Postgres at all.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _create_template(infra)).result()
    return TEMPLATE_DB


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
