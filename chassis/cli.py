"""The command line every service shares (Typer): serve, migrate, asyncapi."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from chassis import migrate
from chassis.asyncapi import asyncapi_document
from chassis.db import create_engine
from chassis.heap import settle_service_heap
from chassis.service import ServiceSpec, create_app, declared
from chassis.settings import ServiceSettings


def service_cli(spec: ServiceSpec) -> typer.Typer:
    cli = typer.Typer(help=f"The {spec.name} service of the craftsman talent platform.", no_args_is_help=True)

    @cli.command()
    def serve(
        host: Annotated[str | None, typer.Option(help="Defaults to CRAFTSMAN_HTTP_HOST or 127.0.0.1")] = None,
        port: Annotated[int | None, typer.Option(help="Defaults to CRAFTSMAN_HTTP_PORT or 8000")] = None,
    ) -> None:
        """Run the HTTP API, the consumers and the relay in this process."""
        settings = ServiceSettings(service_name=spec.name)
        app = create_app(spec, settings)
        settle_service_heap()  # chassis/heap.py: what the imports made frozen, the thresholds of a service
        uvicorn.run(
            app,
            host=host or settings.http_host,
            port=port or settings.http_port,
            log_level=settings.log_level.lower(),
            access_log=False,
            timeout_graceful_shutdown=20,
        )

    @cli.command(name="migrate")
    def migrate_database() -> None:
        """Bring the service database to the newest schema."""
        settings = ServiceSettings(service_name=spec.name)

        async def run() -> None:
            engine = create_engine(settings.resolved_database_url())
            try:
                await migrate.upgrade(engine, spec.migrations)
            finally:
                await engine.dispose()

        asyncio.run(run())
        typer.echo(f"{spec.name}: database at head")

    @cli.command(name="asyncapi")
    def write_asyncapi(
        out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout")] = None,
    ) -> None:
        """The AsyncAPI document of the service's Kafka side, generated from its wiring."""
        text = json.dumps(asyncio.run(service_asyncapi(spec)), indent=2, ensure_ascii=False) + "\n"
        if out is None:
            typer.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")

    return cli


async def service_asyncapi(spec: ServiceSpec) -> dict[str, Any]:
    async with declared(spec) as runtime:
        return asyncapi_document(runtime.broker, title=f"craftsman {spec.name}")
