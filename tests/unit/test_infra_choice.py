"""deploy.infra's choice of infrastructure; nothing is started (the starters are replaced)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import pytest

from deploy import infra
from deploy.infra import Infrastructure, database_url, provide_infrastructure, url_base

LOCAL_KAFKA = "127.0.0.1:19092"
LOCAL_PG = "postgresql+asyncpg://craftsman@127.0.0.1:15432"


class Starters:
    """Records which starters ran; fails the test if a forbidden one does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, docker: bool) -> None:
        self.calls: list[str] = []
        self.stopped: list[str] = []
        monkeypatch.setattr(infra, "docker_available", self._docker(docker))
        monkeypatch.setattr(infra, "start_local_kafka", self._local("local-kafka", LOCAL_KAFKA))
        monkeypatch.setattr(infra, "start_local_postgres", self._local("local-postgres", LOCAL_PG))
        monkeypatch.setattr(infra, "local_kafka_env", dict)  # what kafka.sh wrote: nothing here
        monkeypatch.setattr(
            infra, "start_testcontainers_kafka", self._container("tc-kafka", "localhost:32771")
        )
        monkeypatch.setattr(
            infra,
            "start_testcontainers_postgres",
            self._container("tc-postgres", "postgresql+asyncpg://craftsman:craftsman@localhost:32772"),
        )

    def _docker(self, answer: bool) -> Callable[[float], bool]:
        def probe(timeout: float = 3.0) -> bool:
            self.calls.append("docker-probe")
            return answer

        return probe

    def _local(self, name: str, value: str) -> Callable[[], str]:
        def start() -> str:
            self.calls.append(name)
            return value

        return start

    def _container(self, name: str, value: str) -> Callable[[contextlib.ExitStack], str]:
        def start(stack: contextlib.ExitStack) -> str:
            self.calls.append(name)
            stack.callback(self.stopped.append, name)
            return value

        return start


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "KAFKA_BOOTSTRAP_SERVERS",
        "DATABASE_URL",
        "DATABASE_URL_BASE",
        "CRAFTSMAN_INFRA",
        "CRAFTSMAN_KAFKA_BROKERS",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_environment_wins_and_nothing_starts(clean_env: pytest.MonkeyPatch) -> None:
    starters = Starters(clean_env, docker=True)
    clean_env.setenv("KAFKA_BOOTSTRAP_SERVERS", "10.0.0.5:9092")
    clean_env.setenv("DATABASE_URL_BASE", "postgresql+asyncpg://u:p@db:5432")
    with provide_infrastructure() as provided:
        assert provided == Infrastructure("10.0.0.5:9092", "postgresql+asyncpg://u:p@db:5432", "env")
    assert starters.calls == []


def test_database_url_with_a_name_gives_the_base(clean_env: pytest.MonkeyPatch) -> None:
    starters = Starters(clean_env, docker=False)
    environ = {
        "KAFKA_BOOTSTRAP_SERVERS": "k:9092",
        "DATABASE_URL": "postgresql+asyncpg://u@db:5432/registry",
    }
    with provide_infrastructure(environ) as provided:
        assert provided.postgres_url_base == "postgresql+asyncpg://u@db:5432"
        assert provided.source == "env"
    assert starters.calls == []


def test_no_docker_uses_the_local_scripts(clean_env: pytest.MonkeyPatch) -> None:
    starters = Starters(clean_env, docker=False)
    with provide_infrastructure() as provided:
        assert provided == Infrastructure(LOCAL_KAFKA, LOCAL_PG, "local")
    assert starters.calls == ["docker-probe", "local-kafka", "local-postgres"]


def test_sqlite_database_url_is_not_postgres(clean_env: pytest.MonkeyPatch) -> None:
    starters = Starters(clean_env, docker=False)
    environ = {"KAFKA_BOOTSTRAP_SERVERS": "k:9092", "DATABASE_URL": "sqlite+aiosqlite:///x.db"}
    with provide_infrastructure(environ) as provided:
        assert provided == Infrastructure("k:9092", LOCAL_PG, "local")
    assert starters.calls == ["docker-probe", "local-postgres"]


def test_docker_uses_testcontainers_and_stops_them(clean_env: pytest.MonkeyPatch) -> None:
    starters = Starters(clean_env, docker=True)
    with provide_infrastructure() as provided:
        assert provided.source == "testcontainers"
        assert provided.kafka_bootstrap == "localhost:32771"
        assert starters.stopped == []
    assert starters.calls == ["docker-probe", "tc-kafka", "tc-postgres"]
    assert sorted(starters.stopped) == ["tc-kafka", "tc-postgres"]


def test_forced_local_skips_the_docker_probe(clean_env: pytest.MonkeyPatch) -> None:
    starters = Starters(clean_env, docker=True)
    with provide_infrastructure({"CRAFTSMAN_INFRA": "local"}) as provided:
        assert provided.source == "local"
    assert starters.calls == ["local-kafka", "local-postgres"]


def test_unknown_forced_backend_is_an_error(clean_env: pytest.MonkeyPatch) -> None:
    Starters(clean_env, docker=False)
    with pytest.raises(infra.InfrastructureError), provide_infrastructure({"CRAFTSMAN_INFRA": "cloud"}):
        pass


def test_docker_probe_answers_quickly() -> None:
    started = time.monotonic()
    assert isinstance(infra.docker_available(timeout=2.0), bool)
    assert time.monotonic() - started < 15


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        (
            "postgresql+asyncpg://craftsman@127.0.0.1:15432",
            "postgresql+asyncpg://craftsman@127.0.0.1:15432/registry",
        ),
        ("postgresql+asyncpg://u:p@h:1/other", "postgresql+asyncpg://u:p@h:1/registry"),
        ("postgresql+asyncpg://u@h:1/?ssl=disable", "postgresql+asyncpg://u@h:1/registry?ssl=disable"),
    ],
)
def test_database_url(base: str, expected: str) -> None:
    assert database_url(base, "registry") == expected


def test_url_base_drops_the_database() -> None:
    assert url_base("postgresql+asyncpg://u:p@h:5432/registry?x=1") == "postgresql+asyncpg://u:p@h:5432"
