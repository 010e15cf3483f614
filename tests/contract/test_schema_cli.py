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
    assert (tmp_path / "envelope.schema.json").exists()
