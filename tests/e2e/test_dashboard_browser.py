"""The dashboard in a real browser: a small city's facts go onto the run's own Kafka topics with
the platform's producer, the dashboard service (create_app, as `serve` runs it) projects them,
and headless Chromium (Debian's, installed by deploy/chromium.sh when missing) loads the page,
reads the pyramid's counts off the page and saves a screenshot to .local/screenshots/."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.async_api import async_playwright

from chassis.auth_tokens import CITY_UNION, bearer_headers
from chassis.kafka import create_producer
from chassis.service import create_app
from chassis.settings import ServiceSettings
from contracts.topics import TOPIC_OF_PRODUCER
from deploy.infra import Infrastructure
from deploy.kafka_access import provision_run
from deploy.local_services import REPO_ROOT
from services.dashboard.service import SPEC
from tests.dashboard_city import City, build_city
from tests.e2e.conftest import free_port
from tests.service_support import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
SCREENSHOTS = Path(os.environ.get("CRAFTSMAN_STATE", REPO_ROOT / ".local")) / "screenshots"


@pytest.fixture(scope="session")
def chromium() -> str:
    """The browser's path; the script installs Debian's chromium first when there is none."""
    found = subprocess.run(
        ["bash", str(REPO_ROOT / "deploy" / "chromium.sh")], capture_output=True, text=True, timeout=900
    )
    assert found.returncode == 0, f"deploy/chromium.sh failed:\n{found.stderr[-3000:]}"
    return found.stdout.strip().splitlines()[-1]


@dataclass
class RunningDashboard:
    base_url: str
    prefix: str


@pytest.fixture
async def dashboard(infra: Infrastructure, tmp_path: Path) -> AsyncIterator[RunningDashboard]:
    prefix = f"e2e-dash-{uuid.uuid4().hex[:8]}."
    provision_run(infra.kafka_bootstrap, topic_prefix=prefix)  # the run's topics and ACLs
    port = free_port()
    settings = ServiceSettings(
        service_name="dashboard",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'dashboard.db'}",
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        topic_prefix=prefix,
        consumer_group_prefix=prefix,
        consumer_batch_timeout_ms=50,
        log_level="WARNING",
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(SPEC, settings), host="127.0.0.1", port=port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(60):
            while not server.started:
                assert not serving.done(), "the dashboard stopped while starting"
                await asyncio.sleep(0.05)
        yield RunningDashboard(f"http://127.0.0.1:{port}", prefix)
    finally:
        server.should_exit = True
        await serving


async def publish(city: City, bootstrap: str, prefix: str) -> None:
    """Onto the run's topics as the services' relays put them: keyed, one topic per producer."""
    producer = create_producer(bootstrap, client_id="e2e-dashboard-city")
    await producer.start()
    try:
        sent = [
            await producer.send(
                prefix + TOPIC_OF_PRODUCER[envelope.producer], envelope.to_bytes(), key=envelope.key.encode()
            )
            for envelope in city.envelopes
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def test_the_page_shows_the_pyramid_of_the_city(
    infra: Infrastructure, dashboard: RunningDashboard, chromium: str
) -> None:
    city = build_city(workers=120, enterprises=8, counties=3, contests=2)
    await publish(city, infra.kafka_bootstrap, dashboard.prefix)
    expected = city.pyramid()
    headers = bearer_headers(CITY_UNION)

    async with httpx.AsyncClient(base_url=dashboard.base_url, headers=headers) as client:

        async def projected() -> bool:
            levels = (await client.get("/api/pyramid")).json()["levels"]
            return {level["level"]: level["count"] for level in levels if level["count"]} == expected

        await eventually(projected, timeout=90)

        published = Counter(envelope.producer for envelope in city.envelopes)

        last: list[object] = []

        async def caught_up() -> bool:
            live = (await client.get("/api/live")).json()
            last[:] = [live]
            by_service = {service["service"]: service for service in live["services"]}
            return (
                live["available"]
                and all(by_service[producer]["events"] == n for producer, n in published.items())
                and by_service["dashboard"]["lag"] == 0  # its group committed everything, read from Kafka
            )

        try:
            await eventually(caught_up, timeout=30)
        except TimeoutError:
            raise AssertionError(f"the live view never caught up: {last}") from None

    token = headers["Authorization"].removeprefix("Bearer ")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1800})
            failed: list[str] = []
            page.on("requestfailed", lambda request: failed.append(request.url))
            await page.goto(f"{dashboard.base_url}/#token={token}")
            await page.wait_for_selector("body[data-loaded=true]", timeout=30_000)
            shown = {
                level: int(await page.inner_text(f"[data-testid=pyramid-{level}]"))
                for level in ("seed", "craftsman", "chief", "county", "city", "city_gold", "province")
            }
            assert {level: n for level, n in shown.items() if n} == expected
            assert await page.is_hidden("#error"), await page.inner_text("#error")
            assert await page.evaluate("typeof Chart") == "function"  # the vendored chart library loaded
            assert not failed, f"requests that failed (an asset not served locally?): {failed}"
            assert "#token" not in page.url  # the token left the address bar
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
        finally:
            await browser.close()
