from __future__ import annotations

import time
import uuid

import pytest

from contracts.ids import derived_uuid, uuid7, uuid7_from_parts, uuid7_unix_ms


def test_uuid7_has_version_7_and_the_rfc_variant() -> None:
    value = uuid7()
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_uuid7_carries_the_current_time() -> None:
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    assert before <= uuid7_unix_ms(value) <= after + 1


def test_uuid7_sorts_in_creation_order_even_within_a_millisecond() -> None:
    ids = [uuid7() for _ in range(10_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_uuid7_sorts_by_time_across_milliseconds() -> None:
    earlier = uuid7()
    time.sleep(0.002)
    later = uuid7()
    assert uuid7_unix_ms(earlier) < uuid7_unix_ms(later)
    assert str(earlier) < str(later)  # the text form sorts the same way


def test_uuid7_layout() -> None:
    value = uuid7_from_parts(0x0190A1B2C3D4, (0xABC << 62) | 0x123)
    assert str(value) == "0190a1b2-c3d4-7abc-8000-000000000123"
    with pytest.raises(ValueError):
        uuid7_from_parts(1 << 48, 0)
    with pytest.raises(ValueError):
        uuid7_from_parts(0, 1 << 74)


def test_derived_uuid_is_stable_and_depends_on_both_inputs() -> None:
    cause = uuid7()
    assert derived_uuid(cause, "grant-tier-reward") == derived_uuid(cause, "grant-tier-reward")
    assert derived_uuid(cause, "grant-tier-reward") != derived_uuid(cause, "award-points")
    assert derived_uuid(cause, "grant-tier-reward") != derived_uuid(uuid7(), "grant-tier-reward")
