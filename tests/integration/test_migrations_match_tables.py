"""Each service's table definitions agree with the database its migrations build.

Alembic's autogenerate comparison runs over the chassis tables and the service's read
models, on SQLite and on Postgres; any difference (a column added to a Table but not to
a migration, a type or nullability changed on one side only) fails the test.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis import migrate
from chassis.eventstore.schema import metadata as chassis_metadata
from chassis.service import ServiceSpec

SERVICES = ("registry", "competitions", "training", "rewards", "dashboard")


def spec_and_metadata(service: str) -> tuple[ServiceSpec, MetaData]:
    spec: ServiceSpec = importlib.import_module(f"services.{service}.service").SPEC
    tables: MetaData = importlib.import_module(f"services.{service}.read_models").metadata
    return spec, tables


def _differences(connection: Connection, parts: list[MetaData]) -> list[Any]:
    combined = MetaData()
    for part in parts:
        for table in part.tables.values():
            table.to_metadata(combined)
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, combined))


@pytest.mark.parametrize("service", SERVICES)
async def test_tables_and_migrations_agree(service: str, engine: AsyncEngine) -> None:
    spec, tables = spec_and_metadata(service)
    await migrate.upgrade(engine, spec.migrations)
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences, [chassis_metadata, tables])
    assert differences == [], f"{service}: table definitions and migrations drifted: {differences}"
