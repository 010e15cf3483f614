"""Every version of every event ever shipped must still load: the golden samples prove it."""

from __future__ import annotations

import json
from importlib.resources import files
from importlib.resources.abc import Traversable

import pytest

from contracts.catalog import EVENT_TYPES, LEGACY_EVENT_TYPES, parse_record, registered_upcasters
from contracts.samples import SAMPLES

GOLDEN = files("contracts") / "golden"


def golden_files() -> list[Traversable]:
    return sorted((f for f in GOLDEN.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)


def version_of(golden: Traversable) -> tuple[str, int]:
    event_type, version, _ = golden.name.split(".")
    assert version.startswith("v"), golden.name
    return event_type, int(version[1:])


@pytest.mark.parametrize("golden", golden_files(), ids=lambda f: f.name)
def test_golden_sample_parses_to_the_current_version(golden: Traversable) -> None:
    event_type, version = version_of(golden)
    raw = json.loads(golden.read_bytes())
    assert (raw["event_type"], raw["schema_version"]) == (event_type, version)

    envelope, event = parse_record(golden.read_bytes())

    current = EVENT_TYPES[event_type]
    assert type(event) is current
    assert envelope.schema_version == current.schema_version
    assert envelope.payload == event.model_dump(mode="json")
    unchanged = {name: value for name, value in raw.items() if name not in ("schema_version", "payload")}
    assert envelope.model_dump(mode="json", exclude={"schema_version", "payload"}) == unchanged


@pytest.mark.parametrize("golden", golden_files(), ids=lambda f: f.name)
def test_golden_sample_round_trips(golden: Traversable) -> None:
    envelope, event = parse_record(golden.read_bytes())
    assert parse_record(envelope.to_bytes()) == (envelope, event)
    if version_of(golden)[1] == envelope.schema_version:
        # A current-version sample is already canonical: re-encoding changes nothing.
        assert json.loads(envelope.to_bytes()) == json.loads(golden.read_bytes())


def test_every_version_of_every_event_has_a_golden_sample() -> None:
    present = {golden.name for golden in golden_files()}
    expected = {
        f"{event_type}.v{version}.json"
        for event_type, event_class in EVENT_TYPES.items()
        for version in range(1, event_class.schema_version + 1)
    }
    assert sorted(expected - present) == [], "add a golden sample: craftsman-contracts golden --out ..."
    assert sorted(present - expected) == [], "golden samples of unknown types or future versions"


def test_every_superseded_version_keeps_its_model_and_its_sample_matches_it() -> None:
    for golden in golden_files():
        event_type, version = version_of(golden)
        if version == EVENT_TYPES[event_type].schema_version:
            continue
        legacy = LEGACY_EVENT_TYPES.get((event_type, version))
        assert legacy is not None, f"{golden.name}: add its model to contracts/events/legacy.py"
        legacy.model_validate(json.loads(golden.read_bytes())["payload"])


def test_every_superseded_version_has_an_upcaster_and_no_upcaster_is_stray() -> None:
    needed = {
        (event_type, version)
        for event_type, event_class in EVENT_TYPES.items()
        for version in range(1, event_class.schema_version)
    }
    assert set(registered_upcasters()) == needed


def test_the_samples_cover_every_event_version() -> None:
    sampled = {(s.event.event_type, s.event.schema_version) for s in SAMPLES}
    current = {(event_type, cls.schema_version) for event_type, cls in EVENT_TYPES.items()}
    assert sampled == current | set(LEGACY_EVENT_TYPES)
