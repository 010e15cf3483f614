"""`craftsman token`: mint a bearer token for local use, signed with the configured key."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from chassis.auth import Principal, Role
from chassis.auth_tokens import Authenticator
from chassis.settings import ServiceSettings

cli = typer.Typer(help="The craftsman platform's tools.", no_args_is_help=True)


@cli.callback()
def main() -> None:
    """Tools shared by every service."""


@cli.command()
def token(
    role: Annotated[Role, typer.Option(help="Who the holder is")],
    region: Annotated[str | None, typer.Option(help="A county union's region")] = None,
    enterprise: Annotated[str | None, typer.Option(help="An enterprise HR's enterprise")] = None,
    subject: Annotated[str, typer.Option(help="Who, for the logs")] = "local-user",
    hours: Annotated[float, typer.Option(min=0.01, help="How long it stays valid")] = 12.0,
) -> None:
    """Print a JWT for CRAFTSMAN_AUTH_JWT_SECRET (the local default key if unset)."""
    try:
        principal = Principal(role, subject=subject, region_id=region, enterprise_id=enterprise)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    typer.echo(Authenticator(ServiceSettings()).mint(principal, lifetime=timedelta(hours=hours)))
