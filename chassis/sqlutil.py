"""Dialect-specific statements that SQLAlchemy Core spells differently per backend.

The statements without values are built once per dialect and table, and shared: a statement is
immutable (`.values()`, `.returning()` and the like return copies), and handlers run them per
event, where building one cost more than executing it (py-spy on the per-event projection)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
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
    return _insert_for(dialect_name(bind), table)


def _insert_for(dialect: str, table: Table) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def insert_ignoring_duplicates(bind: AsyncSession | AsyncConnection, table: Table) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING: the idempotency primitive of inboxes and ledgers."""
    return _inserts_ignoring_duplicates(dialect_name(bind), table)


@cache
def _inserts_ignoring_duplicates(dialect: str, table: Table) -> Insert:
    statement: Insert = _insert_for(dialect, table).on_conflict_do_nothing()
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
    return _upserts_of_rows(dialect_name(bind), table, tuple(columns), tuple(keys))


@cache
def _upserts_of_rows(dialect: str, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]) -> Insert:
    statement = _insert_for(dialect, table)
    updates = {name: statement.excluded[name] for name in columns if name not in keys}
    upserted: Insert = statement.on_conflict_do_update(index_elements=list(keys), set_=updates)
    return upserted


def upsert_adding(bind: AsyncSession | AsyncConnection, table: Table, *, key: str, column: str) -> Insert:
    """INSERT … ON CONFLICT (key) DO UPDATE SET column = column + excluded.column: a counter
    bumped for many rows in one executemany."""
    return _upserts_adding(dialect_name(bind), table, key, column)


@cache
def _upserts_adding(dialect: str, table: Table, key: str, column: str) -> Insert:
    statement = _insert_for(dialect, table)
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
