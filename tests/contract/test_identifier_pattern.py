"""Identifiers have one pattern that every validator agrees on: pydantic, Python's
`jsonschema` and `fastjsonschema` (a second, independent regex translation) decide the
same on generated values, through the JSON Schema the contracts export."""

from __future__ import annotations

import fastjsonschema
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from contracts.events.registry import WorkerRegistered
from contracts.primitives import IDENTIFIER_PATTERN, Identifier
from contracts.schemas import event_schema

IDENTIFIER = TypeAdapter(Identifier)
SCHEMA = event_schema(WorkerRegistered)
WORKER_ID = SCHEMA["properties"]["worker_id"]
STRICT = jsonschema.Draft202012Validator(WORKER_ID, format_checker=None)
FAST = fastjsonschema.compile(WORKER_ID)


def by_pydantic(value: str) -> bool:
    try:
        IDENTIFIER.validate_python(value)
    except ValidationError:
        return False
    return True


def by_jsonschema(value: str) -> bool:
    return bool(STRICT.is_valid(value))


def by_fastjsonschema(value: str) -> bool:
    try:
        FAST(value)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def verdicts(value: str) -> tuple[bool, bool, bool]:
    return by_pydantic(value), by_jsonschema(value), by_fastjsonschema(value)


def test_the_exported_schema_carries_the_one_pattern() -> None:
    assert WORKER_ID["pattern"] == IDENTIFIER_PATTERN
    assert WORKER_ID.get("maxLength", 128) <= 128


# The characters that told the old `^\S+$` apart between validators, the ones ids use, and
# whitespace, NUL, non-ASCII letters and marks.
TRICKY = "\x00\x1c\x1d\x1e\x1f\x85\xa0\u2028\u3000\t\n\r 工匠é._:@-/\\#%"
ALPHABET = st.sampled_from(TRICKY) | st.characters(codec="utf-8") | st.sampled_from("aZ09")


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=ALPHABET, min_size=0, max_size=140))
def test_pydantic_and_two_json_schema_validators_agree(value: str) -> None:
    pydantic_says, jsonschema_says, fast_says = verdicts(value)
    assert pydantic_says == jsonschema_says == fast_says, (value, verdicts(value))


@pytest.mark.parametrize("value", ["w-1", "weichai", "a.b_c:d@e-f", "01J0ABCDEF", "x" * 128])
def test_ids_in_use_are_accepted(value: str) -> None:
    assert verdicts(value) == (True, True, True)


@pytest.mark.parametrize("value", ["", "w 1", "w\x1c1", "w\x001", "工匠", "-lead", "x" * 129, "w\n", "a/b"])
def test_other_ids_are_refused_by_all(value: str) -> None:
    assert verdicts(value) == (False, False, False)


def test_a_whole_event_validates_the_same_everywhere() -> None:
    class Probe(BaseModel):
        worker_id: Identifier

    document = {"worker_id": "w\x1c1"}
    with pytest.raises(ValidationError):
        Probe.model_validate(document)
    assert not jsonschema.Draft202012Validator(Probe.model_json_schema()).is_valid(document)
