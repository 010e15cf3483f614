"""`make demo`: one city's craftsman year, played through the real services.

    python -m demo.year [--seed 2026] [--scale 1] [--workers N] [--keep] [--report-json FILE]

Starts the four services and the dashboard as processes (SQLite by default; fresh Postgres
databases with CRAFTSMAN_DB=postgres), on topics of the run's own, plays the plan of
demo/plan.py phase by phase with a progress bar and the event rate, waits until the services
have settled, prints the report from their read models beside the plan and the source city,
and prints the dashboard's URL. With --keep it runs until Ctrl-C; otherwise it stops the
services and exits 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from chassis.auth_tokens import bearer_headers
from demo import without_level_history
from demo.hr import HrSystems
from demo.meter import EventMeter
from demo.phases import Phase, Year, hr_connected
from demo.plan import CityPlan, plan_city
from demo.report import (
    conflicts_table,
    differences,
    expected,
    observed,
    refusals_table,
    report_table,
    version_conflicts,
)
from demo.traffic import Traffic, each
from deploy.kafka_access import provision_run, service_env
from deploy.local_services import REPO_ROOT, ServiceProcess, configured, recorded, signed_in_url
from ops.bus import Bus
from ops.lag import consumer_lag

console = Console(width=max(Console().width, 130))
SERVICES = ("registry", "training", "competitions", "rewards", "dashboard")
SETTLED_AFTER = 5.0  # seconds without a new event: the policies have done their work
SETTLE_STALL = 300.0  # seconds in which no consumer applied anything and nothing was published


@dataclass
class Timings:
    phases: dict[str, float] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)


async def play(
    plan: CityPlan, services: dict[str, ServiceProcess], bootstrap: str, prefix: str, concurrency: int
) -> tuple[dict[str, Any], Timings]:
    headers = bearer_headers()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    clients = {
        name: httpx.AsyncClient(base_url=service.base_url, timeout=60, headers=headers, limits=limits)
        for name, service in services.items()
    }
    traffic = Traffic(clients, asyncio.Semaphore(concurrency))
    meter = EventMeter(bootstrap, prefix)
    await meter.start()
    timings = Timings()
    try:
        year = Year(plan, traffic, HrSystems(bootstrap, prefix, traffic))
        started = time.monotonic()
        for phase in year.phases():
            await run_phase(phase, meter, timings)
        settle_started = time.monotonic()
        await settle(meter)
        timings.phases["settling (policies)"] = time.monotonic() - settle_started
        timings.phases["total"] = time.monotonic() - started
        timings.events["total"] = await meter.published()
        plan_says, services_say = expected(plan), await observed(traffic, plan)
        console.print(report_table(plan_says, services_say))
        if traffic.refused:
            console.print(refusals_table(traffic))
        conflicts = await version_conflicts(traffic)
        if conflicts:
            console.print(conflicts_table(conflicts, traffic.requests))
        return {
            "expected": plan_says,
            "observed": services_say,
            "differences": differences(plan_says, services_say),
            "refused": {f"{what}: {rule}": n for (what, rule), n in traffic.refused.items()},
            "seconds": timings.phases,
            "events": timings.events,
            "requests": traffic.requests,
            "server_errors": dict(traffic.server_errors),
            "version_conflicts": conflicts,
        }, timings
    finally:
        await meter.stop()
        for client in clients.values():
            await client.aclose()


async def run_phase(phase: Phase, meter: EventMeter, timings: Timings) -> None:
    if phase.after:
        await caught_up(meter, phase.after)
    before, started = await meter.published(), time.monotonic()
    jobs = phase.jobs()
    with Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[events]:>9,} events  {task.fields[rate]:>7,.0f} ev/s"),
        console=console,
    ) as progress:
        task = progress.add_task(phase.name, total=len(jobs), events=0, rate=0.0)

        async def show_rate() -> None:
            while True:
                await asyncio.sleep(0.5)
                published = await meter.published() - before
                progress.update(
                    task, events=published, rate=published / max(time.monotonic() - started, 1e-3)
                )

        watcher = asyncio.create_task(show_rate())
        try:
            await each(jobs, lambda: progress.advance(task))
        finally:
            watcher.cancel()
        published = await meter.published() - before
        elapsed = time.monotonic() - started
        progress.update(task, events=published, rate=published / max(elapsed, 1e-3))
    timings.phases[phase.name], timings.events[phase.name] = elapsed, published


async def caught_up(meter: EventMeter, groups: tuple[str, ...] = (), quiet: float = 1.0) -> bool:
    """Until nothing new was published for `quiet` seconds and these consumer groups (every group
    of the run without any) have applied all of it. Gives up (False) only when nothing was
    published and no group progressed for SETTLE_STALL seconds, not after a fixed time: a
    province's consumers can be a million events behind when a phase ends, and catch up steadily."""
    bus = Bus.from_environment()  # the run's topic and group prefixes (set in main)
    wanted = {bus.group_prefix + group for group in groups}
    what = ", ".join(groups) or "the services' consumers and policies"
    last, quiet_since = await meter.published(), time.monotonic()
    least, progressed = None, time.monotonic()
    with console.status(f"{what} at work…") as status:
        while time.monotonic() - progressed < SETTLE_STALL:
            await asyncio.sleep(0.2)
            now = await meter.published()
            if now != last:
                last, quiet_since, progressed = now, time.monotonic(), time.monotonic()
                continue
            rows = await consumer_lag(bus, SERVICES)
            lag = sum(row.lag for row in rows if not wanted or row.group in wanted)
            if least is None or lag < least:
                least, progressed = lag, time.monotonic()
                status.update(f"{what} at work: {lag:,} events still to apply…")
            if lag == 0 and time.monotonic() - quiet_since >= quiet:
                return True
    unapplied = "?" if least is None else f"{least:,}"
    console.print(f"[yellow]{what}: no progress for {SETTLE_STALL:.0f} s ({unapplied} events unapplied)")
    return False


async def settle(meter: EventMeter) -> None:
    """Until every consumer group has applied everything and nothing new was published for a few
    seconds (promotions, points and grants follow other services' facts)."""
    if not await caught_up(meter, quiet=SETTLED_AFTER):
        console.print("[yellow]not settled: the report may be short of the last facts")


async def _postgres(sql: str) -> None:
    base = os.environ["DATABASE_URL_BASE"].replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(f"{base}/postgres")
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextmanager
def running(run: str, state: Path) -> Iterator[dict[str, ServiceProcess]]:
    """The four services and the dashboard, each with a fresh database of this run's own."""
    services = {service.name: service for service in configured(SERVICES, replicas=1)}
    try:
        service_env("dashboard")
    except KeyError as missing:  # a broker provisioned before the dashboard existed
        console.print(f"[yellow]the dashboard is not started: {missing}")
        del services["dashboard"]
    fresh = {name: f"demo_{run}_{name}" for name in services} if services["registry"].database_url else {}
    for name, database in fresh.items():
        asyncio.run(_postgres(f'CREATE DATABASE "{database}"'))
        services[name].database_url = f"{os.environ['DATABASE_URL_BASE']}/{database}"
    for service in services.values():
        service.state = state
    try:
        for service in services.values():
            service.start()
        for service in services.values():
            service.wait_ready(timeout=120)
        yield services
    finally:
        for service in services.values():
            service.stop()


def stop_left_running(state: Path) -> None:
    """An earlier run stopped before it could stop its services (killed, its terminal lost)
    left them on the ports; their pid files are in `state`, which this run starts afresh."""
    for service in recorded(SERVICES, state):
        if service.pid() is not None:
            console.print(f"[yellow]stopping {service.instance}, left running by an earlier run")
            service.stop()


def main(
    seed: Annotated[int, typer.Option(help="The plan's seed: the same seed, the same city")] = 2026,
    scale: Annotated[int, typer.Option(help="1: a city; 10: a province")] = 1,
    workers: Annotated[int | None, typer.Option(help="Shrink the city to this many workers")] = None,
    keep: Annotated[bool, typer.Option(help="Keep the system running after the report")] = False,
    concurrency: Annotated[int, typer.Option(help="HTTP requests in flight")] = 16,
    report_json: Annotated[Path | None, typer.Option(help="Also write the report here")] = None,
) -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the services on the way out
    run = time.strftime("%H%M%S") + f"{os.getpid() % 1000:03d}"
    state = Path(os.environ.get("CRAFTSMAN_DEMO_STATE", REPO_ROOT / ".local" / "demo"))
    stop_left_running(state)
    shutil.rmtree(state, ignore_errors=True)
    prefix = f"demo-{run}."
    os.environ["CRAFTSMAN_STATE"] = str(state)
    os.environ["CRAFTSMAN_CONSUMER_GROUP_PREFIX"] = prefix  # this run's topics and groups only
    os.environ["CRAFTSMAN_TOPIC_PREFIX"] = prefix
    os.environ.setdefault("CRAFTSMAN_LOG_LEVEL", "WARNING")
    without_level_history()
    bootstrap = os.environ.setdefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    plan = plan_city(seed=seed, scale=scale, workers=workers)
    counts = plan.counts()
    console.rule(f"[bold]Craftsman talent platform — a city's year (seed {seed}, scale {scale})")
    console.print(
        f"{counts['enterprises']:,} enterprises, {counts['workers']:,} workers, {counts['courses']:,} courses, "
        f"{counts['enrolments']:,} enrolments, {counts['contests']:,} contests ({counts['marks']:,} marks), "
        f"{len(plan.achievements):,} achievements, {counts['visits']:,} visits"
    )
    connected = [e.enterprise_id for e in plan.enterprises if hr_connected(e)]
    provision_run(bootstrap, topic_prefix=prefix, enterprises=connected)  # topics, ACLs, HR principals
    with running(run, state) as services:
        database = "PostgreSQL" if services["registry"].database_url else "SQLite (embedded default)"
        console.print(f"Kafka at {bootstrap}; each service has its own {database} database")
        report, timings = asyncio.run(play(plan, services, bootstrap, prefix, concurrency))
        console.print(
            f"[bold]{timings.events['total']:,} events in {timings.phases['total']:.1f} s "
            f"({timings.events['total'] / timings.phases['total']:,.0f} events/s), {report['requests']:,} requests"
        )
        slowest = max((p for p in timings.phases if p != "total"), key=timings.phases.__getitem__)
        console.print(f"slowest phase: {slowest} ({timings.phases[slowest]:.1f} s)")
        if report["differences"]:
            console.print(f"[red]the services' numbers differ from the plan's: {report['differences']}")
        if report_json:
            report_json.write_text(json.dumps(report, indent=2, default=str))
        if "dashboard" in services:
            # Unwrapped: a token broken over two lines is a link that fails when copied.
            console.print(
                f"The dashboard: {signed_in_url(services['dashboard'])}", soft_wrap=True, highlight=False
            )
        if keep:
            console.print("Running; Ctrl-C stops the services.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    console.rule("[bold green]the year is played")


if __name__ == "__main__":
    typer.run(main)
    sys.exit(0)
