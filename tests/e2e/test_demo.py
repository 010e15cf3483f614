"""`make demo` keeps working: the demo city plays through four service processes and ends
with exit 0 (on the test Kafka, with its own ports and state)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from deploy.infra import Infrastructure
from deploy.local_services import REPO_ROOT, SERVICE_PORTS
from tests.e2e.conftest import free_port

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


async def test_the_demo_city_completes(infra: Infrastructure, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap,
        "CRAFTSMAN_DEMO_STATE": str(tmp_path / "demo"),
        **{f"CRAFTSMAN_{name.upper()}_PORT": str(free_port()) for name in SERVICE_PORTS},
    }
    env.pop("DATABASE_URL", None)
    env.pop("CRAFTSMAN_DB", None)  # the embedded SQLite default, as `make demo` runs it
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "demo",
        cwd=REPO_ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(demo.communicate(), timeout=240)
    text = output.decode(errors="replace")
    assert demo.returncode == 0, text[-4000:]
    assert "demo complete" in text
    assert "published TierPromoted" in text and "published RewardGranted" in text
    assert "remaining 0.00" in text, "the budget rule showed: four grants, one promoted worker unpaid"
