"""The hybrid logical clock (Kulkarni et al., OPODIS 2014) as one 64-bit integer.

``hlc = (l << 16) | c``: ``l`` is Unix milliseconds (48 bits), ``c`` a 16-bit counter. Together with
the writing device (``origin``) it orders writes for last-writer-wins; it cannot tell concurrent
writes from causal ones (that is what the row version ``_ver`` is for, see ``sync.md`` §2.3).

The functions are pure: the state is the last value handed out, kept by the caller (in SQLite the
``_sync_meta`` row ``hlc``, read and written inside the capturing transaction).
"""

from __future__ import annotations

import time
from collections.abc import Callable

COUNTER_BITS = 16
COUNTER_MAX = (1 << COUNTER_BITS) - 1
# A device refuses to move its clock further than this ahead of its physical clock, and the server
# refuses HLCs that far ahead of its own clock (sync.md §2.3: a product decision, 5 minutes).
MAX_DRIFT_MS = 5 * 60 * 1000
# Beyond this difference from the server's clock the user is told to set the clock right (sync still
# runs up to MAX_DRIFT_MS; beyond that it stops until the clock is fixed).
CLOCK_WARN_MS = 2 * 60 * 1000

Clock = Callable[[], float]


class ClockDriftError(Exception):
    """A remote HLC is further ahead of our physical clock than the drift bound."""

    def __init__(self, ahead_ms: int) -> None:
        super().__init__(f"remote clock ahead by {ahead_ms} ms")
        self.ahead_ms = ahead_ms


def pack(millis: int, counter: int) -> int:
    return (millis << COUNTER_BITS) | counter


def unpack(hlc: int) -> tuple[int, int]:
    return hlc >> COUNTER_BITS, hlc & COUNTER_MAX


def physical_ms(clock: Clock = time.time) -> int:
    return int(clock() * 1000)


def tick(last: int, now_ms: int) -> int:
    """A local (or send) event: ``l' = max(l, pt)``; the counter counts events within one ``l``.

    When the counter would overflow (more than 65,535 events in one millisecond) ``l`` advances by
    one millisecond instead, so the result still fits and is still greater than ``last``.
    """
    l_old, c_old = unpack(last)
    if now_ms > l_old:
        return pack(now_ms, 0)
    if c_old < COUNTER_MAX:
        return pack(l_old, c_old + 1)
    return pack(l_old + 1, 0)


def receive(last: int, remote: int, now_ms: int, max_drift_ms: int = MAX_DRIFT_MS) -> int:
    """A receive event: ``l' = max(l, l_m, pt)`` with the paper's counter cases.

    Raises :class:`ClockDriftError` (and changes nothing) when the remote clock is more than
    ``max_drift_ms`` ahead of ``now_ms``: we never let a faulty peer drag our clock into the future.
    """
    l_old, c_old = unpack(last)
    l_rem, c_rem = unpack(remote)
    if l_rem - now_ms > max_drift_ms:
        raise ClockDriftError(l_rem - now_ms)
    l_new = max(l_old, l_rem, now_ms)
    if l_new == l_old == l_rem:
        counter = max(c_old, c_rem) + 1
    elif l_new == l_old:
        counter = c_old + 1
    elif l_new == l_rem:
        counter = c_rem + 1
    else:
        counter = 0
    if counter > COUNTER_MAX:
        return pack(l_new + 1, 0)
    return pack(l_new, counter)


def observe(last: int, remote: int, now_ms: int, max_drift_ms: int = MAX_DRIFT_MS) -> int:
    """Receive rule for pulled rows: like :func:`receive`, but a remote value beyond the drift
    bound is ignored (the row is still applied; our clock just does not follow it)."""
    try:
        return receive(last, remote, now_ms, max_drift_ms)
    except ClockDriftError:
        return last
