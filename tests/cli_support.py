"""Runs the operator's `craftsman` command as the operator does: its own process, the
environment's Kafka principal (the admin of .local/infra.env)."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Ran:
    code: int
    output: str


async def craftsman(*args: str, timeout: float = 120.0, env: dict[str, str] | None = None) -> Ran:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ops",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "250", **(env or {})},
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return Ran(process.returncode, output.decode())
