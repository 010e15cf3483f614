"""The bus is not open: on the secured broker of deploy/kafka.sh (SASL/SCRAM + ACLs), who may
write what, and what the consumers do with a record that got somewhere it should not be.

Each test works under a topic prefix of its own, provisioned like a test or demo run
(deploy/kafka_access.provision_run): the services' and enterprises' principals get the same
ACLs on the prefixed topics as on the platform's.
"""

from __future__ import annotations

import asyncio
import importlib.util
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord
from aiokafka.errors import KafkaConnectionError, TopicAuthorizationFailedError
from fastapi import FastAPI
from pydantic import SecretStr

from chassis.auth_tokens import bearer_headers
from chassis.kafka_security import KafkaCredentials, aiokafka_kwargs
from chassis.service import ServiceSpec, create_app
from chassis.settings import ServiceSettings
from contracts.envelope import Envelope, StreamRef
from contracts.events.competitions import CompetitionScored
from contracts.events.registry import WorkerRegistered
from contracts.topics import (
    COMPETITIONS_EVENTS,
    INBOUND_HR,
    REGISTRY_EVENTS,
    TRAINING_EVENTS,
    dead_letter_topic,
    enterprise_principal,
    inbound_topic,
)
from contracts.vocabulary import ContestLevel, Medal, SkillLevel
from deploy.infra import Infrastructure
from deploy.kafka_access import provision_run, service_credentials
from services.competitions.service import SPEC as COMPETITIONS
from services.registry.service import SPEC as REGISTRY
from tests.conftest import fresh_postgres_url
from tests.kafka_support import read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

# Fixed enterprise ids: their users are created once; each test's topics are its own.
SENDER = "sec-acme"
OTHER = "sec-globex"


@pytest.fixture(autouse=True)
def secured_broker(infra: Infrastructure) -> None:
    if not KafkaCredentials.from_environment().uses_sasl:
        pytest.skip("needs the secured broker of deploy/kafka.sh (CRAFTSMAN_KAFKA_* not configured)")


@pytest.fixture
def run_prefix(kafka_bootstrap: str) -> str:
    prefix = f"sec-{uuid.uuid4().hex[:8]}."
    provision_run(kafka_bootstrap, topic_prefix=prefix, enterprises=[SENDER, OTHER])
    return prefix


async def produce_as(
    principal: str, bootstrap: str, topic: str, values: Sequence[bytes], key: bytes = b"k"
) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", **aiokafka_kwargs(service_credentials(principal))
    )
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def records_in(bootstrap: str, topic: str, *, wait: float = 3.0) -> list[ConsumerRecord[bytes, bytes]]:
    return await read_topic(bootstrap, topic, until=lambda _: False, timeout=wait)


def hire(
    worker_id: str, *, tenant: str, producer: str | None = None, enterprise: str | None = None
) -> Envelope:
    event = WorkerRegistered(
        worker_id=worker_id,
        enterprise_id=enterprise or tenant,
        trade="fitter",
        skill_level=SkillLevel.SENIOR,
    )
    return Envelope.wrap(
        event,
        producer=producer or enterprise_principal(tenant),
        stream=StreamRef(type="Worker", id=worker_id),
        stream_version=1,
        tenant=tenant,
    )


def headers(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}


# ------------------------------------------------------------------ the broker refuses


@pytest.mark.parametrize(
    ("principal", "foreign_topic"),
    [
        ("registry", TRAINING_EVENTS),  # a service writes only its own events topic
        ("registry", f"{INBOUND_HR}.{SENDER}"),  # ... and never an enterprise's facts
        (enterprise_principal(SENDER), REGISTRY_EVENTS),  # an enterprise never writes a service's
        (enterprise_principal(SENDER), f"{INBOUND_HR}.{OTHER}"),  # ... nor another enterprise's
        (enterprise_principal(SENDER), dead_letter_topic(f"{INBOUND_HR}.{SENDER}")),  # ... nor its verdicts
    ],
)
async def test_writing_a_topic_one_does_not_own_is_refused_and_nothing_arrives(
    kafka_bootstrap: str, run_prefix: str, principal: str, foreign_topic: str
) -> None:
    topic = run_prefix + foreign_topic
    with pytest.raises(TopicAuthorizationFailedError):
        await asyncio.wait_for(produce_as(principal, kafka_bootstrap, topic, [b"forged"]), 30)
    assert await records_in(kafka_bootstrap, topic) == [], "nothing reached the topic's consumers"


async def test_the_owner_may_write_its_own_topic(kafka_bootstrap: str, run_prefix: str) -> None:
    """The refusals above are the ACLs, not a broken setup: the same principals write their own."""
    await produce_as("registry", kafka_bootstrap, run_prefix + REGISTRY_EVENTS, [b"own"])
    await produce_as(
        enterprise_principal(SENDER), kafka_bootstrap, run_prefix + inbound_topic(SENDER), [b"own"]
    )
    assert len(await records_in(kafka_bootstrap, run_prefix + REGISTRY_EVENTS)) == 1


async def test_a_client_without_credentials_cannot_connect(kafka_bootstrap: str) -> None:
    anonymous = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, request_timeout_ms=5000)
    try:
        with pytest.raises(KafkaConnectionError):
            await asyncio.wait_for(anonymous.start(), 30)
    finally:
        await anonymous.stop()


async def test_a_wrong_password_cannot_connect(
    kafka_bootstrap: str, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = service_credentials("registry").as_user("registry", "not-the-password")
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, **aiokafka_kwargs(wrong))
    try:
        with pytest.raises(KafkaConnectionError):
            await asyncio.wait_for(producer.start(), 30)
    finally:
        await producer.stop()
    assert "SaslAuthenticationFailed" in caplog.text, "refused for its password, not for a dead broker"


# ------------------------------------------------------------------ the consumers refuse


@dataclass
class RunningService:
    client: httpx.AsyncClient
    app: FastAPI


@asynccontextmanager
async def running(
    spec: ServiceSpec, infra: Infrastructure, template: str, prefix: str
) -> AsyncIterator[RunningService]:
    """The service as `serve` runs it (create_app's lifespan), as its own principal, on the run's topics."""
    credentials = service_credentials(spec.name)
    settings = ServiceSettings(
        service_name=spec.name,
        database_url=await fresh_postgres_url(infra, template),
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        kafka_security_protocol=credentials.security_protocol,
        kafka_sasl_mechanism=credentials.sasl_mechanism,
        kafka_username=credentials.username,
        kafka_password=SecretStr(credentials.password or ""),
        topic_prefix=prefix,
        consumer_group_prefix=prefix,
        consumer_batch_timeout_ms=50,
        handler_max_attempts=1,
        log_json=False,
        log_level="WARNING",
    )
    app = create_app(spec, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=bearer_headers()
        ) as client:
            yield RunningService(client, app)


async def eventually_json(
    client: httpx.AsyncClient, path: str, *, timeout: float = 60.0
) -> dict[str, object]:
    async with asyncio.timeout(timeout):
        while True:
            answer = await client.get(path)
            if answer.status_code == 200:
                body: dict[str, object] = answer.json()
                return body
            await asyncio.sleep(0.2)


async def register_enterprise(registry: RunningService, enterprise_id: str) -> None:
    answer = await registry.client.post(
        "/enterprises",
        json={
            "enterprise_id": enterprise_id,
            "name": enterprise_id,
            "region_id": "weifang",
            "industry": "machinery",
        },
    )
    assert answer.status_code == 201, answer.text


async def test_forged_producer_and_foreign_tenant_are_dead_lettered_and_good_records_applied_once(
    infra: Infrastructure, postgres_template: str, run_prefix: str
) -> None:
    bootstrap = infra.kafka_bootstrap
    inbound = run_prefix + inbound_topic(SENDER)
    async with running(REGISTRY, infra, postgres_template, run_prefix) as registry:
        await register_enterprise(registry, SENDER)
        await register_enterprise(registry, OTHER)

        # A record on the registry's topic that claims to come from training: the broker lets the
        # registry's principal write there, the consumers refuse the claim.
        forged = hire("w-forged", tenant=OTHER, producer="training")
        await produce_as("registry", bootstrap, run_prefix + REGISTRY_EVENTS, [forged.to_bytes()])
        # The sender hires a worker for another enterprise, then one of its own, twice.
        foreign = hire("w-foreign", tenant=OTHER, producer=enterprise_principal(SENDER))
        smuggled = hire("w-smuggled", tenant=SENDER, enterprise=OTHER)  # the payload names another
        good = hire("w-good", tenant=SENDER)
        await produce_as(
            enterprise_principal(SENDER),
            bootstrap,
            inbound,
            [foreign.to_bytes(), smuggled.to_bytes(), good.to_bytes(), good.to_bytes()],
            key=b"same-partition",
        )

        profile = await eventually_json(registry.client, "/workers/w-good/profile")
        assert profile["enterprise_id"] == SENDER

        refused = await read_topic(
            bootstrap, dead_letter_topic(inbound), until=lambda got: len(got) >= 2, timeout=60
        )
        assert sorted(headers(r)["dlq.reason"] for r in refused) == ["foreign_tenant", "foreign_tenant"]
        assert {r.value for r in refused} == {foreign.to_bytes(), smuggled.to_bytes()}, "original bytes kept"
        # The enterprise reads its own verdicts with its own credentials.
        mine = await read_topic(
            bootstrap,
            dead_letter_topic(inbound),
            until=lambda got: len(got) >= 2,
            timeout=30,
            credentials=service_credentials(enterprise_principal(SENDER)),
        )
        assert len(mine) == 2

        forged_letters = await read_topic(
            bootstrap,
            dead_letter_topic(run_prefix + REGISTRY_EVENTS),
            until=lambda got: len(got) >= 1,
            timeout=60,
        )
        assert {headers(r)["dlq.reason"] for r in forged_letters} == {"forged_producer"}
        assert await registry.client.get("/workers/w-forged/profile") == _status(404)
        assert await registry.client.get("/workers/w-foreign/profile") == _status(404)
        assert await registry.client.get("/workers/w-smuggled/profile") == _status(404)

        # Applied exactly once: the registry published one WorkerRegistered for w-good, under its own name.
        published = await records_in(bootstrap, run_prefix + REGISTRY_EVENTS, wait=5.0)
        about_w_good = [Envelope.from_bytes(r.value) for r in published if b'"w-good"' in r.value]
        hires = [
            e for e in about_w_good if e.event_type == "WorkerRegistered"
        ]  # (the ladder may promote too)
        assert [(e.event_type, e.producer) for e in hires] == [("WorkerRegistered", "registry")]


class _status:
    """Compares an httpx response by its status code (for readable assertions)."""

    def __init__(self, code: int) -> None:
        self.code = code

    def __eq__(self, other: object) -> bool:
        return isinstance(other, httpx.Response) and other.status_code == self.code

    def __hash__(self) -> int:
        return self.code


async def test_an_in_house_contest_result_is_adopted_once_by_competitions(
    infra: Infrastructure, postgres_template: str, run_prefix: str
) -> None:
    bootstrap = infra.kafka_bootstrap
    async with AsyncExitStack() as stack:
        registry = await stack.enter_async_context(running(REGISTRY, infra, postgres_template, run_prefix))
        competitions = await stack.enter_async_context(
            running(COMPETITIONS, infra, postgres_template, run_prefix)
        )
        await register_enterprise(registry, SENDER)
        await produce_as(
            enterprise_principal(SENDER),
            bootstrap,
            run_prefix + inbound_topic(SENDER),
            [hire("w-1", tenant=SENDER).to_bytes()],
        )
        await eventually_json(competitions.client, "/workers/w-1")  # it learnt of w-1 from the registry
        result = Envelope.wrap(
            CompetitionScored(
                contest_id="spring-lathe",
                level=ContestLevel.ENTERPRISE,
                worker_id="w-1",
                enterprise_id=SENDER,
                raw_score=88.5,
                standardised_score=712,
                rank=1,
                medal=Medal.GOLD,
            ),
            producer=enterprise_principal(SENDER),
            stream=StreamRef(type="InHouseContest", id="spring-lathe"),
            stream_version=1,
            tenant=SENDER,
        )
        await produce_as(
            enterprise_principal(SENDER),
            bootstrap,
            run_prefix + inbound_topic(SENDER),
            [result.to_bytes()] * 2,
        )
        await read_topic(
            bootstrap, run_prefix + COMPETITIONS_EVENTS, until=lambda got: len(got) >= 1, timeout=60
        )
        await asyncio.sleep(2.0)  # time for a second, wrong, copy to show up
        adopted = [
            Envelope.from_bytes(r.value)
            for r in await records_in(bootstrap, run_prefix + COMPETITIONS_EVENTS)
        ]
        assert [(e.event_type, e.producer, e.tenant, e.payload["contest_id"]) for e in adopted] == [
            ("CompetitionScored", "competitions", SENDER, f"{SENDER}:spring-lathe")
        ]


# ------------------------------------------------------------------ the integrator's example


def integrator_example() -> Any:
    """contracts/examples/hr_client.py (outside the contracts package: it does I/O)."""
    path = Path(__file__).resolve().parents[2] / "contracts" / "examples" / "hr_client.py"
    spec = importlib.util.spec_from_file_location("hr_client", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_the_integrator_example_sends_reads_and_sees_its_refusals(
    infra: Infrastructure, postgres_template: str, run_prefix: str
) -> None:
    """An enterprise with confluent-kafka and its own credentials: a hire is applied, the public
    topic shows the registry's fact, and the enterprise reads why its bad record was refused."""
    example = integrator_example()
    mine = service_credentials(enterprise_principal(SENDER))
    config = example.client_config(infra.kafka_bootstrap, mine.username, mine.password)
    async with running(REGISTRY, infra, postgres_template, run_prefix) as registry:
        await register_enterprise(registry, SENDER)
        good = example.hire_envelope(SENDER, "w-int", "fitter", SkillLevel.SENIOR)
        speaks_for_other = example.hire_envelope(OTHER, "w-other", "welder", SkillLevel.SENIOR)
        await asyncio.to_thread(example.send, config, SENDER, [speaks_for_other, good], run_prefix)
        await eventually_json(registry.client, "/workers/w-int/profile")

        group = f"{run_prefix}{enterprise_principal(SENDER)}"
        public = await asyncio.to_thread(
            example.read, config, run_prefix + REGISTRY_EVENTS, f"{group}.public", at_least=2
        )
        facts = [Envelope.from_bytes(message.value()) for message in public]
        assert ("WorkerRegistered", "registry", "w-int") in {
            (fact.event_type, fact.producer, fact.payload.get("worker_id")) for fact in facts
        }
        refused = await asyncio.to_thread(
            example.read, config, dead_letter_topic(run_prefix + inbound_topic(SENDER)), f"{group}.refused"
        )
        assert [dict(message.headers())["dlq.reason"] for message in refused] == [b"forged_producer"]
        assert refused[0].value() == speaks_for_other.to_bytes()
