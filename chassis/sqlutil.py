"""Dialect-specific statements that SQLAlchemy Core spells differently per backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, Table, Text, all_, any_, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.dml import Insert


def dialect_name(bind: AsyncSession | AsyncConnection) -> str:
    if isinstance(bind, AsyncSession):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def _insert(bind: AsyncSession | AsyncConnection, table: Table) -> Any:
    if dialect_name(bind) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignoring_duplicates(bind: AsyncSession | AsyncConnection, table: Table) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING: the idempotency primitive of inboxes and ledgers."""
    statement: Insert = _insert(bind, table).on_conflict_do_nothing()
    return statement


def upsert(
    bind: AsyncSession | AsyncConnection,
    table: Table,
    values: dict[str, Any],
    *,
    keys: Sequence[str],
) -> Insert:
    statement = _insert(bind, table).values(values)
    updates = {name: statement.excluded[name] for name in values if name not in keys}
    upserted: Insert = statement.on_conflict_do_update(index_elements=list(keys), set_=updates)
    return upserted


def upsert_rows(
    bind: AsyncSession | AsyncConnection, table: Table, columns: Sequence[str], *, keys: Sequence[str]
) -> Insert:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET the other columns, for many rows in one executemany."""
    statement = _insert(bind, table)
    updates = {name: statement.excluded[name] for name in columns if name not in keys}
    upserted: Insert = statement.on_conflict_do_update(index_elements=list(keys), set_=updates)
    return upserted


def upsert_adding(bind: AsyncSession | AsyncConnection, table: Table, *, key: str, column: str) -> Insert:
    """INSERT … ON CONFLICT (key) DO UPDATE SET column = column + excluded.column: a counter
    bumped for many rows in one executemany."""
    statement = _insert(bind, table)
    adding: Insert = statement.on_conflict_do_update(
        index_elements=[key], set_={column: table.c[column] + statement.excluded[column]}
    )
    return adding


def one_of(dialect: str, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """column IN values: one array parameter on Postgres rather than one parameter per value."""
    if dialect == "postgresql":
        return column == any_(literal(list(values), _array_of(column)))  # type: ignore[no-any-return]
    return column.in_(values)  # type: ignore[no-any-return]


def not_in(dialect: str, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """column NOT IN values, with one array parameter on Postgres."""
    if dialect == "postgresql":
        return column != all_(literal(list(values), _array_of(column)))  # type: ignore[no-any-return]
    return column.not_in(values)  # type: ignore[no-any-return]


def _array_of(column: Any) -> ARRAY[Any]:
    return ARRAY(BigInteger if isinstance(column.type, BigInteger | Integer) else Text)
