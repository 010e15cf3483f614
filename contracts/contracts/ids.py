"""Identifiers: time-ordered event ids (UUIDv7) and ids derived from other ids."""

from __future__ import annotations

import os
import secrets
import threading
import time
from uuid import UUID, uuid5

_RANDOM_BITS = 74  # 12 bits of rand_a + 62 bits of rand_b
_RAND_B_BITS = 62
_MAX_UNIX_MS = 1 << 48


def uuid7_from_parts(unix_ms: int, random_bits: int) -> UUID:
    """Build a UUIDv7 (RFC 9562) from a unix millisecond timestamp and 74 random bits."""
    if not 0 <= unix_ms < _MAX_UNIX_MS:
        raise ValueError(f"unix_ms out of the 48-bit range: {unix_ms}")
    if not 0 <= random_bits < 1 << _RANDOM_BITS:
        raise ValueError("random_bits must fit in 74 bits")
    rand_a = random_bits >> _RAND_B_BITS
    rand_b = random_bits & ((1 << _RAND_B_BITS) - 1)
    value = unix_ms << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return UUID(int=value)


def uuid7_unix_ms(value: UUID) -> int:
    """The unix millisecond timestamp carried by a UUIDv7."""
    if value.version != 7:
        raise ValueError(f"not a UUIDv7: {value}")
    return value.int >> 80


class _MonotonicUuid7:
    """Ids from one process sort in the order they were made, even within one millisecond.

    Within a millisecond the 74 random bits act as a counter (RFC 9562 section 6.2,
    method 2); a fresh millisecond starts from random bits with the top bit clear,
    which leaves room for 2**73 ids before the counter could overflow.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_bits = 0

    def reset(self) -> None:
        # A forked child must not continue the parent's counter, or both would
        # produce the same next id.
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_bits = 0

    def next(self) -> UUID:
        now_ms = time.time_ns() // 1_000_000
        with self._lock:
            if now_ms > self._last_ms:
                unix_ms, bits = now_ms, secrets.randbits(_RANDOM_BITS - 1)
            else:
                # Same millisecond, or the clock stepped back: keep counting.
                unix_ms, bits = self._last_ms, self._last_bits + 1
                if bits >> _RANDOM_BITS:
                    unix_ms, bits = unix_ms + 1, secrets.randbits(_RANDOM_BITS - 1)
            self._last_ms, self._last_bits = unix_ms, bits
        return uuid7_from_parts(unix_ms, bits)


_generator = _MonotonicUuid7()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_generator.reset)


def uuid7() -> UUID:
    """A new time-ordered UUIDv7, monotonic within this process."""
    return _generator.next()


def derived_uuid(namespace_id: UUID, name: str) -> UUID:
    """A stable id derived from another id, e.g. a policy's command id from its causing event id.

    The same inputs always give the same id, so a redelivered event yields the same
    command and the command's idempotency check rejects the duplicate.
    """
    return uuid5(namespace_id, name)
