"""`craftsman schema export`: the contracts' JSON Schemas and the AsyncAPI documents, for integrators."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from contracts.catalog import EVENT_TYPES, LEGACY_EVENT_TYPES
from contracts.schemas import ENVELOPE_SCHEMA_FILE, schema_file_name
from deploy.asyncapi import DOCUMENTED, PLATFORM_FILE
from ops.schema import ASYNCAPI_DIR, JSON_SCHEMA_DIR


def event_types_in(node: Any) -> set[str]:
    """Every `event_type` constant of a message schema anywhere in an AsyncAPI document."""
    found: set[str] = set()
    if isinstance(node, dict):
        const = node.get("properties", {}).get("event_type", {}).get("const")
        if isinstance(const, str):
            found.add(const)
        for value in node.values():
            found |= event_types_in(value)
    elif isinstance(node, list):
        for value in node:
            found |= event_types_in(value)
    return found


def test_the_export_writes_valid_json_with_every_event_type(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "ops", "schema", "export", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    documents = {
        path.relative_to(tmp_path).as_posix(): json.loads(path.read_text())
        for path in tmp_path.rglob("*")
        if path.is_file()
    }

    schemas = {
        name.removeprefix(f"{JSON_SCHEMA_DIR}/") for name in documents if name.startswith(JSON_SCHEMA_DIR)
    }
    expected = {schema_file_name(kind) for kind in [*EVENT_TYPES.values(), *LEGACY_EVENT_TYPES.values()]}
    assert schemas == expected | {ENVELOPE_SCHEMA_FILE}
    asyncapi = {name.removeprefix(f"{ASYNCAPI_DIR}/") for name in documents if name.startswith(ASYNCAPI_DIR)}
    assert asyncapi == {PLATFORM_FILE} | {f"asyncapi.{spec.name}.json" for spec in DOCUMENTED}
    platform = documents[f"{ASYNCAPI_DIR}/{PLATFORM_FILE}"]
    assert platform["asyncapi"].startswith("3.")
    assert event_types_in(platform) >= set(EVENT_TYPES)
