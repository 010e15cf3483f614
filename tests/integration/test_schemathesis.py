"""Schemathesis against every service's /openapi.json: the real app served by uvicorn over
HTTP, on its own PostgreSQL database, called with a valid token. Generated requests (valid
and invalid) never get a 5xx, and every answer matches the status, content type and schema
the document declares."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case
from schemathesis.checks import CheckFunction
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    ensure_resource_availability,
    positive_data_acceptance,
    use_after_free,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.auth_tokens import bearer_headers
from chassis.service import ServiceSpec
from services.competitions.service import SPEC as COMPETITIONS
from services.dashboard.service import SPEC as DASHBOARD
from services.registry.service import SPEC as REGISTRY
from services.rewards.service import SPEC as REWARDS
from services.training.service import SPEC as TRAINING
from tests.service_support import http_service_at

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SPECS = {spec.name: spec for spec in (REGISTRY, COMPETITIONS, TRAINING, REWARDS, DASHBOARD)}
EXAMPLES_PER_OPERATION = 50  # six or so operations: a few hundred cases per service

# Every default check runs except these, which assume what these APIs do not promise:
NOT_PROMISED: list[CheckFunction] = [
    # A valid request for an id that does not exist is a 404, not a 2xx.
    positive_data_acceptance,
    # A record created by one call, expected at once by the next: read models fill from
    # Kafka (eventual consistency), and this run has no Kafka.
    ensure_resource_availability,
    use_after_free,
]


@contextmanager
def serving(spec: ServiceSpec, database_url: str) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(
        http_service_at(database_url, spec), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"{spec.name} did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize("name", list(SPECS))
def test_generated_requests_get_declared_answers_and_no_5xx(pg_engine: AsyncEngine, name: str) -> None:
    spec = SPECS[name]
    # A fresh database; the server makes its own engine for it on the loop that serves.
    database_url = pg_engine.url.render_as_string(hide_password=False)
    headers = bearer_headers()
    with serving(spec, database_url) as base_url:
        assert httpx.get(f"{base_url}/health").status_code == 200
        schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
        # /ready answers its documented 503 here: this run has no Kafka.
        operations = []
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result
            if result.ok().label != "GET /ready":
                operations.append(result.ok())
        assert len(operations) >= 5, [operation.label for operation in operations]
        sent = 0
        for operation in operations:

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def generated(case: Case[Any]) -> None:
                nonlocal sent
                sent += 1
                case.call_and_validate(base_url=base_url, headers=headers, excluded_checks=NOT_PROMISED)

            generated()
        assert sent >= 150, f"only {sent} generated requests"
        print(f"{name}: {sent} generated requests over {len(operations)} operations")
