"""Kafka as a cluster: deploy/kafka.sh --brokers 3 (replication 3, min.insync.replicas 2) on ports of
its own; one broker is SIGKILLed while commands run, and restarted. Nothing acknowledged is lost,
the service carries on, and the declared topic settings apply idempotently."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from chassis.auth_tokens import bearer_headers
from chassis.kafka_security import KafkaCredentials
from contracts.topics import REGISTRY_EVENTS
from deploy import topics
from deploy.infra import Infrastructure
from deploy.kafka_access import read_users
from deploy.local_services import REPO_ROOT, ServiceProcess
from tests.e2e.conftest import free_port
from tests.kafka_support import read_topic
from tests.replica_support import create_database, drop_database

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow, pytest.mark.cluster]

KAFKA_SH = REPO_ROOT / "deploy" / "kafka.sh"


@dataclass
class Cluster:
    state: Path
    env: dict[str, str]
    bootstrap: str

    def sh(self, *args: str) -> None:
        subprocess.run(["bash", str(KAFKA_SH), *args], env=self.env, check=True, timeout=300)

    def node_pid(self, node: int) -> int:
        return int((self.state / "kafka" / "brokers-3" / f"node-{node}" / "kafka.pid").read_text())

    def credentials(self, user: str) -> KafkaCredentials:
        password = read_users(self.state / "kafka" / "users.env")[user]
        return KafkaCredentials("SASL_PLAINTEXT", "SCRAM-SHA-512", user, password)


def _free_port_block(size: int) -> int:
    """A base port with `size` free ports above it."""
    for _ in range(50):
        base = free_port()
        if base + size < 65000 and all(_free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no block of free ports")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    state = tmp_path / "cluster"
    base = _free_port_block(6)
    env = {
        **os.environ,
        "CRAFTSMAN_STATE": str(state),
        "KAFKA_PORT": str(base),
        "KAFKA_HEAP_OPTS": "-Xmx256m",
    }
    started = Cluster(state, env, ",".join(f"127.0.0.1:{base + 2 * i}" for i in range(3)))
    try:
        started.sh("up", "--brokers", "3")
        yield started
    finally:
        subprocess.run(["bash", str(KAFKA_SH), "down", "--purge"], env=env, check=False, timeout=120)


async def test_a_broker_killed_and_restarted_loses_nothing_acknowledged(
    cluster: Cluster, infra: Infrastructure, tmp_path: Path
) -> None:
    admin = topics.admin_client(cluster.bootstrap, cluster.credentials("admin"))
    described = admin.list_topics(REGISTRY_EVENTS, timeout=30).topics[REGISTRY_EVENTS]
    assert {len(p.replicas) for p in described.partitions.values()} == {3}
    declared = topics.declared(3)
    assert topics.apply(admin, declared) == []  # kafka.sh applied the declaration: nothing to do

    database, url = await create_database(infra, "cluster_registry")
    registry = cluster.credentials("registry")
    service = ServiceProcess(
        name="registry",
        port=free_port(),
        database_url=url,
        kafka_bootstrap=cluster.bootstrap,
        state=tmp_path,
        extra_env={
            "CRAFTSMAN_KAFKA_SECURITY_PROTOCOL": registry.security_protocol,
            "CRAFTSMAN_KAFKA_SASL_MECHANISM": registry.sasl_mechanism,
            "CRAFTSMAN_KAFKA_USERNAME": registry.username or "",
            "CRAFTSMAN_KAFKA_PASSWORD": registry.password or "",
            "CRAFTSMAN_CONSUMER_GROUP_PREFIX": "",
            "CRAFTSMAN_TOPIC_PREFIX": "",
        },
    )
    run = uuid.uuid4().hex[:6]
    acknowledged: list[str] = []
    service.start()
    try:
        service.wait_ready(timeout=120)
        async with httpx.AsyncClient(
            base_url=service.base_url, timeout=15, headers=bearer_headers()
        ) as client:

            async def commands(count: int) -> None:
                for _ in range(count):
                    enterprise = f"cluster-{run}-{len(acknowledged)}"
                    body = {"enterprise_id": enterprise, "name": "Works", "region_id": "r1", "industry": "x"}
                    answer = await client.post("/enterprises", json=body)
                    assert answer.status_code in (200, 201), answer.text
                    acknowledged.append(enterprise)

            await commands(20)
            os.kill(cluster.node_pid(2), signal.SIGKILL)  # a broker dies mid-run
            await commands(40)
            await asyncio.to_thread(cluster.sh, "start-node", "2")
            await commands(20)

        wanted = set(acknowledged)
        records = await read_topic(
            cluster.bootstrap,
            REGISTRY_EVENTS,
            until=lambda got: wanted <= {_enterprise(r.value) for r in got},
            timeout=120,
            credentials=cluster.credentials("admin"),
        )
        published = [_enterprise(r.value) for r in records if _enterprise(r.value) in wanted]
        assert set(published) == wanted, f"lost: {sorted(wanted - set(published))[:5]}"
        assert len(acknowledged) == 80
        assert service.pid() is not None, "the service carried on"
    finally:
        service.stop()
        await drop_database(infra, database)


def _enterprise(value: bytes | None) -> str | None:
    try:
        payload = json.loads(value or b"{}").get("payload", {})
    except ValueError:
        return None
    found = payload.get("enterprise_id")
    return found if isinstance(found, str) else None
