"""Real services as subprocesses (`python -m services.<name> serve`), each on its own database.

The bench's services publish and consume under the run's own prefix (`bench.<run id>.`
for topics and consumer groups), never on the platform's `craftsman.*` topics; before
measuring, `wait_caught_up` waits until every group of the service is stable and has
consumed its topics. A service may run as one process or as its roles apart
(CRAFTSMAN_ROLES); each process's peak RSS is recorded when it stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment

from bench.resources import Resources, offsets
from chassis.kafka_security import aiokafka_kwargs
from deploy.kafka_access import provision_run, service_env

REPO_ROOT = Path(__file__).resolve().parent.parent
ALL_ROLES = "api,relay,consumers"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class RunningService:
    name: str
    base_url: str
    pid: int
    log_file: Path

    def cpu_seconds(self) -> float:
        """User + system CPU the service process has used so far (from /proc; 0 where there is none)."""
        return process_cpu_seconds(self.pid)

    def peak_rss_mb(self) -> float:
        return peak_rss_mb(self.pid)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def _status_kb(pid: int | str, field_name: str) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith(f"{field_name}:"):
            return float(line.split()[1])
    return 0.0


def peak_rss_mb(pid: int | str = "self") -> float:
    """The highest resident set size the process has had (VmHWM), in MiB."""
    return _status_kb(pid, "VmHWM") / 1024


def rss_mb(pid: int | str = "self") -> float:
    """The resident set size now (VmRSS), in MiB."""
    return _status_kb(pid, "VmRSS") / 1024


def process_cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


@contextlib.asynccontextmanager
async def service(
    name: str,
    res: Resources,
    *,
    database_url: str,
    log_dir: Path,
    roles: str = ALL_ROLES,
    label: str | None = None,
    ready_timeout: float = 90.0,
) -> AsyncIterator[RunningService]:
    """Start the service (or some of its roles), wait for /ready, yield it; record its peak RSS
    and stop it (SIGTERM, then SIGKILL) on exit."""
    label = label or name
    port = free_port()
    log_file = _log_file(log_dir, label)
    provision_run(res.kafka, topic_prefix=res.prefix)  # the run's topics and ACLs (on a secured bus)
    env = {
        **os.environ,
        **service_env(name),  # its own Kafka principal
        "DATABASE_URL": database_url,
        "CRAFTSMAN_HTTP_PORT": str(port),
        "KAFKA_BOOTSTRAP_SERVERS": res.kafka,
        "CRAFTSMAN_LOG_LEVEL": "WARNING",
        "CRAFTSMAN_TOPIC_PREFIX": res.prefix,
        "CRAFTSMAN_CONSUMER_GROUP_PREFIX": res.prefix,
        "CRAFTSMAN_ROLES": roles,
    }
    with log_file.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            f"services.{name}",
            "serve",
            cwd=REPO_ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C on the bench reaches it through us, not twice
        )
    running = RunningService(label, f"http://127.0.0.1:{port}", process.pid, log_file)
    try:
        await _wait_ready(running, process, ready_timeout)
        yield running
    finally:
        res.record_rss(label, running.peak_rss_mb())
        await _stop(process)


@contextlib.asynccontextmanager
async def service_roles(
    name: str, res: Resources, *, database_url: str, log_dir: Path, split: bool
) -> AsyncIterator[tuple[RunningService, list[RunningService]]]:
    """The service as one process, or as an API process plus a relay-and-consumers process.
    Yields (the process that answers HTTP commands, every process)."""
    if not split:
        async with service(name, res, database_url=database_url, log_dir=log_dir) as whole:
            yield whole, [whole]
        return
    async with (
        service(
            name,
            res,
            database_url=database_url,
            log_dir=log_dir,
            roles="relay,consumers",
            label=f"{name}-workers",
        ) as workers,
        service(
            name, res, database_url=database_url, log_dir=log_dir, roles="api", label=f"{name}-api"
        ) as api,
    ):
        yield api, [api, workers]


def _log_file(log_dir: Path, name: str) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    return log_dir / f"{name}.log"


async def _wait_ready(running: RunningService, process: asyncio.subprocess.Process, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    async with httpx.AsyncClient(base_url=running.base_url, timeout=2) as client:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"{running.name} exited ({process.returncode}):\n{running.log_tail()}")
            try:
                answer = await client.get("/ready")
                if answer.status_code == 200:
                    return
                last = answer.text
            except httpx.HTTPError as error:
                last = repr(error)
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{running.name} not ready after {timeout:.0f}s ({last}):\n{running.log_tail()}")


async def _stop(process: asyncio.subprocess.Process, timeout: float = 25.0) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


async def assigned_partitions(admin: AIOKafkaAdminClient, group: str) -> tuple[str, list[TopicPartition]]:
    """The group's state and the partitions its members hold now."""
    (response,) = await admin.describe_consumer_groups([group])
    state, members = "Dead", []
    for described in response.groups:
        state, members = str(described[2]), described[5]
    partitions: list[TopicPartition] = []
    for member in members:
        assignment = member[-1]
        if assignment:
            partitions.extend(ConsumerProtocolMemberAssignment.decode(assignment).partitions())
    return state, partitions


@dataclass(frozen=True)
class CatchUp:
    groups: list[str]
    seconds: float
    caught_up: bool
    lag_left: int


async def wait_caught_up(res: Resources, service_name: str, *, timeout: float = 300.0) -> CatchUp:
    """Wait until every `<run prefix><service>.*` group is stable and has committed its partitions' ends."""
    kafka = res.kafka
    prefix = f"{res.prefix}{service_name}."
    started = time.monotonic()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka, **aiokafka_kwargs())
    await admin.start()
    groups: list[str] = []
    lag = -1
    try:
        stable_polls = 0
        while time.monotonic() - started < timeout:
            listed = await admin.list_consumer_groups()
            groups = sorted(str(entry[0]) for entry in listed if str(entry[0]).startswith(prefix))
            lag = 0
            ready = bool(groups)
            for group in groups:
                state, partitions = await assigned_partitions(admin, group)
                if state != "Stable":
                    ready = False
                    continue
                if partitions:  # none: a pattern that matches no topic yet (enterprises' inbound)
                    lag += await _lag(admin, kafka, group, partitions)
            stable_polls = stable_polls + 1 if ready and lag == 0 else 0
            if stable_polls >= 2:  # twice in a row: no group still joining behind our back
                return CatchUp(groups, time.monotonic() - started, True, 0)
            await asyncio.sleep(0.5)
    finally:
        await admin.close()
    return CatchUp(groups, time.monotonic() - started, False, lag)


async def _lag(admin: AIOKafkaAdminClient, kafka: str, group: str, partitions: list[TopicPartition]) -> int:
    beginning, end = await offsets(kafka, partitions)
    committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
    total = 0
    for tp in partitions:
        found = committed.get(tp)
        position = found.offset if found is not None and found.offset >= 0 else beginning[tp]
        total += max(0, end[tp] - position)
    return total
