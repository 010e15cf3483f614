"""Event store: append with expected version, load with snapshots and upcasting, outbox."""

from chassis.eventstore.store import ConcurrencyError, EventStore, Snapshot, StoredEvent

__all__ = ["ConcurrencyError", "EventStore", "Snapshot", "StoredEvent"]
