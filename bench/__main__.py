"""`python -m bench`: every figure in one run, each beside a baseline measured in the same run.

uv run python -m bench                              # everything (make bench)
uv run python -m bench --events 20000               # a quick check, scaled down
uv run python -m bench --only relay,projection      # some figures (and their baselines)
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from bench import (
    append_figures,
    competitions_figures,
    dashboard_figures,
    demo_figures,
    e2e,
    grant_policy_figures,
    kafka_figures,
    machine,
    registry_figures,
    relay_figures,
    replica_figures,
    rewards_figures,
    sqlite_figures,
    store_figures,
    training_batch_figures,
    training_figures,
    workload,
)
from bench.report import Measurement, build_results, figures_table, headline_table, write_results
from bench.resources import Resources
from chassis.logging import configure_logging
from chassis.telemetry import configure_tracing
from deploy.infra import provide_infrastructure

FIGURES = (
    "produce",
    "relay",
    "consume",
    "projection",
    "replicas",
    "replay",
    "bulk",
    "sqlite",  # the embedded default's bulk append, with eventsourcing's SQLite beside it
    "eventsourcing",
    "store",
    "append",
    "e2e",
    "registry",  # measures its baselines itself
    "contest",
    "training",  # with its baselines in the same figure: bulk append, plain JSON
    "rewards",
    "dashboard",
    "demo",  # make demo's city year; its baseline: the API append rate
)
# a figure never goes without its baseline
IMPLIES = {
    "relay": ("produce",),
    "projection": ("consume",),
    "replicas": ("consume",),  # the same records; its baseline is its own 1-replica value
    "store": ("eventsourcing",),
    "append": ("eventsourcing",),
    "rewards": ("store",),  # grants against one budget beside the store's plain append
    "demo": ("append",),
}
FULL_EVENTS = 200_000
RESULTS = Path(__file__).resolve().parent / "results"
LOGS = Path(__file__).resolve().parent.parent / ".local" / "bench"

NOTES = [
    "The machine is shared and noisy: compare ratios within one run, not absolute figures across runs.",
    "Kafka pairs use the same records (key, value bytes, headers) on fresh 6-partition topics.",
    "API append goes through HTTP, validation, aggregate loads, the outbox and a live relay and consumers in "
    "the service process; eventsourcing appends in-process with none of these (see each method).",
    "The bench's services publish and consume under the run's own topic and group prefix bench.<run id>.; "
    "the run deletes its topics, groups and databases at the end.",
    "Each step's databases are dropped when it ends, and each step starts after a Postgres CHECKPOINT (neither "
    "timed), so that what a step left (the 1M-event replay's tables above all: their pages, their autovacuum) "
    "does not run on the next step's clock.",
]

console = Console(width=None if sys.stdout.isatty() else 140)  # piped output: no 80-column squeeze
cli = typer.Typer(add_completion=False, help=__doc__)


def selection(only: str) -> list[str]:
    """The figures to run, in run order, with the baselines the asked ones need."""
    asked = {name.strip() for name in only.split(",") if name.strip()} or set(FIGURES)
    unknown = asked - set(FIGURES)
    if unknown:
        raise typer.BadParameter(f"unknown figure(s) {sorted(unknown)}; choose from {', '.join(FIGURES)}")
    for name in list(asked):
        asked.update(IMPLIES.get(name, ()))
    return [name for name in FIGURES if name in asked]


def scaled(seconds: float | None, full: float, floor: float, events: int) -> float:
    """Durations shrink with --events below the full size, unless given."""
    if seconds is not None:
        return seconds
    return max(floor, round(full * min(1.0, events / FULL_EVENTS), 1))


@cli.command()
def main(
    only: Annotated[str, typer.Option(help=f"comma-separated subset of: {', '.join(FIGURES)}")] = "",
    events: Annotated[
        int, typer.Option(min=1000, help="events for the Kafka and store figures")
    ] = FULL_EVENTS,
    concurrency: Annotated[int, typer.Option(min=1, help="writers of the append figures (both sides)")] = 8,
    append_seconds: Annotated[float | None, typer.Option(help="measured seconds per append side")] = None,
    bulk_writers: Annotated[int, typer.Option(min=1, help="parallel connections of the bulk append")] = 2,
    e2e_rate: Annotated[float, typer.Option(help="commands per second, open loop")] = 200.0,
    e2e_seconds: Annotated[float | None, typer.Option(help="seconds of end-to-end load")] = None,
    e2e_low_rate: Annotated[float, typer.Option(help="rate of the first, light end-to-end pass")] = 50.0,
    replay_events: Annotated[
        int | None, typer.Option(help="events of the replay figure (default 5x --events: 1M in a full run)")
    ] = None,
    split_roles: Annotated[
        bool, typer.Option(help="run the registry as an API process plus a relay-and-consumers process")
    ] = True,
    out: Annotated[Path, typer.Option(help="folder of the results")] = RESULTS,
    save: Annotated[bool, typer.Option(help="write latest.json and the dated copy")] = True,
) -> None:
    chosen = selection(only)
    settings = {
        "selected": chosen,
        "events": events,
        "concurrency": concurrency,
        "append_seconds": scaled(append_seconds, 15, 3, events),
        "bulk_writers": bulk_writers,
        "e2e_rate": e2e_rate,
        "e2e_seconds": scaled(e2e_seconds, 20, 5, events),
        "e2e_low_rate": e2e_low_rate,
        "replay_events": replay_events or 5 * events,
        "split_roles": split_roles,
        "contest_entrants": max(20, round(1_000 * min(1.0, events / FULL_EVENTS))),  # 1,000 in a full run
    }
    failed = asyncio.run(run(settings, out=out, save=save))
    raise typer.Exit(1 if failed else 0)


async def run(settings: dict[str, Any], *, out: Path, save: bool) -> bool:
    configure_logging("bench", level="WARNING", json=False)
    configure_tracing("bench")
    chosen: list[str] = settings["selected"]
    began = datetime.now(UTC)
    clock = time.perf_counter()
    figures: list[Measurement] = []
    failures: dict[str, str] = {}
    with provide_infrastructure() as infra:
        res = Resources(infra.kafka_bootstrap, infra.postgres_url_base)
        log_dir = LOGS / res.run_id
        console.print(f"[bold]bench run {res.run_id}[/]: {', '.join(chosen)}; kafka {res.kafka}")
        host = await machine.describe(res)

        async def step(name: str, work: Callable[[], Awaitable[list[Measurement]]]) -> None:
            console.print(f"→ {name} …", end=" ")
            await res.checkpoint()  # the last figure's dirty pages are written now, not on this one's clock
            started = time.perf_counter()
            try:
                measured = await work()
            except Exception as error:  # one broken figure must not cost the others
                failures[name] = f"{type(error).__name__}: {error}"
                console.print(f"[red]failed[/] ({failures[name][:500]})")
                return
            finally:
                await res.drop_databases()
            taken = {m.key for m in figures} & {m.key for m in measured}
            if taken:  # found here, not when the results are written at the end of a long run
                failures[name] = f"figure keys measured twice in the run: {sorted(taken)}"
                console.print(f"[red]failed[/] ({failures[name]})")
                return
            figures.extend(measured)
            console.print(
                f"{time.perf_counter() - started:.1f}s: "
                + "; ".join(f"{m.label} {m.value:,.1f} {m.unit}" for m in measured)
            )

        try:
            await _all(res, settings, chosen, step, log_dir)
        finally:
            await res.cleanup()
    settings = {
        **settings,
        "run_id": res.run_id,
        "started_at": began.isoformat(),
        "duration_s": round(time.perf_counter() - clock, 1),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "failures": failures,
        "service_logs": str(log_dir),
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
        "notes": NOTES,
    }
    results = build_results(machine=host, figures=figures, run=settings, peak_rss_mb=res.peak_rss_mb)
    console.print(figures_table(figures))
    console.print(headline_table(results))
    if save:
        latest, dated = write_results(results, out, began)
        console.print(f"results: {latest} and {dated}")
    console.print(f"whole run: {settings['duration_s']:.0f}s")
    return bool(failures)


Step = Callable[[str, Callable[[], Awaitable[list[Measurement]]]], Awaitable[None]]


async def _all(
    res: Resources, settings: dict[str, Any], chosen: list[str], step: Step, log_dir: Path
) -> None:
    if {"produce", "relay", "consume", "projection", "replicas", "replay", "bulk", "sqlite"} & set(chosen):
        await _kafka_and_store(res, settings, chosen, step)
    concurrency: int = settings["concurrency"]
    seconds: float = settings["append_seconds"]
    warmup = min(2.0, seconds / 3)
    split: bool = settings["split_roles"]
    if "eventsourcing" in chosen:
        await step(
            "eventsourcing append",
            lambda: _one(
                append_figures.eventsourcing_append(
                    res, concurrency=concurrency, seconds=seconds, warmup_seconds=warmup
                )
            ),
        )
    if "store" in chosen:
        await step(
            "store append",
            lambda: _one(
                append_figures.store_append(
                    res, concurrency=concurrency, seconds=seconds, warmup_seconds=warmup
                )
            ),
        )
    if "append" in chosen:
        await step(
            "API append, batch import",
            lambda: append_figures.api_append(
                res,
                concurrency=concurrency,
                seconds=seconds,
                warmup_seconds=warmup,
                log_dir=log_dir,
                split_roles=split,
            ),
        )
    if "registry" in chosen:
        scale = min(1.0, settings["events"] / FULL_EVENTS)
        await step("registry", lambda: registry_figures.registry_figures(res, scale))
    if "training" in chosen:
        classes, statements = (
            max(2, min(20, settings["events"] // 10_000)),
            int(100_000 * scaled(None, 1, 0.02, settings["events"])),
        )
        await step(
            "training batches, xAPI export",
            lambda: training_figures.batch_figures(
                res, classes=classes, statements=statements, log_dir=log_dir
            ),
        )
        items = max(200, min(2_000, settings["events"] // 100))
        await step(
            "training batch endpoints vs one POST per item",
            lambda: training_batch_figures.batch_vs_single(res, items=items, log_dir=log_dir),
        )
    if "rewards" in chosen:
        events: int = settings["events"]
        await step("rewards points replay", lambda: rewards_figures.points_replay(res, events))
        grants = max(2_000, events // 20)
        await step(
            "grant policy with and without the aggregate cache",
            lambda: grant_policy_figures.grants_with_and_without_cache(res, grants),
        )
        await step(
            "rewards parallel grants",
            lambda: _one(
                rewards_figures.parallel_grants(
                    res, concurrency=concurrency, seconds=seconds, warmup_seconds=warmup
                )
            ),
        )
    if "dashboard" in chosen:  # its baseline (the same queries without HTTP) is measured in the same step
        workers = min(dashboard_figures.CITY_WORKERS, max(1_000, settings["events"] * 12 // 200))
        await step("dashboard pages", lambda: dashboard_figures.page_latency(res, workers=workers))
    if "demo" in chosen:
        workers = max(300, round(demo_figures.CITY_WORKERS * min(1.0, settings["events"] / FULL_EVENTS)))
        await step("demo city year", lambda: demo_figures.city_year(res, workers=workers))
    if "e2e" in chosen:
        rate_per_s: float = settings["e2e_rate"]
        e2e_seconds: float = settings["e2e_seconds"]
        low_rate: float = settings["e2e_low_rate"]
        await step(
            "end to end",
            lambda: e2e.end_to_end(
                res,
                rate_per_s=rate_per_s,
                seconds=e2e_seconds,
                low_rate_per_s=low_rate,
                low_seconds=max(5.0, e2e_seconds / 2),
                warmup_seconds=2.0,
                log_dir=log_dir,
                split_roles=split,
            ),
        )

    if "contest" in chosen:
        entrants: int = settings["contest_entrants"]
        await step(
            "contest at scale",
            lambda: competitions_figures.contest_at_scale(res, entrants_count=entrants, log_dir=log_dir),
        )


async def _kafka_and_store(res: Resources, settings: dict[str, Any], chosen: list[str], step: Step) -> None:
    started = time.perf_counter()
    shape = workload.shape_for(settings["events"])
    txns = workload.build(shape)
    records = [workload.record_of(e) for e in workload.in_store_order(txns)]
    console.print(f"  built {shape.total:,} envelopes in {time.perf_counter() - started:.1f}s")
    source: list[str] = []  # the topic the consume figures read

    if "produce" in chosen or "relay" in chosen:

        async def produce_and_relay() -> list[Measurement]:
            done = await relay_figures.produce_and_relay(res, records, txns, shape)
            source.append(done.source_topic)
            return done.measurements

        await step("raw produce, chassis producer, relay", produce_and_relay)
    if "consume" in chosen:
        if not source:
            source.append(await kafka_figures.produce_topic(res, records))
        topic = source[0]
        await step("raw consume", lambda: _one(kafka_figures.raw_consume(res, topic, shape.total)))
        if "projection" in chosen:
            await step("projection", lambda: _one(kafka_figures.projection(res, topic, shape.total)))
            # The per-event handler is ~50x slower: a tenth of the events says as much, in a tenth of the time.
            few = records[: max(1_000, len(records) // 10)]
            small = await kafka_figures.produce_topic(res, few, "per-event-source")
            await step(
                "projection, per-event handler",
                lambda: _one(kafka_figures.projection(res, small, len(few), handler="per-event")),
            )
            await step(
                "projection, per-event writes in rounds",
                lambda: _one(kafka_figures.projection(res, topic, shape.total, handler="rounds")),
            )
    if "replicas" in chosen:
        await step("replicas", lambda: replica_figures.replica_throughput(res, records, shape.total))
    if "replay" in chosen:
        replay_events: int = settings["replay_events"]
        await step("replay", lambda: _one(kafka_figures.replay(res, records, replay_events)))
    if "bulk" in chosen:
        writers: int = settings["bulk_writers"]
        await step("bulk append", lambda: _one(store_figures.bulk_append(res, txns, shape, writers=writers)))
    if "sqlite" in chosen:
        await step("bulk append on SQLite", lambda: sqlite_figures.sqlite_bulk_append(txns, shape))


async def _one(measurement: Awaitable[Measurement]) -> list[Measurement]:
    return [await measurement]


if __name__ == "__main__":
    cli()
