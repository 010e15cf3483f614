"""Choosing the infrastructure (Kafka and PostgreSQL) that tests and services run against.

In this order, for each of Kafka and PostgreSQL:

1. the environment: ``KAFKA_BOOTSTRAP_SERVERS``; ``DATABASE_URL_BASE`` or a PostgreSQL
   ``DATABASE_URL`` (its database name is dropped);
2. else testcontainers, when a Docker engine answers a ping (a short timeout, so a machine
   with a docker client but no engine does not hang);
3. else the local scripts ``deploy/kafka.sh up`` / ``deploy/postgres.sh up`` (no Docker: Kafka from
   Maven Central jars, Debian's PostgreSQL), which are left running afterwards: they are shared.

``CRAFTSMAN_INFRA=local`` or ``=testcontainers`` skips the Docker probe and forces that backend
for whatever the environment does not give. ``CRAFTSMAN_KAFKA_BROKERS`` (default 1) is passed to
``kafka.sh up --brokers``.

``Infrastructure.source`` is ``"env"`` when the environment gave both; otherwise it names the
backend that provided the rest. The local Kafka is secured (SASL/SCRAM + ACLs): its admin's
client settings (``CRAFTSMAN_KAFKA_*``, read from ``<state>/kafka-credentials.env``) come back in
``Infrastructure.kafka_env`` for the caller to put in its environment; from the environment or
testcontainers it is empty (the environment says it already; the container is open).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "Infrastructure",
    "InfrastructureError",
    "database_url",
    "docker_available",
    "provide_infrastructure",
    "url_base",
]

log = logging.getLogger(__name__)

Source = Literal["env", "testcontainers", "local"]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEPLOY_DIR = REPO_ROOT / "deploy"

# testcontainers-python's KafkaContainer drives Confluent's image (its start script is Confluent's).
DEFAULT_KAFKA_IMAGE = "confluentinc/cp-kafka:7.9.0"
DEFAULT_POSTGRES_IMAGE = "postgres:16"
PG_USER = "craftsman"
PG_PASSWORD = "craftsman"
DATABASES = ("registry", "competitions", "training", "rewards", "dashboard", "craftsman_test")

LOCAL_START_TIMEOUT_S = 900.0  # a first run may apt-get install PostgreSQL and download Kafka's jars


class InfrastructureError(RuntimeError):
    """The infrastructure could not be provided."""


@dataclass(frozen=True)
class Infrastructure:
    kafka_bootstrap: str
    postgres_url_base: str  # e.g. postgresql+asyncpg://craftsman@127.0.0.1:15432, no database name
    source: Source
    kafka_env: Mapping[str, str] = field(default_factory=dict)


def database_url(base: str, database: str) -> str:
    """The URL of ``database`` on the server of ``base`` (any path of ``base`` is replaced)."""
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def url_base(url: str) -> str:
    """``url`` without its database name (and query)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _postgres_from_env(environ: Mapping[str, str]) -> str | None:
    base = environ.get("DATABASE_URL_BASE", "").strip()
    if base:
        return url_base(base) if urlsplit(base).path.strip("/") else base.rstrip("/")
    url = environ.get("DATABASE_URL", "").strip()
    if url.startswith("postgresql"):  # a sqlite DATABASE_URL says nothing about PostgreSQL
        return url_base(url)
    return None


def docker_available(timeout: float = 3.0) -> bool:
    """Whether a Docker engine answers a ping within ``timeout`` seconds (never raises)."""
    try:
        docker = importlib.import_module("docker")
        client = docker.from_env(timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception as exc:  # no SDK, no socket, no permission, timeout, ...
        log.debug("no Docker engine: %s", exc)
        return False


# ------------------------------------------------------------------ local scripts


def _run_script(script: str, *args: str) -> str:
    """Run ``deploy/<script> args``; its stdout, stripped. Raises InfrastructureError."""
    path = DEPLOY_DIR / script
    if not path.is_file():
        raise InfrastructureError(
            f"{path} not found: the local infrastructure needs the repository's deploy/"
        )
    bash = shutil.which("bash") or "/bin/bash"
    try:
        done = subprocess.run(
            [bash, str(path), *args],
            cwd=REPO_ROOT,
            env={**os.environ, "CRAFTSMAN_PYTHON": sys.executable},  # provisions users and ACLs
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=LOCAL_START_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise InfrastructureError(f"{script} {' '.join(args)} timed out after {exc.timeout} s") from exc
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-40:])
        raise InfrastructureError(f"{script} {' '.join(args)} failed ({done.returncode}):\n{tail}")
    if done.stderr.strip():
        log.info("%s %s: %s", script, " ".join(args), done.stderr.strip())
    return done.stdout.strip()


def start_local_kafka() -> str:
    """``deploy/kafka.sh up``; the bootstrap servers."""
    brokers = os.environ.get("CRAFTSMAN_KAFKA_BROKERS", "1")
    _run_script("kafka.sh", "up", "--brokers", brokers)
    return _run_script("kafka.sh", "bootstrap")


def local_kafka_env() -> dict[str, str]:
    """The admin's ``CRAFTSMAN_KAFKA_*`` settings that ``deploy/kafka.sh up`` wrote."""
    state = Path(os.environ.get("CRAFTSMAN_STATE", REPO_ROOT / ".local"))
    path = state / "kafka-credentials.env"
    if not path.exists():
        raise InfrastructureError(f"{path} not found: deploy/kafka.sh up writes it")
    pairs = (line.partition("=") for line in path.read_text().splitlines())
    return {name: value for name, sep, value in pairs if sep and name.startswith("CRAFTSMAN_KAFKA_")}


def start_local_postgres() -> str:
    """``deploy/postgres.sh up``; the URL base (no database name)."""
    _run_script("postgres.sh", "up")
    return _run_script("postgres.sh", "url")


# ------------------------------------------------------------------ testcontainers


def start_testcontainers_kafka(stack: contextlib.ExitStack) -> str:
    """A single-node KRaft Kafka container, stopped when ``stack`` closes; its bootstrap server."""
    from testcontainers.community.kafka import KafkaContainer

    image = os.environ.get("CRAFTSMAN_KAFKA_IMAGE", DEFAULT_KAFKA_IMAGE)
    container = KafkaContainer(image).with_kraft()
    container.with_env("KAFKA_NUM_PARTITIONS", "6")
    container.with_env("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true")
    container.with_env("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
    container.with_env("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
    container.start(timeout=180)
    stack.callback(container.stop)
    return container.get_bootstrap_server()


def start_testcontainers_postgres(stack: contextlib.ExitStack) -> str:
    """A PostgreSQL container with the project's databases, stopped when ``stack`` closes."""
    from testcontainers.community.postgres import PostgresContainer

    image = os.environ.get("CRAFTSMAN_POSTGRES_IMAGE", DEFAULT_POSTGRES_IMAGE)
    container = PostgresContainer(
        image, username=PG_USER, password=PG_PASSWORD, dbname="craftsman_test", driver="asyncpg"
    )
    container.with_command("postgres -c max_connections=200 -c shared_buffers=128MB")
    container.start()
    stack.callback(container.stop)
    for database in DATABASES:
        if database == container.dbname:
            continue
        result = container.exec(
            ["psql", "-U", PG_USER, "-d", "postgres", "-c", f"CREATE DATABASE {database}"]
        )
        if result.exit_code != 0:
            raise InfrastructureError(f"could not create database {database}: {result.output!r}")
    return url_base(container.get_connection_url())


# ------------------------------------------------------------------ the choice


def _backend(environ: Mapping[str, str]) -> Literal["testcontainers", "local"]:
    forced = environ.get("CRAFTSMAN_INFRA", "auto").strip().lower()
    if forced in ("local", "testcontainers"):
        return "testcontainers" if forced == "testcontainers" else "local"
    if forced not in ("", "auto"):
        raise InfrastructureError(f"CRAFTSMAN_INFRA must be auto, local or testcontainers, not {forced!r}")
    return "testcontainers" if docker_available() else "local"


@contextlib.contextmanager
def provide_infrastructure(environ: Mapping[str, str] | None = None) -> Iterator[Infrastructure]:
    """Kafka and PostgreSQL for the duration of the block (see the module's docstring).

    Containers started here are stopped on exit; local scripts' servers are left running.
    """
    env = os.environ if environ is None else environ
    kafka = env.get("KAFKA_BOOTSTRAP_SERVERS", "").strip() or None
    postgres = _postgres_from_env(env)
    if kafka is not None and postgres is not None:
        log.info("infrastructure from the environment: kafka %s, postgres %s", kafka, postgres)
        yield Infrastructure(kafka_bootstrap=kafka, postgres_url_base=postgres, source="env")
        return

    backend = _backend(env)
    with contextlib.ExitStack() as stack:
        start_kafka: Callable[[], str]
        start_postgres: Callable[[], str]
        if backend == "testcontainers":
            start_kafka = functools.partial(start_testcontainers_kafka, stack)
            start_postgres = functools.partial(start_testcontainers_postgres, stack)
        else:
            start_kafka, start_postgres = start_local_kafka, start_local_postgres
        kafka_env: dict[str, str] = {}
        if kafka is None:
            kafka = start_kafka()
            kafka_env = local_kafka_env() if backend == "local" else {}
        if postgres is None:
            postgres = start_postgres()
        log.info("infrastructure from %s: kafka %s, postgres %s", backend, kafka, postgres)
        yield Infrastructure(
            kafka_bootstrap=kafka, postgres_url_base=postgres, source=backend, kafka_env=kafka_env
        )
