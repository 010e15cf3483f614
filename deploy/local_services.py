"""Run the four services as separate local processes (make up, the demo, e2e tests, bench).

    python -m deploy.local_services up [NAME ...] [--replicas N]   start (default: all four), wait until ready
    python -m deploy.local_services down [NAME ...]   stop by pid (SIGTERM, then SIGKILL)
    python -m deploy.local_services status

Each service gets its own port and its own database: `${DATABASE_URL_BASE}/<name>` when
CRAFTSMAN_DB=postgres (or --postgres), else the embedded SQLite default.

Replicas (`REPLICAS=3`, or per service `REPLICAS_REWARDS=2`; `make up REPLICAS=3`): N processes
of a service on ports base, base+100, base+200, ..., with the same database and the same
consumer groups. Any replica serves any request; the consumer groups share the partitions; one
relay per database publishes (a Postgres lease, chassis/relay.py). Replicas need Postgres: the
embedded SQLite default is one process's database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import httpx
import typer

from chassis.auth_tokens import bearer_headers
from deploy.kafka_access import service_env

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVICE_PORTS: Mapping[str, int] = {
    "registry": 8001,
    "training": 8002,
    "competitions": 8003,
    "rewards": 8004,
    "dashboard": 8090,  # the officials' web page (services/dashboard)
}
REPLICA_PORT_STEP = 100  # replica r of a service listens on its port + 100 * (r - 1)


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
    replica: int = 1
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def instance(self) -> str:
        """`rewards` for the first replica, `rewards-2` for the second: its pid and log file names."""
        return self.name if self.replica == 1 else f"{self.name}-{self.replica}"

    @property
    def pid_file(self) -> Path:
        return self.state / "services" / f"{self.instance}.pid"

    @property
    def log_file(self) -> Path:
        return self.state / "services" / f"{self.instance}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pid(self) -> int | None:
        """The pid while the process lives; None once it exited (our own child is reaped here:
        `os.kill(pid, 0)` alone succeeds on a zombie, and a failed start went unnoticed)."""
        try:
            pid = int(self.pid_file.read_text())
        except (FileNotFoundError, ValueError):
            return None
        if self._process is not None and self._process.pid == pid:
            return pid if self._process.poll() is None else None  # reaps it, keeps its status
        return pid if _alive(pid) else None

    def exit_code(self) -> int | None:
        """The exit status of a process started by this object, once it ended."""
        return None if self._process is None else self._process.poll()

    def start(self) -> int:
        """Start in its own session (so a test's Ctrl-C does not hit it); returns the pid."""
        if (running := self.pid()) is not None:
            return running
        if _listening(self.port):
            # Another process (a demo killed before it could stop its services, a `make up` of
            # another state folder) would answer this one's /ready: its clients would talk to a
            # service on other topics and databases without a word.
            raise PortTaken(
                f"port {self.port} for {self.instance} is taken by a process this state folder "
                f"({self.state}) did not start: stop it first (`make down`, or `python -m "
                f"deploy.local_services down` with its CRAFTSMAN_STATE), or give another port"
            )
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
        self._process = process
        self.pid_file.write_text(str(process.pid))
        return process.pid

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.pid() is None:
                code = self.exit_code()
                raise RuntimeError(
                    f"{self.instance} exited while starting"
                    f"{'' if code is None else f' (exit status {code})'}; see {self.log_file}:\n"
                    f"{self.log_tail()}"
                )
            try:
                answer = httpx.get(f"{self.base_url}/ready", timeout=2)
                if answer.status_code == 200:
                    return
                last = answer.text
            except httpx.HTTPError as error:
                last = repr(error)
            time.sleep(0.2)
        raise TimeoutError(
            f"{self.instance} not ready after {timeout:.0f}s ({last}); log:\n{self.log_tail()}"
        )

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


class PortTaken(RuntimeError):
    """A service's port answers before the service is started."""


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(("127.0.0.1", port)) == 0


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
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """Exited but not reaped by its parent (another process's child: we cannot reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def replicas_of(name: str, default: int | None = None) -> int:
    """How many processes of `name` to run: REPLICAS_<NAME>, else `default`, else REPLICAS, else 1."""
    chosen = os.environ.get(f"REPLICAS_{name.upper()}") or default or os.environ.get("REPLICAS") or 1
    try:
        count = int(chosen)
    except ValueError:
        raise typer.BadParameter(f"replicas of {name} must be a number, not {chosen!r}") from None
    if not 1 <= count <= 9:
        raise typer.BadParameter(f"replicas of {name} must be between 1 and 9, not {count}")
    return count


def configured(
    names: Iterable[str], *, postgres: bool | None = None, replicas: int | None = None
) -> list[ServiceProcess]:
    """Every process of the named services (replicas from `replicas` or the environment)."""
    use_postgres = os.environ.get("CRAFTSMAN_DB") == "postgres" if postgres is None else postgres
    base = os.environ.get("DATABASE_URL_BASE", "")
    if use_postgres and not base:
        raise typer.BadParameter("CRAFTSMAN_DB=postgres needs DATABASE_URL_BASE (run deploy/infra.sh up)")
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    processes = []
    for name in names:
        count = replicas_of(name, replicas)
        if count > 1 and not use_postgres:
            raise typer.BadParameter(f"{count} replicas of {name} need Postgres (CRAFTSMAN_DB=postgres)")
        port = int(os.environ.get(f"CRAFTSMAN_{name.upper()}_PORT", SERVICE_PORTS[name]))
        processes += [
            ServiceProcess(
                name=name,
                port=port + REPLICA_PORT_STEP * (replica - 1),
                database_url=f"{base}/{name}" if use_postgres else None,
                kafka_bootstrap=kafka,
                replica=replica,
            )
            for replica in range(1, count + 1)
        ]
    return processes


def recorded(names: Iterable[str], state: Path | None = None) -> list[ServiceProcess]:
    """The processes of the named services that have a pid file in `state` (default: this
    checkout's state folder), whatever replicas were started."""
    processes = []
    for name in names:
        for replica in range(1, 10):
            process = ServiceProcess(
                name=name,
                port=SERVICE_PORTS[name] + REPLICA_PORT_STEP * (replica - 1),
                database_url=None,
                kafka_bootstrap="",
                state=state or state_dir(),
                replica=replica,
            )
            if replica == 1 or process.pid_file.exists():
                processes.append(process)
    return processes


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
    replicas: Annotated[
        int | None, typer.Option(help="Processes per service (default: REPLICAS_<NAME>, REPLICAS or 1)")
    ] = None,
) -> None:
    """Start services (all by default) and wait until each is ready."""
    services = configured(_names(names), postgres=postgres, replicas=replicas)
    for service in services:
        already = service.pid() is not None
        service.start()
        typer.echo(f"{service.instance}: {'already running' if already else 'started'} on {service.base_url}")
    for service in services:
        service.wait_ready()
        typer.echo(f"{service.instance}: ready")
    for service in services:
        if service.name == "dashboard" and service.replica == 1:
            typer.echo(f"The dashboard: {signed_in_url(service)}")


def signed_in_url(dashboard: ServiceProcess) -> str:
    """The dashboard's page with a city union's token in its fragment (never sent to the server;
    the page keeps it for the tab), signed with the configured key: for local runs."""
    token = bearer_headers()["Authorization"].removeprefix("Bearer ")
    return f"{dashboard.base_url}/#token={token}"


@cli.command()
def down(names: Annotated[list[str] | None, typer.Argument()] = None) -> None:
    """Stop services (all by default, every replica); stopping what is not running is harmless."""
    for service in recorded(_names(names)):
        running = service.pid() is not None
        service.stop()
        typer.echo(f"{service.instance}: {'stopped' if running else 'not running'}")


@cli.command()
def status() -> None:
    """Exit 0 when every service runs, 3 otherwise."""
    services = recorded(_names(None))
    for service in services:
        pid = service.pid()
        typer.echo(
            f"{service.instance}: {'running, pid ' + str(pid) if pid else 'stopped'} ({service.base_url})"
        )
    if any(service.pid() is None for service in services):
        raise typer.Exit(3)


if __name__ == "__main__":
    cli()
