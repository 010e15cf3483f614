"""`python -m chassis token …`: the platform's own command line (tokens for local use)."""

from chassis.token_cli import cli

cli()
