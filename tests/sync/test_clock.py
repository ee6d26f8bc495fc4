"""A computer clock that is off (sync.md §2.3, §2.14): sync stops with a clear, translated "set your
clock" message before any write, keeps every pending change, and goes on once the clock is right."""

from __future__ import annotations

import time
import uuid

import pytest

from desktop_crm import i18n
from desktop_crm.cli import main
from desktop_crm.models import Company, database, hooks
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.system import sync as sync_service
from desktop_crm.sync import capture, hlc
from desktop_crm.sync.server import CLOCK_HINT, ClockOffError
from desktop_crm.views.sync.status import SyncStatusWidget
from desktop_crm.workers import synchronous
from tests.sync.helpers import admin, new_replica, outbox_size, use

pytestmark = pytest.mark.postgres


def skewed(seconds):
    return lambda: time.time() + seconds


def clocks_off(monkeypatch, seconds):
    """Every database this process makes from now on gets a clock ``seconds`` off: a hook
    registered after sync's own, the way ``cli.main`` registers sync's."""
    base = [h for h in hooks.SQLITE_DATABASE_HOOKS if h is capture.register_sqlite_functions]

    def skew(db):
        capture.set_clock(db, skewed(seconds))

    monkeypatch.setattr(hooks, "SQLITE_DATABASE_HOOKS", [*base, skew])


def server_companies(url):
    with admin(url) as conn:
        return sorted(r[0] for r in conn.execute("SELECT legal_name FROM company").fetchall())


@pytest.mark.parametrize(("skew", "word"), [(3600, "ahead of"), (-600, "behind")])
def test_a_clock_off_by_more_than_the_bound_stops_sync_before_any_write(server_url, tmp_path, skew, word):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    Company.create(legal_name="Pending")
    capture.set_clock(a.db, skewed(skew))
    with pytest.raises(ClockOffError, match=f"clock is .* {word} the server's") as caught:
        a.sync()
    assert "Set the correct date, time and time zone" in caught.value.message
    assert abs(caught.value.offset_ms - skew * 1000) < 5_000
    assert outbox_size(a) == 1  # kept, not parked
    assert a.db.execute_sql("SELECT count(*) FROM _outbox_parked").fetchone() == (0,)
    assert server_companies(server_url) == []
    with admin(server_url) as conn:  # refused before the device registration
        assert conn.execute("SELECT count(*) FROM sync.device").fetchone() == (0,)
    capture.set_clock(a.db, time.time)
    assert a.sync().pushed == 1 and server_companies(server_url) == ["Pending"]


def test_changes_stamped_while_the_clock_ran_ahead_are_sent_once_it_is_set_right(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    Company.create(legal_name="Fine")
    capture.set_clock(a.db, skewed(3600))
    Company.create(legal_name="From the future")
    with pytest.raises(ClockOffError):
        a.sync()
    capture.set_clock(a.db, time.time)  # the user fixed the clock
    Company.create(legal_name="After the fix")  # ticks from the (future) stored state
    result = a.sync()
    assert (result.pushed, result.parked) == (3, 0)
    assert server_companies(server_url) == ["After the fix", "Fine", "From the future"]
    state = hlc.unpack(int(capture.meta_get(a.db, "hlc")))[0]
    assert state < (time.time() + 60) * 1000  # the stored clock state is back to the present
    Company.create(legal_name="Later")
    assert a.sync().pushed == 1


def test_a_clock_a_little_off_syncs_and_warns(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    Company.create(legal_name="Pending")
    capture.set_clock(a.db, skewed(-180))
    result = a.sync()
    assert result.pushed == 1
    assert abs(result.clock_offset_ms + 180_000) < 5_000


def test_status_texts_for_a_clock_a_little_off_and_for_a_stopped_sync():
    from desktop_crm.views.sync.status import describe

    status = sync_service.SyncStatus(mode="replica", last_sync_at="2026-05-01T11:59:30",
                                     clock_offset_ms=-185_000)
    now = __import__("datetime").datetime(2026, 5, 1, 12, 0)
    assert describe(status, now) == "Synced just now · your clock is 3 minutes slow"
    ok = sync_service.SyncStatus(mode="replica", last_sync_at="2026-05-01T11:59:30", clock_offset_ms=60_000)
    assert describe(ok, now) == "Synced just now"
    stopped = sync_service.SyncStatus(mode="replica", clock_error=True, clock_offset_ms=None,
                                      last_error="x")
    assert describe(stopped, now) == "Never synced · sync stopped: set the correct time on this computer"
    days = sync_service.SyncStatus(mode="replica", clock_error=True, clock_offset_ms=-3 * 86_400_000,
                                   last_error="x")
    assert describe(days, now).endswith("your clock is 3 days slow, set the correct time")


def test_the_server_marks_a_refused_stamp_as_a_clock_problem(server_url, tmp_path):
    """Whatever the client checks first, the server's drift bound is what refuses, and it says why."""
    from desktop_crm._drivers import load_psycopg

    errors = load_psycopg().errors
    device = uuid.uuid4()
    future = hlc.pack(int((time.time() + 3600) * 1000), 0)
    with admin(server_url) as conn:
        conn.execute("INSERT INTO sync.device (device_id) VALUES (%s)", (device,))
        with pytest.raises(errors.CheckViolation) as caught:
            conn.execute(
                "INSERT INTO pipeline (id, created_at, updated_at, _ver, _hlc, _origin, _fv, name, "
                "sort_order, is_default) VALUES (gen_random_uuid(), now(), now(), 0, %s, %s, '{}', "
                "'P', 0, false)",
                (future, device),
            )
    assert caught.value.diag.message_hint == CLOCK_HINT


def test_status_bar_tells_to_fix_the_clock_in_russian_and_italian(server_url, tmp_path, qtbot):
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    with a.db.atomic():
        capture.meta_set(a.db, "server_url", server_url)
    Company.create(legal_name="Pending")
    capture.set_clock(a.db, skewed(600))
    with synchronous():
        widget = SyncStatusWidget()
        qtbot.addWidget(widget)
        widget.sync_now()
        assert "sync stopped: your clock is 10 minutes fast, set the correct time" in widget.label.text()
        assert "10 minutes ahead of the server's" in widget.toolTip()
        assert widget.retry_s == 30 and widget.timer.isActive()  # tried again by itself
        i18n.set_language("ru")
        widget.refresh()
        assert "часы спешат на 10 минут" in widget.label.text()
        i18n.set_language("it")
        widget.refresh()
        assert "l'orologio è avanti di 10 minuti" in widget.label.text()
        i18n.set_language("en")
        assert sync_service.status().pending == 1
        capture.set_clock(a.db, time.time)
        widget.sync_now()
        assert widget.label.text().startswith("Synced just now"), widget.label.text()
        assert "clock" not in widget.label.text()


def test_cli_says_to_fix_the_clock_and_exits_non_zero(server_url, tmp_path, capsys, monkeypatch):
    local = str(tmp_path / "crm.db")
    db = open_database(local)
    migrate(db)
    Company.create(legal_name="Pending")
    db.close()
    database.initialize(None)
    clocks_off(monkeypatch, -900)  # this process's clock runs 15 min slow
    assert main(["sync", "--db", local, "--server", server_url]) == 1
    err = capsys.readouterr().err
    assert "This computer's clock is 15 minutes behind the server's" in err
    clocks_off(monkeypatch, 150)  # 2.5 min fast: syncs, with a warning
    assert main(["sync", "--db", local, "--server", server_url]) == 0
    captured = capsys.readouterr()
    assert "pushed 1," in captured.out
    assert "Warning: your clock is 2 minutes fast" in captured.err or \
        "Warning: your clock is 3 minutes fast" in captured.err
