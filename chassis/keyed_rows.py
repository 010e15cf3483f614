"""Read models keyed by one column, projected from events: the mechanism only.

A service declares its own table (its columns) and says which facts of which event
fill a row; this module upserts that row and reads it back. It knows no event and no
service, so the chassis stays below the services.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from chassis.errors import DomainRuleViolated
from chassis.inbox import Handler
from chassis.sqlutil import dialect_name, one_of, upsert_rows
from contracts.envelope import Envelope
from contracts.events.base import Event

E = TypeVar("E", bound=Event)
R = TypeVar("R")


def _key_column(table: Table) -> str:
    (key,) = table.primary_key.columns  # one-column keys only: the row *is* its key's latest facts
    return key.name


# The row's key in an UPDATE's WHERE clause: a bind name no column has, so the other values
# fill the SET clause by their column names.
_ROW_KEY = "keyed_row_key"


def upsert_from(table: Table, facts: Callable[[E], Mapping[str, Any]]) -> Handler:
    """The inbox handler that keeps `table`'s row of each event's key at the event's facts.

    Facts for columns the table does not have are left out, so a service's table may
    keep fewer columns than the event carries.
    """
    key = _key_column(table)
    # One statement per dialect and set of columns, its values passed as parameters: built
    # per event (values inlined, a fresh `excluded` alias and cache key each time) it cost a
    # training consumer more CPU than executing it (py-spy under end-to-end load).
    statements: dict[tuple[str, tuple[str, ...]], Insert] = {}

    async def keep_row(session: AsyncSession, envelope: Envelope, event: E) -> None:
        values = {name: value for name, value in facts(event).items() if name in table.c}
        shape = (dialect_name(session), tuple(values))
        statement = statements.get(shape)
        if statement is None:
            statement = statements[shape] = upsert_rows(session, table, shape[1], keys=(key,))
        await session.execute(statement, values)

    return keep_row


def update_from(table: Table, facts: Callable[[E], Mapping[str, Any]]) -> Handler:
    """The inbox handler that changes the row of each event's key, if there is one."""
    key = _key_column(table)
    statement = update(table).where(table.c[key] == bindparam(_ROW_KEY))

    async def change_row(session: AsyncSession, envelope: Envelope, event: E) -> None:
        values = dict(facts(event))
        values[_ROW_KEY] = values.pop(key)
        await session.execute(statement, values)

    return change_row


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
