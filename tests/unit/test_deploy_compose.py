"""deploy/compose.yaml, checked offline: valid against the compose-spec JSON schema (vendored
in tests/unit/deploy_schemas/, see SOURCES.md there), and holding what ops teams expect of it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yaml"
SCHEMA = Path(__file__).parent / "deploy_schemas" / "compose-spec.json"
BROKERS = ("kafka-1", "kafka-2", "kafka-3")
SERVICES = ("registry", "competitions", "training", "rewards")
APPS = (*SERVICES, "dashboard")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def test_the_file_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = [
        f"{'/'.join(map(str, error.path))}: {error.message}" for error in validator.iter_errors(compose)
    ]
    assert not errors, errors


def test_the_schema_check_catches_a_mistake(compose: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["registry"]["healthcheck"]["intervall"] = "5s"
    assert not jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).is_valid(broken)


def test_kafka_is_three_official_brokers_in_kraft_mode_with_rf3_and_min_isr2(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert not any("zookeeper" in name for name in services)
    node_ids = set()
    for broker in BROKERS:
        spec = services[broker]
        assert spec["image"].startswith("apache/kafka:")
        env = spec["environment"]
        assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
        voters = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
        assert sorted(voter.split("@")[1].split(":")[0] for voter in voters) == list(BROKERS)
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == 2
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 3
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert f"INTERNAL://{broker}:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
        assert "healthcheck" in spec
        node_ids.add(env["KAFKA_NODE_ID"])
    assert node_ids == {1, 2, 3}


def test_postgres_makes_one_database_for_each_service_that_uses_one(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    mounts = [volume.split(":")[0] for volume in postgres["volumes"]]
    init = (COMPOSE.parent / "postgres-init").resolve()
    assert "./postgres-init" in mounts
    created = {
        name
        for script in init.glob("*.sql")
        for name in re.findall(r"CREATE DATABASE (\w+)", script.read_text(), flags=re.IGNORECASE)
    }
    used = [compose["services"][app]["environment"]["DATABASE_URL"].rsplit("/", 1)[1] for app in APPS]
    assert sorted(used) == sorted(APPS), "each service has a database of its own"
    assert set(used) <= created
    assert "healthcheck" in postgres


def test_the_topic_init_job_applies_the_declared_topics_once_the_brokers_are_up(
    compose: dict[str, Any],
) -> None:
    job = compose["services"]["topic-init"]
    assert job["entrypoint"] == ["python", "-m", "deploy.topics", "apply"]
    assert job["restart"] == "no"
    assert {broker: {"condition": "service_healthy"} for broker in BROKERS} == job["depends_on"]
    assert job["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == ",".join(f"{b}:9092" for b in BROKERS)


@pytest.mark.parametrize("app", APPS)
def test_every_service_is_built_from_the_one_dockerfile_and_checked_for_health(
    compose: dict[str, Any], app: str
) -> None:
    spec = compose["services"][app]
    assert spec["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile", "args": {"SERVICE": app}}
    assert (COMPOSE.parent / spec["build"]["context"] / spec["build"]["dockerfile"]).is_file()
    check = " ".join(spec["healthcheck"]["test"])
    assert "'health', 'ready'" in check, "alive and ready"
    assert spec["depends_on"]["topic-init"] == {"condition": "service_completed_successfully"}
    assert spec["depends_on"]["postgres"] == {"condition": "service_healthy"}
    env = spec["environment"]
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == ",".join(f"{b}:9092" for b in BROKERS)
    assert env["CRAFTSMAN_AUTH_JWT_SECRET"].startswith("${CRAFTSMAN_AUTH_JWT_SECRET:?"), "no default secret"
    port = env["CRAFTSMAN_HTTP_PORT"]
    assert all(mapping.endswith(f":{port}") for mapping in spec["ports"])
    assert all(mapping.startswith("127.0.0.1:") for mapping in spec["ports"]), "not open to the network"


def test_the_dashboard_listens_on_8090(compose: dict[str, Any]) -> None:
    assert compose["services"]["dashboard"]["ports"] == ["127.0.0.1:8090:8090"]
