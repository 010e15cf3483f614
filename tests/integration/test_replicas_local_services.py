"""deploy/local_services.py: a failed start is reported at once, and replicas are laid out."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import typer

from deploy.local_services import REPLICA_PORT_STEP, SERVICE_PORTS, ServiceProcess, configured


def test_a_service_that_exits_while_starting_is_reported_at_once_with_its_log(tmp_path: Path) -> None:
    # A process that dies at once stays a zombie until reaped: `os.kill(pid, 0)` succeeded on it,
    # so the old wait_ready waited its whole timeout instead of saying what happened.
    service = ServiceProcess(
        name="training",
        port=1,  # never reached: the process exits before serving
        database_url=None,
        kafka_bootstrap="127.0.0.1:1",
        state=tmp_path,
        extra_env={"CRAFTSMAN_ROLES": "no-such-role"},
    )
    service.start()
    began = time.monotonic()
    with pytest.raises(RuntimeError) as raised:
        service.wait_ready(timeout=60)
    assert time.monotonic() - began < 20
    message = str(raised.value)
    assert "training exited while starting (exit status 1)" in message
    assert "roles must be some of" in message  # the log's last lines travel with the report
    assert service.pid() is None


def test_replicas_get_their_own_ports_and_share_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL_BASE", "postgresql+asyncpg://u@h:1")
    monkeypatch.setenv("REPLICAS", "3")
    monkeypatch.setenv("REPLICAS_REWARDS", "2")
    processes = configured(["registry", "rewards"], postgres=True)
    layout = [(p.instance, p.port, p.database_url) for p in processes]
    base = SERVICE_PORTS["registry"]
    assert layout == [
        ("registry", base, "postgresql+asyncpg://u@h:1/registry"),
        ("registry-2", base + REPLICA_PORT_STEP, "postgresql+asyncpg://u@h:1/registry"),
        ("registry-3", base + 2 * REPLICA_PORT_STEP, "postgresql+asyncpg://u@h:1/registry"),
        ("rewards", SERVICE_PORTS["rewards"], "postgresql+asyncpg://u@h:1/rewards"),
        ("rewards-2", SERVICE_PORTS["rewards"] + REPLICA_PORT_STEP, "postgresql+asyncpg://u@h:1/rewards"),
    ]


def test_replicas_on_the_embedded_sqlite_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPLICAS_TRAINING", raising=False)
    with pytest.raises(typer.BadParameter, match="need Postgres"):
        configured(["training"], postgres=False, replicas=2)
