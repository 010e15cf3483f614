from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from contracts.catalog import EVENT_TYPES, LEGACY_EVENT_TYPES
from contracts.cli import main
from contracts.topics import ALL_EVENT_TOPICS, INBOUND_HR


@pytest.fixture(scope="module")
def schema_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("schemas")
    assert main(["schemas", "--out", str(out)]) == 0
    return out


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_event_version_and_the_envelope_get_a_schema(schema_dir: Path) -> None:
    versions = [(t, c.schema_version) for t, c in EVENT_TYPES.items()] + list(LEGACY_EVENT_TYPES)
    for event_type, version in versions:
        schema = load(schema_dir / f"{event_type}.v{version}.schema.json")
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
    envelope = load(schema_dir / "envelope.schema.json")
    assert {"event_id", "payload", "key", "stream"} <= set(envelope["required"])


def test_golden_payloads_fit_their_schemas(schema_dir: Path) -> None:
    # No JSON Schema validator is a dependency; check the shape that matters most.
    for golden in (files("contracts") / "golden").iterdir():
        envelope = json.loads(golden.read_bytes())
        schema = load(schema_dir / golden.name.replace(".json", ".schema.json"))
        payload = set(envelope["payload"])
        assert set(schema["required"]) <= payload <= set(schema["properties"]), golden.name


def resolve(document: Any, ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs_in(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs_in(value)]
    return []


def test_asyncapi_names_every_topic_and_every_event(schema_dir: Path) -> None:
    document = load(schema_dir / "asyncapi.json")
    assert document["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {*ALL_EVENT_TOPICS, INBOUND_HR}
    names = {message["name"] for message in document["components"]["messages"].values()}
    assert names == set(EVENT_TYPES)
    actions = {operation["action"] for operation in document["operations"].values()}
    assert actions == {"send", "receive"}
    for ref in refs_in(document):
        assert resolve(document, ref) is not None, ref


def test_golden_writes_missing_samples_and_keeps_existing_ones(tmp_path: Path) -> None:
    assert main(["golden", "--out", str(tmp_path)]) == 0
    written = sorted(path.name for path in tmp_path.iterdir())
    committed = sorted(path.name for path in (files("contracts") / "golden").iterdir())
    assert written == committed
    (tmp_path / "TierPromoted.v1.json").write_text("kept", encoding="utf-8")
    assert main(["golden", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "TierPromoted.v1.json").read_text(encoding="utf-8") == "kept"


def test_check_reports_broken_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.json"
    good.write_bytes((files("contracts") / "golden" / "WorkerRegistered.v1.json").read_bytes())
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert main(["check", str(good)]) == 0
    assert main(["check", str(good), str(bad)]) == 1
    assert "[malformed]" in capsys.readouterr().out


def test_python_dash_m_contracts_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "contracts", "schemas", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "asyncapi.json").exists()
