"""Aggregates decide and record past-tense events; their state is a fold of those events."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from contracts.envelope import StreamRef
from contracts.events.base import Event


class Aggregate:
    stream_type: ClassVar[str]
    # The shape of `snapshot_state`: bump it whenever that shape changes, and snapshots of
    # an older shape are ignored (the aggregate is rebuilt from its events) instead of misread.
    snapshot_version: ClassVar[int] = 1

    def __init__(self, aggregate_id: str, tenant: str = "") -> None:
        self.id = aggregate_id
        self.tenant = tenant
        self.version = 0  # the last stored version this state includes
        self.pending: list[Event] = []

    @property
    def stream(self) -> StreamRef:
        return StreamRef(type=self.stream_type, id=self.id)

    def record(self, event: Event) -> None:
        self.apply(event)
        self.pending.append(event)

    def apply(self, event: Event) -> None:
        """Fold one event into the state; must not fail for a stored event."""
        raise NotImplementedError

    def snapshot_state(self) -> dict[str, Any] | None:
        """The state to snapshot, or None when this aggregate does not snapshot."""
        return None

    @classmethod
    def snapshots(cls) -> bool:
        """Whether this kind takes snapshots (overrides snapshot_state); if not, loads skip the lookup."""
        return cls.snapshot_state is not Aggregate.snapshot_state

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        raise NotImplementedError(f"{cls.__name__} does not restore snapshots")
