"""The command line every service shares (Typer): serve, migrate."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
import uvicorn

from chassis import migrate
from chassis.db import create_engine
from chassis.service import ServiceSpec, create_app
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

    return cli
