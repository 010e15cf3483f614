"""Run the four services as separate local processes (make up, the demo, e2e tests, bench).

    python -m deploy.local_services up [NAME ...]     start (default: all four), wait until ready
    python -m deploy.local_services down [NAME ...]   stop by pid (SIGTERM, then SIGKILL)
    python -m deploy.local_services status

Each service gets its own port and its own database: `${DATABASE_URL_BASE}/<name>` when
CRAFTSMAN_DB=postgres (or --postgres), else the embedded SQLite default.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import httpx
import typer

from deploy.kafka_access import service_env

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVICE_PORTS: Mapping[str, int] = {
    "registry": 8001,
    "training": 8002,
    "competitions": 8003,
    "rewards": 8004,
    "dashboard": 8090,  # the officials' web page (services/dashboard)
}


def state_dir() -> Path:
    return Path(os.environ.get("CRAFTSMAN_STATE", REPO_ROOT / ".local"))


@dataclass
class ServiceProcess:
    name: str
    port: int
    database_url: str | None
    kafka_bootstrap: str
    state: Path = field(default_factory=state_dir)
    extra_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def pid_file(self) -> Path:
        return self.state / "services" / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.state / "services" / f"{self.name}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
            os.kill(pid, 0)
        except (FileNotFoundError, ValueError, ProcessLookupError):
            return None
        return pid

    def start(self) -> int:
        """Start in its own session (so a test's Ctrl-C does not hit it); returns the pid."""
        if (running := self.pid()) is not None:
            return running
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **service_env(self.name),  # its own Kafka principal, not the caller's
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap,
            "CRAFTSMAN_HTTP_PORT": str(self.port),
            "CRAFTSMAN_STATE": str(self.state),
            **self.extra_env,
        }
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", f"services.{self.name}", "serve"],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))
        return process.pid

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.pid() is None:
                raise RuntimeError(
                    f"{self.name} exited while starting; see {self.log_file}:\n{self.log_tail()}"
                )
            try:
                answer = httpx.get(f"{self.base_url}/ready", timeout=2)
                if answer.status_code == 200:
                    return
                last = answer.text
            except httpx.HTTPError as error:
                last = repr(error)
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f}s ({last}); log:\n{self.log_tail()}")

    def stop(self, *, kill: bool = False, timeout: float = 25.0) -> None:
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return
        os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)  # reap our own children
        if finished == pid:
            return False
    except ChildProcessError:
        pass  # not our child: probe it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def configured(names: Iterable[str], *, postgres: bool | None = None) -> list[ServiceProcess]:
    use_postgres = os.environ.get("CRAFTSMAN_DB") == "postgres" if postgres is None else postgres
    base = os.environ.get("DATABASE_URL_BASE", "")
    if use_postgres and not base:
        raise typer.BadParameter("CRAFTSMAN_DB=postgres needs DATABASE_URL_BASE (run deploy/infra.sh up)")
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    return [
        ServiceProcess(
            name=name,
            port=int(os.environ.get(f"CRAFTSMAN_{name.upper()}_PORT", SERVICE_PORTS[name])),
            database_url=f"{base}/{name}" if use_postgres else None,
            kafka_bootstrap=kafka,
        )
        for name in names
    ]


cli = typer.Typer(no_args_is_help=True, help=__doc__)


def _names(names: list[str] | None) -> list[str]:
    chosen = names or list(SERVICE_PORTS)
    unknown = sorted(set(chosen) - set(SERVICE_PORTS))
    if unknown:
        raise typer.BadParameter(
            f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICE_PORTS)}"
        )
    return chosen


@cli.command()
def up(
    names: Annotated[list[str] | None, typer.Argument()] = None,
    postgres: Annotated[bool | None, typer.Option(help="Postgres databases instead of SQLite")] = None,
) -> None:
    """Start services (all by default) and wait until each is ready."""
    services = configured(_names(names), postgres=postgres)
    for service in services:
        already = service.pid() is not None
        service.start()
        typer.echo(f"{service.name}: {'already running' if already else 'started'} on {service.base_url}")
    for service in services:
        service.wait_ready()
        typer.echo(f"{service.name}: ready")


@cli.command()
def down(names: Annotated[list[str] | None, typer.Argument()] = None) -> None:
    """Stop services (all by default); stopping what is not running is harmless."""
    for service in configured(_names(names), postgres=False):
        running = service.pid() is not None
        service.stop()
        typer.echo(f"{service.name}: {'stopped' if running else 'not running'}")


@cli.command()
def status() -> None:
    """Exit 0 when every service runs, 3 otherwise."""
    services = configured(_names(None), postgres=False)
    for service in services:
        pid = service.pid()
        typer.echo(f"{service.name}: {'running, pid ' + str(pid) if pid else 'stopped'} ({service.base_url})")
    if any(service.pid() is None for service in services):
        raise typer.Exit(3)


if __name__ == "__main__":
    cli()
