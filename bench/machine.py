"""What the figures were measured on: hardware, software versions, the commit."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.resources import Resources
from chassis.db import create_engine

REPO_ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = (
    "aiokafka",
    "faststream",
    "sqlalchemy",
    "asyncpg",
    "fastapi",
    "uvicorn",
    "pydantic",
    "eventsourcing",
    "psycopg",
)


def cpu_model(cpuinfo: str) -> str:
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "Hardware") and value.strip():
            return value.strip()
    return platform.processor() or "unknown"


def memory_bytes(meminfo: str) -> int | None:
    found = re.search(r"^MemTotal:\s+(\d+)\s+kB", meminfo, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else None


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def kafka_version_from_process(cmdline: list[str], cwd: Path, port: str) -> str | None:
    """The version of a `kafka.Kafka` JVM whose server.properties listens on `port`, from its jars."""
    if "kafka.Kafka" not in cmdline or not cmdline[-1].endswith(".properties"):
        return None
    properties = cwd / cmdline[-1]  # an absolute path stays as it is
    try:
        lines = properties.read_text().splitlines()
    except OSError:
        return None
    listeners = next((line for line in lines if line.startswith("listeners=")), "")
    if not re.search(rf":{re.escape(port)}\b", listeners):
        return None
    classpath = next(
        (cmdline[i + 1] for i, arg in enumerate(cmdline[:-1]) if arg in ("-cp", "-classpath")), ""
    )
    for entry in classpath.split(os.pathsep):
        folder = cwd / (entry[:-1] if entry.endswith("*") else str(Path(entry).parent))
        for jar in sorted(folder.glob("kafka-server-*.jar")) + sorted(folder.glob("kafka_2.13-*.jar")):
            match = re.search(r"-(\d+\.\d+\.\d+)\.jar$", jar.name)
            if match:
                return match.group(1)
    return None


def kafka_version(bootstrap: str) -> str:
    """Found from the local broker process when it runs on this machine; else unknown."""
    port = bootstrap.split(",")[0].rsplit(":", 1)[-1]
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
            cwd = (proc / "cwd").resolve()
        except OSError:
            continue
        found = kafka_version_from_process([arg for arg in cmdline if arg], cwd, port)
        if found:
            return found
    return "unknown (broker not a local process)"


def git_commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain"))}


def library_versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


async def postgres_version(res: Resources) -> str:
    engine = create_engine(res.url("postgres"), pool_size=1)
    try:
        async with engine.connect() as connection:
            return str(await connection.scalar(text("SHOW server_version")))
    finally:
        await engine.dispose()


async def describe(res: Resources) -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(_read("/proc/cpuinfo")),
        "memory_bytes": memory_bytes(_read("/proc/meminfo")),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "kafka_version": kafka_version(res.kafka),
        "kafka_bootstrap": res.kafka,
        "postgres_version": await postgres_version(res),
        "git": git_commit(),
        "libraries": library_versions(),
    }
