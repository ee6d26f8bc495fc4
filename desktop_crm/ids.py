"""UUIDv7 row identities made on the client (see ``shared/guides/sync.md`` §2.2).

Time-ordered keys keep B-tree inserts local on both SQLite and PostgreSQL; a record's id is its
global id from the moment it is created, so offline work never has to remap keys.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_last_counter = 0


def uuid7(now_ms: int | None = None) -> uuid.UUID:
    """A RFC 9562 UUIDv7: 48-bit Unix milliseconds, then a 12-bit counter and 62 random bits.

    Ids made in the same millisecond by this process stay strictly increasing (the counter in
    ``rand_a`` is the "monotonic random" method of RFC 9562 §6.2).
    """
    global _last_ms, _last_counter
    with _lock:
        ms = int(time.time() * 1000) if now_ms is None else now_ms
        if ms <= _last_ms:
            ms = _last_ms
            _last_counter += 1
            if _last_counter > 0xFFF:
                ms += 1
                _last_counter = 0
        else:
            _last_counter = int.from_bytes(os.urandom(2), "big") & 0x3FF
        _last_ms = ms
        counter = _last_counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def uuid7_time_ms(value: uuid.UUID) -> int:
    return value.int >> 80
