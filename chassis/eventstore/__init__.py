"""Event store: append with expected version, load with snapshots and upcasting, outbox."""

from chassis.eventstore.store import Append, ConcurrencyError, EventStore, Snapshot, StoredEvent

__all__ = ["Append", "ConcurrencyError", "EventStore", "Snapshot", "StoredEvent"]
