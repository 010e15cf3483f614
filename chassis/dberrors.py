"""Integrity errors classified by the constraint they violated, on Postgres and SQLite alike.

Postgres (asyncpg) reports the SQLSTATE and the constraint's name. SQLite reports an
extended error code (SQLITE_CONSTRAINT_UNIQUE, …) and, in its documented format
"UNIQUE constraint failed: table.col, …", the columns of the violated key; the name is
then found in the SQLAlchemy metadata. Nothing here searches a message for a column name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import MetaData, PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.exc import IntegrityError

Kind = Literal["unique", "foreign_key", "not_null", "check", "other"]

_KIND_OF_SQLSTATE: dict[str, Kind] = {
    "23505": "unique",
    "23503": "foreign_key",
    "23502": "not_null",
    "23514": "check",
}
_KIND_OF_SQLITE_CODE: dict[str, Kind] = {
    "SQLITE_CONSTRAINT_UNIQUE": "unique",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "unique",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key",
    "SQLITE_CONSTRAINT_NOTNULL": "not_null",
    "SQLITE_CONSTRAINT_CHECK": "check",
}
_SQLITE_KEY = re.compile(r"^(?:UNIQUE|PRIMARY KEY) constraint failed: (?P<columns>.+)$")
_SQLITE_NOT_NULL = re.compile(r"^NOT NULL constraint failed: \w+\.(?P<column>\w+)$")


@dataclass(frozen=True, slots=True)
class Violation:
    kind: Kind
    constraint: str | None  # None when the database did not say (or the key is unnamed)
    column: str | None = None  # the column a NOT NULL refusal names


def classify(error: IntegrityError, metadata: Iterable[MetaData]) -> Violation:
    """The kind of integrity violation and the name of the constraint that was violated."""
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:  # Postgres through asyncpg
        driver = getattr(orig, "orig", None)  # asyncpg's own exception, wrapped by SQLAlchemy
        name = getattr(driver, "constraint_name", None)
        column = getattr(driver, "column_name", None)
        return Violation(_KIND_OF_SQLSTATE.get(str(sqlstate), "other"), name, column)
    kind = _KIND_OF_SQLITE_CODE.get(str(getattr(orig, "sqlite_errorname", "")), "other")
    if kind == "not_null":
        found_column = _SQLITE_NOT_NULL.match(str(orig.args[0]) if orig is not None and orig.args else "")
        return Violation(kind, None, found_column["column"] if found_column else None)
    if kind != "unique":
        return Violation(kind, None)
    found = _SQLITE_KEY.match(str(orig.args[0]) if orig is not None and orig.args else "")
    if found is None:
        return Violation(kind, None)
    qualified = [column.strip() for column in found["columns"].split(",")]
    table = qualified[0].split(".", 1)[0]
    columns = frozenset(column.split(".", 1)[1] for column in qualified)
    return Violation(kind, _key_name(metadata, table, columns))


def violates(error: IntegrityError, constraint: str, metadata: Iterable[MetaData]) -> bool:
    found = classify(error, metadata)
    return (found.kind, found.constraint) == ("unique", constraint)


def _key_name(metadata: Iterable[MetaData], table_name: str, columns: frozenset[str]) -> str | None:
    for meta in metadata:
        table = meta.tables.get(table_name)
        if table is None:
            continue
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint) and (
                frozenset(constraint.columns.keys()) == columns
            ):
                return str(constraint.name) if constraint.name else _postgres_default_name(constraint)
    return None


def _postgres_default_name(constraint: UniqueConstraint | PrimaryKeyConstraint) -> str:
    """An unnamed key is called what Postgres calls it, so both databases report one name."""
    table = constraint.table.name
    if isinstance(constraint, PrimaryKeyConstraint):
        return f"{table}_pkey"
    return "_".join([table, *constraint.columns.keys(), "key"])
