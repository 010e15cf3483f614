"""A service's roles (api, relay, consumers) run together or apart, chosen by configuration."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from chassis.auth_tokens import bearer_headers
from chassis.eventstore.schema import outbox
from chassis.roles import Roles
from chassis.service import create_app
from chassis.settings import ServiceSettings
from services.registry.service import SPEC

pytestmark = pytest.mark.kafka


def test_roles_are_parsed_and_unknown_ones_refused() -> None:
    assert Roles.parse("api, relay") == Roles(api=True, relay=True, consumers=False)
    assert str(Roles.parse("consumers,api")) == "api,consumers"
    with pytest.raises(ValueError, match="roles must be some of"):
        Roles.parse("api,web")
    with pytest.raises(ValueError, match="roles must be some of"):
        Roles.parse("")


@asynccontextmanager
async def running(roles: str, database: Path, kafka: str, prefix: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = ServiceSettings(
        service_name=SPEC.name,
        database_url=f"sqlite+aiosqlite:///{database}",
        kafka_bootstrap_servers=kafka,
        topic_prefix=prefix,
        consumer_group_prefix=prefix,
        roles=roles,
        log_json=False,
    )
    app: FastAPI = create_app(SPEC, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=bearer_headers()
        ) as client:
            yield client


async def outbox_rows(database: Path) -> int:
    from chassis.db import create_engine

    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(outbox)) or 0)
    finally:
        await engine.dispose()


async def test_an_api_process_leaves_publishing_to_a_relay_process(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    database, prefix = tmp_path / "registry.db", f"test-{uuid.uuid4().hex[:8]}."
    enterprise = {"enterprise_id": "e-1", "name": "Weichai", "region_id": "weifang", "industry": "engines"}
    async with running("api", database, kafka_bootstrap, prefix) as api:
        assert (await api.post("/enterprises", json=enterprise)).status_code == 201
        await asyncio.sleep(0.3)
        assert await outbox_rows(database) == 1, "no relay runs in an api-only process"
    async with running("relay,consumers", database, kafka_bootstrap, prefix) as worker:
        assert (await worker.get("/health")).status_code == 200
        assert (await worker.post("/enterprises", json=enterprise)).status_code == 404, "no commands here"
        async with asyncio.timeout(20):
            while await outbox_rows(database):
                await asyncio.sleep(0.1)
