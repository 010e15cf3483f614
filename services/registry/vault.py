"""Workers' personal data, kept out of the events and sealed with a key per worker.

Events name a worker by id only; the name, national id and phone live here, sealed
with AES-GCM under the worker's own key (the worker id is the associated data, so a
sealed record cannot be moved to another worker). Forgetting a worker destroys the key:
what was sealed stays unreadable in every copy and backup of this table, and every read
shows the person as erased.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.read_models import personal_data, personal_keys

NONCE_BYTES = 12


@dataclass(frozen=True, slots=True)
class PersonalData:
    full_name: str
    national_id: str | None = None
    phone: str | None = None
    erased: bool = False


ERASED = PersonalData(full_name="(erased)", erased=True)


def seal(data: PersonalData, key: bytes, worker_id: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(asdict(data), ensure_ascii=False).encode()
    return nonce + AESGCM(key).encrypt(nonce, plain, worker_id.encode())


def unseal(sealed: bytes, key: bytes, worker_id: str) -> PersonalData:
    plain = AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], worker_id.encode())
    return PersonalData(**json.loads(plain))


def kept_rows(worker_id: str, data: PersonalData) -> tuple[tuple[Table, dict[str, Any]], ...]:
    """A new worker's rows in the vault: their own new key, and their data sealed under it."""
    key = AESGCM.generate_key(bit_length=256)
    return (
        (personal_keys, {"worker_id": worker_id, "key": key}),
        (personal_data, {"worker_id": worker_id, "sealed": seal(data, key, worker_id)}),
    )


class Vault:
    """The repository of personal data: sealing on the way in, unsealing on the way out."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def keep(self, worker_id: str, data: PersonalData) -> None:
        """Seal a new worker's data under a key of their own (in the caller's transaction)."""
        for table, row in kept_rows(worker_id, data):
            await self._session.execute(insert(table).values(**row))

    async def read(self, worker_id: str) -> PersonalData | None:
        """The worker's data; ERASED once forgotten; None for a worker never kept here."""
        return (await self.read_many([worker_id])).get(worker_id)

    async def read_many(self, worker_ids: Iterable[str]) -> dict[str, PersonalData]:
        wanted = list(worker_ids)
        rows = await self._session.execute(
            select(personal_data.c.worker_id, personal_data.c.sealed, personal_keys.c.key)
            .select_from(
                personal_data.outerjoin(personal_keys, personal_keys.c.worker_id == personal_data.c.worker_id)
            )
            .where(personal_data.c.worker_id.in_(wanted))
        )
        return {
            row.worker_id: ERASED if row.key is None else unseal(row.sealed, row.key, row.worker_id)
            for row in rows
        }

    async def forget(self, worker_id: str, on: date) -> bool:
        """Destroy the worker's key; returns whether there was one to destroy."""
        removed = await self._session.execute(
            delete(personal_keys).where(personal_keys.c.worker_id == worker_id)
        )
        await self._session.execute(
            update(personal_data).where(personal_data.c.worker_id == worker_id).values(forgotten_on=on)
        )
        return bool(getattr(removed, "rowcount", 0))
