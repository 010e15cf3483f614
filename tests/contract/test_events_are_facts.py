"""Events are facts: their models check shape and types only, so yesterday's facts always load.

Business rules live once, in the deciding service's pure domain. A rule tightened there
must not stop a stream recorded under the old rule from loading, nor a consumer from
taking its old events.
"""

from __future__ import annotations

import pytest

from contracts.catalog import EVENT_TYPES, LEGACY_EVENT_TYPES
from contracts.events.base import Event

ALL_EVENT_MODELS = sorted(
    {*EVENT_TYPES.values(), *LEGACY_EVENT_TYPES.values()}, key=lambda cls: cls.__qualname__
)


@pytest.mark.parametrize("event_class", ALL_EVENT_MODELS, ids=lambda cls: cls.__qualname__)
def test_no_event_model_carries_a_rule_of_its_own(event_class: type[Event]) -> None:
    """Validators that relate fields (dates in order, a grant within a budget) are rules:
    they belong to the domain. Field constraints (lengths, patterns, bounds of a scale) are shape."""
    decorators = event_class.__pydantic_decorators__
    rules = [*decorators.model_validators, *decorators.field_validators]
    assert rules == [], f"{event_class.__qualname__} validates {rules}: move that rule to the domain"
