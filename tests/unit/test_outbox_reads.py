"""The relay's pure helpers: how what is in flight is described to a read, and a record's headers."""

from __future__ import annotations

import json

from chassis.outbox_reads import in_flight_ranges, kafka_headers


def test_an_unbroken_run_is_its_range() -> None:
    assert in_flight_ranges([5, 6, 7, 8]) == (5, 8, [])


def test_a_run_with_holes_lists_them_in_order() -> None:
    assert in_flight_ranges([10, 14, 11, 13, 16]) == (10, 16, [12, 15])


def test_positions_far_apart_are_left_as_a_list() -> None:
    assert in_flight_ranges([1, 2, 100]) is None


def test_headers_keep_their_order_and_encode_as_utf8() -> None:
    stored = json.dumps({"event_type": "WorkerRegistered", "tracestate": "ü=1", "event_id": "e-1"})
    assert kafka_headers(stored) == [
        ("event_type", b"WorkerRegistered"),
        ("tracestate", "ü=1".encode()),
        ("event_id", b"e-1"),
    ]
