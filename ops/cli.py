"""`craftsman`: the operator's command, and its composition root.

Connects to Kafka as the principal of CRAFTSMAN_KAFKA_* (the admin: `set -a; . .local/infra.env`)
and to a service's database as ops/bus.py says. Exit codes: 0 done, 1 done but something needs
the operator (a rebuild found differences, nothing switched), 2 refused (nothing changed).
"""

from __future__ import annotations

import asyncio
import json
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgressBar
from rich.table import Table
from rich.text import Text

from contracts.topics import CONSUMED_TOPICS
from ops.bus import Bus, service_settings
from ops.dlq import (
    DLQ_SUFFIX,
    DeadLetterError,
    DeadLetters,
    Letter,
    QueueSummary,
    contract_verdict,
    dead_letters,
    decoded,
)
from ops.lag import consumer_lag

if TYPE_CHECKING:
    from ops.rebuild import RebuildReport

# The services' code (FastAPI, every service's modules) is imported only by the commands that
# need it (rebuild, schema export, demo): `craftsman dlq` and `craftsman lag` start faster.
SERVICES = tuple(CONSUMED_TOPICS)  # every service with consumer groups: the four and the dashboard

app = typer.Typer(help="The craftsman platform's operator tools.", no_args_is_help=True)
dlq_app = typer.Typer(
    help="Dead letters (<topic>.dlq): inspect, fix and replay, discard.", no_args_is_help=True
)
schema_app = typer.Typer(help="Documents for integrators.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(schema_app, name="schema")
console = Console(width=max(Console().width, 160))  # topic and group names are long

REFUSED = 2


def refuse(message: str) -> typer.Exit:
    console.print(f"[red]refused:[/] {message}")
    return typer.Exit(REFUSED)


# --- rebuild ----------------------------------------------------------------------------------


class RichProgress:
    """The rebuild's phases as rich progress bars: records, rate and time remaining."""

    def __init__(self, bar: RichProgressBar) -> None:
        self._bar = bar
        self._task: TaskID | None = None

    def start(self, phase: str, total: int) -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=self._bar.tasks[self._task].total)
        self._task = self._bar.add_task(phase, total=max(total, 0))

    def advance(self, records: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, records)


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:>8,.0f} records/s")


def progress_bar() -> RichProgressBar:
    return RichProgressBar(
        TextColumn("[bold]{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )


@app.command()
def rebuild(
    service: Annotated[str, typer.Argument(help=f"one of {', '.join(SERVICES)}")],
    read_model: Annotated[str, typer.Argument(help="a subscription that declares its tables, e.g. workers")],
    database_url: Annotated[
        str | None, typer.Option(help="the service's database (else from the environment)")
    ] = None,
    repair: Annotated[
        bool, typer.Option(help="switch even when the new version differs from the live one")
    ] = False,
    wait: Annotated[float, typer.Option(help="seconds to wait for a live consumer behind the log")] = 120.0,
) -> None:
    """Blue/green rebuild of a read model from the log, switched in once equal to the live one.

    Built anew beside the live one, it takes over at the live consumer's offsets once equal there."""
    from ops.read_models import UnknownReadModel
    from ops.rebuild import RebuildRefused

    settings = service_settings(service, database_url)
    try:
        report = asyncio.run(_rebuild(service, read_model, settings.resolved_database_url(), repair, wait))
    except (UnknownReadModel, RebuildRefused) as error:
        raise refuse(str(error)) from error
    show_rebuild(report)
    if not report.switched:
        raise typer.Exit(1)


async def _rebuild(service: str, name: str, url: str, repair: bool, wait: float) -> RebuildReport:
    from chassis.db import create_engine
    from ops.read_models import find_read_model
    from ops.rebuild import Rebuild

    model = await find_read_model(service, name, service_settings(service, url))
    engine = create_engine(url)
    try:
        with progress_bar() as bar:
            return await Rebuild(
                model,
                engine,
                Bus.from_environment(),
                progress=RichProgress(bar),
                repair=repair,
                wait_for_live_seconds=wait,
            ).run()
    finally:
        await engine.dispose()


def show_rebuild(report: RebuildReport) -> None:
    console.print(f"{report.records} records replayed, {report.dead_letters} set aside as dead letters")
    offsets = Table("topic", "partition", "switch offset (last applied)", title="switch offsets")
    for (topic, partition), offset in sorted(report.switch_offsets.items()):
        offsets.add_row(topic, str(partition), str(offset))
    console.print(offsets)
    if report.equal:
        console.print("[green]the new version equals the live one at the switch offsets[/]")
    for difference in report.differences:
        console.print(
            f"[yellow]{difference.table}[/]: {difference.only_live} rows only in the live version, "
            f"{difference.only_new} only in the new one"
        )
        for sample in difference.samples:
            console.print(f"    {sample}", markup=False)
    if report.switched:
        console.print(f"[green]switched[/]; the old tables are kept in schema {report.retired_schema}")
    else:
        console.print(
            f"[yellow]not switched[/] (use --repair to replace the live version); new version left in {report.schema}"
        )


# --- lag --------------------------------------------------------------------------------------


@app.command()
def lag(
    group_prefix: Annotated[
        str | None, typer.Option(help="the run's group prefix (default CRAFTSMAN_CONSUMER_GROUP_PREFIX)")
    ] = None,
) -> None:
    """Consumer lag of every service's consumer groups, per topic."""
    bus = Bus.from_environment()
    if group_prefix is not None:
        bus = replace(bus, group_prefix=group_prefix)
    rows = asyncio.run(consumer_lag(bus, SERVICES))
    table = Table("service", "group", "topic", "partitions", "committed", "end", "lag", title="consumer lag")
    for row in rows:
        colour = "green" if row.lag == 0 else "yellow"
        table.add_row(
            row.service,
            row.group,
            row.topic,
            str(row.partitions),
            str(row.committed),
            str(row.end),
            f"[{colour}]{row.lag}[/]",
        )
    console.print(table if rows else "no consumer group of a service has committed offsets yet")


# --- dead letters ------------------------------------------------------------------------------

TopicArg = Annotated[str, typer.Argument(help="a dead-letter topic (or the topic it belongs to)")]
PartitionOpt = Annotated[int | None, typer.Option(help="the letter's partition (default: the first pending)")]
OffsetOpt = Annotated[int | None, typer.Option(help="the letter's offset")]


def dlq_topic(topic: str) -> str:
    return topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX


def letters() -> AbstractAsyncContextManager[DeadLetters]:
    return dead_letters(Bus.from_environment())


@dlq_app.command("list")
def dlq_list(prefix: Annotated[str, typer.Option(help="only topics starting with this")] = "") -> None:
    """Every dead-letter topic: letters in all, pending ones and their reasons."""
    summaries = asyncio.run(_summaries(prefix))
    table = Table("topic", "letters", "pending", "reasons (pending)", title="dead letters")
    for summary in summaries:
        reasons = ", ".join(f"{reason} {count}" for reason, count in summary.reasons.most_common())
        table.add_row(summary.topic, str(summary.total), str(summary.pending), reasons)
    console.print(table)


async def _summaries(prefix: str) -> list[QueueSummary]:
    async with letters() as queue:
        return await queue.summaries(prefix)


@dlq_app.command("show")
def dlq_show(topic: TopicArg, partition: PartitionOpt = None, offset: OffsetOpt = None) -> None:
    """One letter: where it came from, why, its headers and its value (decoded, or raw)."""
    try:
        letter = asyncio.run(_find(dlq_topic(topic), partition, offset))
    except DeadLetterError as error:
        raise refuse(str(error)) from error
    show_letter(letter)


async def _find(topic: str, partition: int | None, offset: int | None) -> Letter:
    async with letters() as queue:
        return await queue.find(topic, partition, offset)


def show_letter(letter: Letter) -> None:
    console.print(f"[bold]{letter.where}[/] from {letter.original_topic}: [red]{letter.reason}[/]")
    console.print(letter.header("dlq.detail"), markup=False)
    headers = Table("header", "value")
    for name, value in letter.headers:
        headers.add_row(name, value.decode("utf-8", errors="backslashreplace"))
    console.print(headers)
    console.print(f"key: {letter.key!r}", markup=False)
    document = decoded(letter)
    if document is None:
        console.print(f"value ({len(letter.value)} bytes, not JSON): {letter.value[:2000]!r}", markup=False)
    else:
        console.print_json(json.dumps(document, ensure_ascii=False))
    console.print(contract_verdict(letter.value), markup=False)


def read_patch(edit: str | None) -> Any:
    """A JSON merge patch given inline or as @file."""
    if edit is None:
        return None
    text = Path(edit[1:]).read_text(encoding="utf-8") if edit.startswith("@") else edit
    try:
        return json.loads(text)
    except ValueError as error:
        raise refuse(f"--edit is not JSON: {error}") from error


@dlq_app.command("replay")
def dlq_replay(
    topic: TopicArg,
    partition: PartitionOpt = None,
    offset: OffsetOpt = None,
    edit: Annotated[
        str | None,
        typer.Option(help='a JSON merge patch of the record, e.g. \'{"payload": {"hours": 8}}\', or @file'),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="every pending letter, in order (no --edit)")] = False,
    force: Annotated[bool, typer.Option(help="publish even when the value does not decode")] = False,
) -> None:
    """Publish a letter's original bytes (or fixed ones) to its original topic, then mark it done."""
    patch = read_patch(edit)
    if every and patch is not None:
        raise refuse("--edit fixes one letter; without --all")
    try:
        done = asyncio.run(_replay(dlq_topic(topic), partition, offset, patch, every, force))
    except DeadLetterError as error:
        raise refuse(str(error)) from error
    for letter in done:
        console.print(f"[green]replayed[/] {letter.where} to {letter.original_topic}")


async def _replay(
    topic: str, partition: int | None, offset: int | None, patch: Any, every: bool, force: bool
) -> list[Letter]:
    async with letters() as queue:
        chosen = await queue.pending(topic) if every else [await queue.find(topic, partition, offset)]
        for letter in chosen:
            await queue.replay(letter, patch=patch, force=force)
        return chosen


@dlq_app.command("discard")
def dlq_discard(
    topic: TopicArg,
    partition: PartitionOpt = None,
    offset: OffsetOpt = None,
    every: Annotated[bool, typer.Option("--all", help="every pending letter")] = False,
) -> None:
    """Mark a letter done without replaying it."""
    try:
        done = asyncio.run(_discard(dlq_topic(topic), partition, offset, every))
    except DeadLetterError as error:
        raise refuse(str(error)) from error
    for letter in done:
        console.print(f"discarded {letter.where} ({letter.reason})")


async def _discard(topic: str, partition: int | None, offset: int | None, every: bool) -> list[Letter]:
    async with letters() as queue:
        chosen = await queue.pending(topic) if every else [await queue.find(topic, partition, offset)]
        for letter in chosen:
            await queue.discard(letter)
        return chosen


# --- schemas and the demo -----------------------------------------------------------------------


@schema_app.command("export")
def schema_export(out: Annotated[Path, typer.Option(help="output directory")]) -> None:
    """The contracts' JSON Schemas (out/json-schema) and the AsyncAPI documents (out/asyncapi)."""
    from ops.schema import export

    written = export(out)
    console.print(
        f"wrote {len(written.json_schemas)} JSON Schemas and {len(written.asyncapi)} AsyncAPI documents to {out}"
    )


@app.command()
def demo() -> None:
    """What `make demo` plays: the services on the real Kafka, a demo city through them."""
    from demo.__main__ import main as play  # imported on demand: it reads the environment at start

    raise typer.Exit(play())


def main() -> None:
    app()
