"""`demo_city_year_s`: the whole city year of `make demo` (demo/year.py) through the four service
processes, and the events per second it published, read from its topics' end offsets.

Run as `make demo` runs it (a subprocess, the embedded SQLite default, the run's own topics), at
12,000 workers in a full bench and proportionally fewer with a smaller --events. Its baseline in
the same run is the API append figure (`append`): the services' one-command-per-request rate.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

from bench.report import Measurement
from bench.resources import Resources
from deploy.local_services import REPO_ROOT, SERVICE_PORTS
from tests.e2e.conftest import free_port

CITY_WORKERS = 12_000


async def city_year(res: Resources, workers: int, timeout: float = 3_600) -> list[Measurement]:
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as scratch:
        report_file = Path(scratch) / "report.json"
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": res.kafka,
            "CRAFTSMAN_DEMO_STATE": str(Path(scratch) / "state"),
            **{f"CRAFTSMAN_{name.upper()}_PORT": str(free_port()) for name in SERVICE_PORTS},
        }
        for variable in ("DATABASE_URL", "CRAFTSMAN_DB"):  # the embedded default, as make demo
            env.pop(variable, None)
        demo = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "demo.year",
            "--workers",
            str(workers),
            "--report-json",
            str(report_file),
            cwd=REPO_ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, errors = await asyncio.wait_for(demo.communicate(), timeout=timeout)
        if demo.returncode != 0:
            raise RuntimeError(
                f"demo.year exited {demo.returncode}: {errors.decode(errors='replace')[-2000:]}"
            )
        report = json.loads(report_file.read_text())
    seconds, events = report["seconds"], report["events"]
    params = {"workers": workers, "database": "sqlite", "requests": report["requests"]}
    detail = {
        "phase_seconds": {name: round(value, 1) for name, value in seconds.items()},
        "phase_events": events,
        "report_differences": report["differences"],
        "refused": report["refused"],
        "version_conflicts": report["version_conflicts"],
    }
    method = (
        "python -m demo.year as a subprocess: services started, the plan played over HTTP and the HR "
        "topics, settled (5 s without a new event), the report read; events = end offsets of its topics"
    )
    return [
        Measurement(
            "demo_city_year_s", "city year (demo)", round(seconds["total"], 1), "s", method, params, detail
        ),
        Measurement(
            "demo_city_year_events_per_s",
            "city year events/s",
            round(events["total"] / seconds["total"], 1),
            "events/s",
            method,
            params,
            {"events": events["total"]},
        ),
    ]
