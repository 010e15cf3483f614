"""Real services as subprocesses (`python -m services.<name> serve`), each on its own database.

The bench's services join consumer groups under the stable prefix `bench.`, so a run
only has to catch up on what was published since the previous run; before measuring,
`wait_caught_up` waits until every group of the service has consumed its topics.
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

from bench.resources import offsets
from chassis.kafka_security import aiokafka_kwargs
from deploy.kafka_access import provision_run, service_env

REPO_ROOT = Path(__file__).resolve().parent.parent
GROUP_PREFIX = "bench."


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

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


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
    name: str, *, database_url: str, kafka: str, log_dir: Path, ready_timeout: float = 90.0
) -> AsyncIterator[RunningService]:
    """Start the service, wait for /ready, yield it; stop it (SIGTERM, then SIGKILL) on exit."""
    port = free_port()
    log_file = _log_file(log_dir, name)
    provision_run(kafka, topic_prefix="", group_prefix=GROUP_PREFIX)  # ACLs for its `bench.` groups
    env = {
        **os.environ,
        **service_env(name),  # its own Kafka principal
        "DATABASE_URL": database_url,
        "CRAFTSMAN_HTTP_PORT": str(port),
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "CRAFTSMAN_LOG_LEVEL": "WARNING",
        "CRAFTSMAN_CONSUMER_GROUP_PREFIX": GROUP_PREFIX,
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
    running = RunningService(name, f"http://127.0.0.1:{port}", process.pid, log_file)
    try:
        await _wait_ready(running, process, ready_timeout)
        yield running
    finally:
        await _stop(process)


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


async def wait_caught_up(kafka: str, service_name: str, *, timeout: float = 300.0) -> CatchUp:
    """Wait until every `bench.<service>.*` group is stable and has committed its partitions' ends."""
    prefix = f"{GROUP_PREFIX}{service_name}."
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
                if state != "Stable" or not partitions:
                    ready = False
                    continue
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
