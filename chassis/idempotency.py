"""Idempotency records: the first answer of a command sent with an Idempotency-Key.

The record is written with the command's events (UnitOfWork.also_insert: on Postgres in the
append's own statement), so it exists exactly when the command's events do. A repeat finds it and replays the answer,
whatever the number of events; a key reused for another request (another fingerprint) is
refused. Two requests racing with one key collide on the primary key, on an event id or on
a business rule; the loser looks the key up again and replays the winner's answer.
Only accepted commands are recorded: a refused one changed nothing and may be retried.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.eventstore.schema import idempotency


@dataclass(frozen=True, slots=True)
class Recorded:
    fingerprint: str
    status: int
    answer: dict[str, Any]


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What identifies a request: method, path and body (as JSON, so spacing and key order
    do not matter)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256(f"{method.upper()} {path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def row(key: UUID, seen: Recorded) -> dict[str, Any]:
    """The record as a row of the idempotency table."""
    return {
        "key": str(key),
        "fingerprint": seen.fingerprint,
        "status": seen.status,
        "answer": seen.answer,
        "created_at": datetime.now(UTC),
    }


async def record(session: AsyncSession, key: UUID, seen: Recorded) -> None:
    await session.execute(insert(idempotency).values(**row(key, seen)))


async def recorded(session: AsyncSession, key: UUID) -> Recorded | None:
    row = (
        await session.execute(
            select(idempotency.c.fingerprint, idempotency.c.status, idempotency.c.answer).where(
                idempotency.c.key == str(key)
            )
        )
    ).first()
    return None if row is None else Recorded(row.fingerprint, int(row.status), dict(row.answer))
