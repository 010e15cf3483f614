"""Alembic migrations of the chassis tables plus each service's own tables.

Each service keeps its revisions in its own folder on its own branch (depending on
chassis_0001); `upgrade` brings a database to every head.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import create_engine

CHASSIS_VERSIONS = Path(__file__).parent / "migrations" / "versions"


def alembic_config(extra_version_dirs: Sequence[Path] = ()) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    locations = [CHASSIS_VERSIONS, *extra_version_dirs]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(str(path) for path in locations))
    return config


async def upgrade(engine: AsyncEngine, extra_version_dirs: Sequence[Path] = ()) -> None:
    config = alembic_config(extra_version_dirs)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas starting together would each create the tables (the loser dies on a
            # duplicate key); one at a time, the later ones find the database at head.
            await connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('craftsman:migrations'))"))
        await connection.run_sync(run)


async def _main(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1]))
