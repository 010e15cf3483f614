"""An enterprise's HR system on its inbound topic (real secured Kafka and Postgres): a leaver
and an in-house nomination are applied once; a leaver of another enterprise's worker and a
malformed leaver go to the dead-letter topic with their reason."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest

from contracts.envelope import Envelope, StreamRef
from contracts.events.base import Event
from contracts.events.registry import WorkerLeft, WorkerNominated
from contracts.topics import REGISTRY_EVENTS, dead_letter_topic, enterprise_principal, inbound_topic
from contracts.vocabulary import TitleLevel
from deploy.infra import Infrastructure
from services.registry.service import SPEC as REGISTRY
from tests.integration.test_bus_security import (  # the secured broker's helpers, not its tests
    OTHER,
    SENDER,
    eventually_json,
    headers,
    hire,
    produce_as,
    records_in,
    register_enterprise,
    run_prefix,
    running,
    secured_broker,
)
from tests.kafka_support import read_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]
__all__ = ["run_prefix", "secured_broker"]  # fixtures, used by name


def from_hr(event: Event, worker_id: str) -> Envelope:
    return Envelope.wrap(
        event,
        producer=enterprise_principal(SENDER),
        stream=StreamRef(type="Worker", id=worker_id),
        stream_version=1,
        tenant=SENDER,
    )


def left(worker_id: str) -> Envelope:
    fact = WorkerLeft(worker_id=worker_id, enterprise_id=SENDER, left_on=date(2026, 9, 30), reason="retired")
    return from_hr(fact, worker_id)


async def test_leavers_and_in_house_nominations_apply_once_and_bad_ones_are_dead_lettered(
    infra: Infrastructure, postgres_template: str, run_prefix: str
) -> None:
    bootstrap = infra.kafka_bootstrap
    inbound = run_prefix + inbound_topic(SENDER)
    async with running(REGISTRY, infra, postgres_template, run_prefix) as registry:
        await register_enterprise(registry, SENDER)
        await register_enterprise(registry, OTHER)
        theirs = await registry.client.post(
            "/workers",
            json={
                "worker_id": "w-theirs",
                "enterprise_id": OTHER,
                "trade": "welder",
                "skill_level": "senior",
            },
        )
        assert theirs.status_code == 201, theirs.text

        leaving, nominated = (
            left("w-leaving"),
            from_hr(
                WorkerNominated(
                    nomination_id="n-inhouse",
                    worker_id="w-nominee",
                    enterprise_id=SENDER,
                    level=TitleLevel.ENTERPRISE,
                    nominated_by="hr",
                    reason="best fitter of the year",
                ),
                "w-nominee",
            ),
        )
        not_ours = left("w-theirs")  # the payload names the sender, but the worker is another's
        malformed = json.loads(left("w-leaving").to_bytes())
        del malformed["payload"]["left_on"]
        await produce_as(
            enterprise_principal(SENDER),
            bootstrap,
            inbound,
            [
                hire("w-leaving", tenant=SENDER).to_bytes(),
                hire("w-nominee", tenant=SENDER).to_bytes(),
                leaving.to_bytes(),
                leaving.to_bytes(),  # sent twice: applied once
                nominated.to_bytes(),
                not_ours.to_bytes(),
                json.dumps(malformed).encode(),
            ],
            key=b"same-partition",
        )

        refused = await read_topic(
            bootstrap, dead_letter_topic(inbound), until=lambda got: len(got) >= 2, timeout=60
        )
        reasons = {headers(r)["dlq.reason"]: headers(r).get("dlq.detail", "") for r in refused}
        assert set(reasons) == {"handler_failed", "invalid_payload"}, reasons
        assert f"does not work for {SENDER}" in reasons["handler_failed"]
        assert "left_on" in reasons["invalid_payload"]

        leaver = await eventually_json(registry.client, "/workers/w-leaving/profile")
        nominee = await eventually_json(registry.client, "/workers/w-nominee/profile")
        for _ in range(100):
            if leaver["left_on"] and nominee["nominations"]:
                break
            await asyncio.sleep(0.2)
            leaver = await eventually_json(registry.client, "/workers/w-leaving/profile")
            nominee = await eventually_json(registry.client, "/workers/w-nominee/profile")
        assert leaver["left_on"] == "2026-09-30"
        assert nominee["nominations"] == 1
        theirs_profile = await eventually_json(registry.client, "/workers/w-theirs/profile")
        assert theirs_profile["left_on"] is None

        published = [
            Envelope.from_bytes(r.value)
            for r in await records_in(bootstrap, run_prefix + REGISTRY_EVENTS, wait=5.0)
        ]
        leavers = [(e.event_type, e.producer) for e in published if e.event_type == "WorkerLeft"]
        assert leavers == [("WorkerLeft", "registry")]
        assert [e.event_type for e in published if e.event_type == "WorkerNominated"] == ["WorkerNominated"]
