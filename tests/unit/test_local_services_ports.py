"""A service is not started on a port another process answers on, and a demo first stops the
services an earlier run of it left running (found when a demo killed by `timeout` left its five
services up, and the next demo's requests went to them: its meter counted 0 events). The
dashboard's address that `make up` and the demo print signs the city union in."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chassis.auth_tokens import CITY_UNION, Authenticator
from chassis.settings import ServiceSettings
from demo.year import stop_left_running
from deploy.local_services import PortTaken, ServiceProcess, signed_in_url


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def test_a_service_is_not_started_on_a_port_someone_else_answers_on(taken_port: int, tmp_path: Path) -> None:
    service = ServiceProcess(
        name="registry", port=taken_port, database_url=None, kafka_bootstrap="127.0.0.1:1", state=tmp_path
    )
    with pytest.raises(PortTaken, match=f"port {taken_port} for registry is taken"):
        service.start()
    assert not service.pid_file.exists()
    assert service.pid() is None


def test_a_demo_stops_what_its_state_folder_still_runs(tmp_path: Path) -> None:
    left = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (tmp_path / "services").mkdir()
        (tmp_path / "services" / "registry.pid").write_text(str(left.pid))
        stop_left_running(tmp_path)
        assert left.wait(timeout=10) is not None  # stopped, not left to the next run's ports
        assert not (tmp_path / "services" / "registry.pid").exists()
    finally:
        left.kill()


def test_the_dashboards_address_signs_a_city_union_in(tmp_path: Path) -> None:
    dashboard = ServiceProcess(
        name="dashboard", port=8090, database_url=None, kafka_bootstrap="127.0.0.1:1", state=tmp_path
    )
    address, _, token = signed_in_url(dashboard).partition("/#token=")
    assert address == "http://127.0.0.1:8090"
    assert Authenticator(ServiceSettings()).from_bearer(token) == CITY_UNION
