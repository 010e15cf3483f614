"""Every service's /openapi.json documents every answer: a schema for the success status,
the one error shape for every 4xx, and an Idempotency-Key that is a UUID, never null."""

from __future__ import annotations

from typing import Any

import pytest

from chassis.service import ServiceSpec, http_app
from services.competitions.service import SPEC as COMPETITIONS
from services.registry.service import SPEC as REGISTRY
from services.rewards.service import SPEC as REWARDS
from services.training.service import SPEC as TRAINING

SPECS = {spec.name: spec for spec in (REGISTRY, COMPETITIONS, TRAINING, REWARDS)}
ERROR_REF = "#/components/schemas/ErrorAnswer"


def operations(spec: ServiceSpec) -> tuple[dict[str, Any], list[tuple[str, str, dict[str, Any]]]]:
    document = http_app(spec).openapi()
    found = [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    return document, found


@pytest.mark.parametrize("name", list(SPECS))
def test_every_operation_declares_its_answers(name: str) -> None:
    document, found = operations(SPECS[name])
    assert len(found) >= 5
    problems = []
    for method, path, operation in found:
        responses = operation["responses"]
        success = [status for status in responses if status.startswith("2")]
        if not success:
            problems.append(f"{method} {path}: no success status")
        for status in success:
            schema = responses[status].get("content", {}).get("application/json", {}).get("schema")
            if not schema or schema == {}:
                problems.append(f"{method} {path} {status}: no response schema")
        public = {} in operation.get("security", [])  # needs no credentials: nothing to refuse
        expected = set() if public else {"401", "403", "413", "422"}
        if method == "POST":
            expected |= {"200", "400", "404", "409"}
        missing = expected - set(responses)
        if missing:
            problems.append(f"{method} {path}: undocumented {sorted(missing)}")
        for status, response in responses.items():
            if status.startswith("4"):
                schema = response["content"]["application/json"]["schema"]
                if schema != {"$ref": ERROR_REF}:
                    problems.append(f"{method} {path} {status}: not the one error shape: {schema}")
    assert not problems, "\n".join(problems)
    error = document["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "message"}
    assert set(error["properties"]) == {"code", "message", "rule", "field"}


@pytest.mark.parametrize("name", list(SPECS))
def test_the_idempotency_key_is_a_uuid_and_never_null(name: str) -> None:
    _, found = operations(SPECS[name])
    # A batch import is answered per item: sent again, each item already applied is refused
    # by its rule ("registered already"), so nothing applies twice without a key.
    commands = [
        operation for method, path, operation in found if method == "POST" and not path.endswith("/import")
    ]
    assert commands
    for operation in commands:
        (header,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert header["in"] == "header" and header["required"] is False
        assert header["schema"]["type"] == "string" and header["schema"]["format"] == "uuid"
        assert "anyOf" not in header["schema"], "nullable: clients would send the string null"
