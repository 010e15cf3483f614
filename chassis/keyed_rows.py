"""Read models keyed by one column, projected from events: the mechanism only.

A service declares its own table (its columns) and says which facts of which event
fill a row; this module upserts that row and reads it back. It knows no event and no
service, so the chassis stays below the services.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from chassis.errors import DomainRuleViolated
from chassis.inbox import Handler
from chassis.row_writes import Change, Upsert, Writer, one_at_a_time
from chassis.sqlutil import dialect_name, one_of
from contracts.events.base import Event

E = TypeVar("E", bound=Event)
R = TypeVar("R")


def _key_column(table: Table) -> str:
    (key,) = table.primary_key.columns  # one-column keys only: the row *is* its key's latest facts
    return key.name


def upserting(table: Table, facts: Callable[[E], Mapping[str, Any]]) -> Writer:
    """The writer that keeps `table`'s row of each event's key at the event's facts (facts for
    columns the table does not have are left out, so a table may keep fewer than the event)."""
    return lambda _envelope, event: [Upsert(table, facts(event))]


def changing(table: Table, facts: Callable[[E], Mapping[str, Any]]) -> Writer:
    """The writer that changes the row of each event's key, if there is one."""
    return lambda _envelope, event: [Change(table, facts(event))]


def upsert_from(table: Table, facts: Callable[[E], Mapping[str, Any]]) -> Handler:
    """`upserting` as a per-event handler."""
    return one_at_a_time(upserting(table, facts))


def update_from(table: Table, facts: Callable[[E], Mapping[str, Any]]) -> Handler:
    """`changing` as a per-event handler."""
    return one_at_a_time(changing(table, facts))


async def find_row(session: AsyncSession, table: Table, key: str) -> RowMapping | None:
    row = (await session.execute(select(table).where(table.c[_key_column(table)] == key))).first()
    return None if row is None else row._mapping


async def find_rows(session: AsyncSession, table: Table, keys: Sequence[str]) -> dict[str, RowMapping]:
    """Many rows in one query (batch imports), by key."""
    if not keys:
        return {}
    column = table.c[_key_column(table)]
    wanted = one_of(dialect_name(session), column, sorted(set(keys)))
    rows = (await session.execute(select(table).where(wanted))).all()
    return {str(row._mapping[column.name]): row._mapping for row in rows}


async def require_row(session: AsyncSession, table: Table, key: str, *, missing: str) -> RowMapping:
    """The row, or a rule violation saying `missing` (a service acts only on what it was told)."""
    row = await find_row(session, table, key)
    if row is None:
        raise DomainRuleViolated(missing)
    return row


class KeyedRows(Generic[R]):
    """One service's keyed read model, read back as the service's own type."""

    def __init__(self, table: Table, make: Callable[..., R], *, missing: Callable[[str], str]) -> None:
        self._table, self._make, self.missing = table, make, missing

    async def find(self, session: AsyncSession, key: str) -> R | None:
        row = await find_row(session, self._table, key)
        return None if row is None else self._make(**row)

    async def find_many(self, session: AsyncSession, keys: Sequence[str]) -> dict[str, R]:
        """Many rows in one query (batch imports)."""
        return {
            found: self._make(**row) for found, row in (await find_rows(session, self._table, keys)).items()
        }

    async def require(self, session: AsyncSession, key: str) -> R:
        """The row, or a rule violation: a service acts only on what it was told."""
        return self._make(**await require_row(session, self._table, key, missing=self.missing(key)))
