"""The documents for integrators: the contracts' JSON Schemas and the services' AsyncAPI documents.

Both are written by the code that owns them (`contracts.cli.write_schemas`,
`deploy.asyncapi.write`); this only puts them side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contracts.cli import write_schemas
from deploy import asyncapi

JSON_SCHEMA_DIR = "json-schema"
ASYNCAPI_DIR = "asyncapi"


@dataclass(frozen=True, slots=True)
class Exported:
    json_schemas: list[Path]
    asyncapi: list[Path]


def export(out: Path) -> Exported:
    """Writes `<out>/json-schema/*.json` and `<out>/asyncapi/*.json` (not in a running event loop)."""
    return Exported(
        json_schemas=write_schemas(out / JSON_SCHEMA_DIR), asyncapi=asyncapi.write(out / ASYNCAPI_DIR)
    )
