"""Personal data sealed per worker, and forgetting by destroying the key (SQLite and Postgres)."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from chassis.db import session_factory
from services.registry.read_models import personal_data
from services.registry.service import SPEC
from services.registry.vault import ERASED, PersonalData, Vault, seal, unseal
from tests.service_support import migrated

LI_NA = PersonalData(full_name="李娜", national_id="370781199001011234", phone="13800000000")


def test_a_sealed_record_opens_only_with_its_key_and_for_its_worker() -> None:
    key, other = b"k" * 32, b"o" * 32
    sealed = seal(LI_NA, key, "w-1")
    assert unseal(sealed, key, "w-1") == LI_NA
    assert "李娜".encode() not in sealed and b"370781199001011234" not in sealed
    with pytest.raises(InvalidTag):
        unseal(sealed, other, "w-1")
    with pytest.raises(InvalidTag):
        unseal(sealed, key, "w-2")  # moved to another worker's row


async def test_forgetting_destroys_the_key_and_the_person_reads_as_erased(engine: AsyncEngine) -> None:
    await migrated(engine, SPEC)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        vault = Vault(session)
        await vault.keep("w-1", LI_NA)
        await vault.keep("w-2", PersonalData(full_name="王磊"))
    async with sessions() as session, session.begin():
        assert await Vault(session).forget("w-1", date(2026, 11, 24)) is True
        assert await Vault(session).forget("w-1", date(2026, 11, 25)) is False
    async with sessions() as session:
        vault = Vault(session)
        assert await vault.read("w-1") == ERASED
        assert await vault.read("w-2") == PersonalData(full_name="王磊")
        assert await vault.read("w-3") is None
        stored = (await session.execute(select(personal_data.c.sealed))).scalars().all()
    assert all("李娜".encode() not in sealed for sealed in stored)
