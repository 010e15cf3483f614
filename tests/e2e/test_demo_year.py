"""`make demo` at a small scale, end to end: the city year played through the four service
processes on the real Kafka and fresh Postgres databases, and every number of its report (read
from the services' read models) equal to a direct count from the generator's own plan.

Where the services' rules decide, the plan makes the outcome computable (demo/report.py
`expected`): the seed tier is every worker at intermediate or above once the certificates are in
(the seed floor); the city's earlier careers (craftsmen, county and city titles) come in over
POST /careers/import before the year, so the county, city and gold nominations the plan makes go
through to titles and the pyramid's bands are the imported ones plus the year's conferrals; the
programme's budget holds four in five of the year's promotions to seed, so the grants are exactly
budget / grant; a contest's marks are a function of the entrant's ability and the seed
(demo/marking.py), so its top raw totals are known. Played on Postgres and on the embedded SQLite.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from demo.plan import plan_city
from demo.report import expected
from deploy.infra import Infrastructure
from deploy.local_services import REPO_ROOT, SERVICE_PORTS
from tests.e2e.conftest import free_port

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

SEED, WORKERS = 11, 300


@pytest.mark.parametrize("database", ["postgres", "sqlite"])
async def test_a_small_city_year_reports_what_its_plan_counts(
    infra: Infrastructure, tmp_path: Path, database: str
) -> None:
    report_file = tmp_path / "report.json"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap,
        "DATABASE_URL_BASE": infra.postgres_url_base,
        "CRAFTSMAN_DEMO_STATE": str(tmp_path / "demo"),
        **{f"CRAFTSMAN_{name.upper()}_PORT": str(free_port()) for name in SERVICE_PORTS},
    }
    env.pop("DATABASE_URL", None)
    env.pop("CRAFTSMAN_DB", None)
    if database == "postgres":
        env["CRAFTSMAN_DB"] = "postgres"
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "demo.year",
        "--seed",
        str(SEED),
        "--workers",
        str(WORKERS),
        "--report-json",
        str(report_file),
        cwd=REPO_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(demo.communicate(), timeout=600)
    text = output.decode(errors="replace")
    assert demo.returncode == 0, text[-4000:]
    assert ("PostgreSQL" if database == "postgres" else "SQLite") in text and "the year is played" in text

    report = json.loads(report_file.read_text())
    plan = plan_city(seed=SEED, workers=WORKERS)
    counted = expected(plan)  # counted here from the plan, not taken from the demo's own report
    differing = {
        key: (counted.get(key), report["observed"].get(key))
        for key in set(counted) | set(report["observed"])
        if counted.get(key) != report["observed"].get(key)
    }
    assert not differing, (differing, report["refused"])
    assert counted["workers"] == WORKERS and counted["entries"] > 0 and counted["grants"] > 0
    assert any(key.endswith("#1 raw") for key in counted), "a city contest's winner is compared"
    assert report["events"]["total"] > 0
    assert counted["pyramid county"] > 0 and counted["pyramid city_and_above"] > 0
    # Only the refusal the plan foresees: a county contest without a craftsman among its
    # entrants puts its winner forward, and the county refuses him. Mentorships (masters are the
    # imported craftsmen), studios (named after city craftsmen) and every pipeline step pass.
    refused = {key.split(":")[0] for key in report["refused"]}
    assert refused <= {"county nomination"}, report["refused"]
