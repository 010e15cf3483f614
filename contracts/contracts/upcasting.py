"""Upcasters: functions that lift an old payload one schema version up."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from contracts.errors import InvalidPayload, MissingUpcaster

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcaster(event_type: str, *, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function that turns a `from_version` payload into a `from_version + 1` one."""
    if from_version < 1:
        raise ValueError("from_version must be >= 1")

    def register(function: Upcaster) -> Upcaster:
        step = (event_type, from_version)
        if step in _UPCASTERS:
            raise ValueError(f"{event_type} already has an upcaster from v{from_version}")
        _UPCASTERS[step] = function
        return function

    return register


def registered_upcasters() -> Mapping[tuple[str, int], Upcaster]:
    """Every registered step, keyed by (event type, version it lifts from)."""
    return MappingProxyType(_UPCASTERS)


def lift(event_type: str, from_version: int, to_version: int, payload: Payload) -> Payload:
    """Apply the chain of upcasters from `from_version` to `to_version`.

    The caller's payload is never modified, so an upcaster may mutate its input.
    """
    if from_version == to_version:
        return dict(payload)  # the common case: skip the deep copy
    lifted = copy.deepcopy(payload)
    for version in range(from_version, to_version):
        step = _UPCASTERS.get((event_type, version))
        if step is None:
            raise MissingUpcaster(event_type, version)
        try:
            lifted = step(lifted)
        except (KeyError, TypeError, ValueError) as error:
            # An old payload lacking what its own version required is invalid, not a bug here.
            raise InvalidPayload(event_type, version, f"cannot upcast: {error!r}") from error
    return lifted
