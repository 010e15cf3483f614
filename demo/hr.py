"""The HR systems of the HR-connected enterprises: each sends its hires as WorkerRegistered
facts on its own inbound topic, as its own Kafka principal (the registry decides each one like
a command of its own and dead-letters what its rules refuse)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby

from aiokafka import AIOKafkaProducer

from chassis.kafka_security import aiokafka_kwargs
from contracts.envelope import Envelope, StreamRef
from contracts.events.registry import WorkerRegistered
from contracts.topics import enterprise_principal, inbound_topic
from contracts.vocabulary import SkillLevel
from demo.plan import Worker
from demo.traffic import Traffic
from deploy.kafka_access import service_credentials

# Seconds the registry may go without applying one more hire: it applies them beside the phase's
# imports (a province's 120,000 workers take longer than that in all), so progress is what counts.
ROSTER_STALL = 300.0


@dataclass
class HrSystems:
    bootstrap: str
    topic_prefix: str
    traffic: Traffic

    async def hire(self, workers: Sequence[Worker], levels: Mapping[str, SkillLevel]) -> int:
        """Every worker sent by their enterprise; returns once the registry's rosters hold them."""
        by_enterprise = {
            enterprise: list(hired)
            for enterprise, hired in groupby(
                sorted(workers, key=lambda w: w.enterprise_id), lambda w: w.enterprise_id
            )
        }
        await asyncio.gather(
            *(self._send(enterprise, hired, levels) for enterprise, hired in by_enterprise.items())
        )
        await asyncio.gather(*(self._wait_roster(e, len(hired)) for e, hired in by_enterprise.items()))
        return len(workers)

    async def _send(
        self, enterprise_id: str, workers: list[Worker], levels: Mapping[str, SkillLevel]
    ) -> None:
        principal = enterprise_principal(enterprise_id)
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            linger_ms=20,
            **aiokafka_kwargs(service_credentials(principal)),
        )
        await producer.start()
        try:
            topic = self.topic_prefix + inbound_topic(enterprise_id)
            sent = [
                await producer.send(
                    topic,
                    _hire(principal, worker, levels[worker.worker_id]).to_bytes(),
                    key=worker.worker_id.encode(),
                )
                for worker in workers
            ]
            await asyncio.gather(*sent)
        finally:
            await producer.stop()

    async def _wait_roster(self, enterprise_id: str, expected: int) -> None:
        held, progressed = -1, time.monotonic()
        while True:
            roster = await self.traffic.get("registry", f"/enterprises/{enterprise_id}/roster")
            now_held = len(roster["workers"]) if roster is not None else 0
            if now_held >= expected:
                return
            if now_held > held:
                held, progressed = now_held, time.monotonic()
            elif time.monotonic() - progressed > ROSTER_STALL:
                raise TimeoutError(
                    f"the registry applied no hire of {enterprise_id} for {ROSTER_STALL:.0f} s "
                    f"({held} of {expected} on its roster)"
                )
            await asyncio.sleep(0.5)


def _hire(principal: str, worker: Worker, level: SkillLevel) -> Envelope:
    event = WorkerRegistered(
        worker_id=worker.worker_id,
        enterprise_id=worker.enterprise_id,
        trade=worker.occupation,
        skill_level=level,
        front_line=worker.front_line,
    )
    return Envelope.wrap(
        event,
        producer=principal,
        stream=StreamRef(type="Worker", id=worker.worker_id),
        stream_version=1,
        tenant=worker.enterprise_id,
    )
