"""The relay lease between replicas (one publishing relay per database): a SIGKILLed holder is
replaced within seconds, and a holder whose lease session died stops and queues again."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.relay import Relay, relay_lease
from tests.service_support import FakeSender

pytestmark = [pytest.mark.postgres]

HOLDER = """
import asyncio, sys
from chassis.db import create_engine
from chassis.relay import relay_lease

async def main() -> None:
    engine = create_engine(sys.argv[1])
    async with relay_lease(engine, sys.argv[2], asyncio.Event()) as held:
        assert held is not None
        print("held", flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


async def lease_holders(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as connection:
        found = await connection.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
        return [int(pid) for (pid,) in found]


async def test_a_sigkilled_holder_is_replaced_within_seconds(pg_engine: AsyncEngine) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, url, "relay:test", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert holder.stdout is not None
        assert (await asyncio.wait_for(holder.stdout.readline(), 30)).strip() == b"held"
        stop = asyncio.Event()
        granted = asyncio.Event()

        async def wait_for_lease() -> None:
            async with relay_lease(pg_engine, "relay:test", stop) as held:
                assert held is not None
                granted.set()
                await stop.wait()

        waiting = asyncio.create_task(wait_for_lease())
        await asyncio.sleep(2.5)
        assert not granted.is_set(), "two relays held the lease at once"
        os.kill(holder.pid, signal.SIGKILL)
        killed = time.monotonic()
        await asyncio.wait_for(granted.wait(), 10)
        assert time.monotonic() - killed < 5
        stop.set()
        await waiting
    finally:
        if holder.returncode is None:
            holder.kill()
        await holder.wait()


async def test_a_holder_whose_lease_session_dies_stops_and_queues_again(pg_engine: AsyncEngine) -> None:
    relay = Relay(pg_engine, FakeSender(), name="relay:test-lost", idle_poll_seconds=0.05)
    stop = asyncio.Event()
    running = asyncio.create_task(relay.run(stop))
    try:
        async with asyncio.timeout(10):
            while not (first := await lease_holders(pg_engine)):
                await asyncio.sleep(0.1)
        async with pg_engine.connect() as admin:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first[0]})
        began = time.monotonic()
        async with asyncio.timeout(15):  # noticed by the holder's check, then taken again
            while (holders := await lease_holders(pg_engine)) in ([], first):
                await asyncio.sleep(0.1)
        assert len(holders) == 1 and holders != first
        assert time.monotonic() - began < 8
        assert not running.done()
    finally:
        stop.set()
        await asyncio.wait_for(running, 15)
