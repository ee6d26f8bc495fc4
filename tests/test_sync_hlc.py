"""Property tests of the hybrid logical clock (sync.md §3.4)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from desktop_crm.sync import hlc

millis = st.integers(min_value=0, max_value=(1 << 47))
counters = st.integers(min_value=0, max_value=hlc.COUNTER_MAX)
clocks = st.builds(hlc.pack, millis, counters)


@given(clocks, millis)
def test_tick_is_strictly_monotone_and_not_behind_physical_time(last, now):
    new = hlc.tick(last, now)
    assert new > last
    assert hlc.unpack(new)[0] >= now


@given(clocks, st.lists(millis, min_size=1, max_size=50))
def test_a_sequence_of_ticks_never_repeats_even_when_the_clock_goes_back(start, nows):
    seen = [start]
    for now in nows:
        seen.append(hlc.tick(seen[-1], now))
    assert seen == sorted(set(seen))


@given(millis)
def test_counter_overflow_advances_the_millisecond(now):
    full = hlc.pack(now, hlc.COUNTER_MAX)
    assert hlc.tick(full, now) == hlc.pack(now + 1, 0)
    assert hlc.receive(full, full, now) == hlc.pack(now + 1, 0)


@given(clocks, clocks, millis)
def test_receive_is_after_both_events_when_within_the_drift_bound(last, remote, now):
    l_rem = hlc.unpack(remote)[0]
    if l_rem - now > hlc.MAX_DRIFT_MS:
        try:
            hlc.receive(last, remote, now)
        except hlc.ClockDriftError as error:
            assert error.ahead_ms == l_rem - now
        else:
            raise AssertionError("a remote clock beyond the bound was accepted")
        assert hlc.observe(last, remote, now) == last
        return
    new = hlc.receive(last, remote, now)
    assert new > last and new > remote
    assert hlc.unpack(new)[0] >= now


@given(clocks, millis, st.integers(min_value=0, max_value=10_000))
def test_drift_stays_bounded_by_the_largest_clock_seen(last, now, skew):
    """l never runs ahead of max(own physical time, accepted remote time) except by overflow."""
    remote = hlc.pack(now + min(skew, hlc.MAX_DRIFT_MS), 0)
    new = hlc.receive(last, remote, now)
    assert hlc.unpack(new)[0] <= max(hlc.unpack(last)[0], hlc.unpack(remote)[0], now) + 1
