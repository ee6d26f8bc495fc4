"""The background helper: results, errors, progress and cancel arrive on the GUI thread; each
worker thread has its own database connection; tests can run it synchronously."""

from __future__ import annotations

import threading
import time

import pytest

from desktop_crm import workers
from desktop_crm.models import User, database
from desktop_crm.workers import Cancelled, run_in_background


def test_result_arrives_on_the_gui_thread(qtbot, db):
    User.create(name="Анна")
    gui = threading.get_ident()
    seen = {}

    def work(progress):
        seen["thread"] = threading.get_ident()
        seen["connection"] = id(database.connection())
        return User.select().count()

    results = []
    job = run_in_background(work, on_result=lambda value: results.append(
        (value, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results == [(1, gui)]
    assert seen["thread"] != gui
    assert seen["connection"] != id(database.connection())
    assert job.is_done


def test_errors_and_progress_arrive_on_the_gui_thread(qtbot):
    gui = threading.get_ident()
    progress_seen, errors = [], []

    def work(progress):
        for step in range(1, 4):
            progress.report(step, 3, f"step {step}", force=True)
        raise ValueError("broken")

    run_in_background(
        work, on_error=lambda e: errors.append((str(e), threading.get_ident())),
        on_progress=lambda done, total, text: progress_seen.append((done, total, text,
                                                                    threading.get_ident())),
        use_database=False,
    )
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert errors == [("broken", gui)]
    assert [p[:3] for p in progress_seen] == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
    assert {p[3] for p in progress_seen} == {gui}


def test_cancel_stops_the_work(qtbot):
    started = threading.Event()
    cancelled, results = [], []

    def work(progress):
        started.set()
        for _ in range(500):
            progress.check()
            time.sleep(0.01)
        return "finished"

    job = run_in_background(work, on_result=results.append,
                            on_cancelled=lambda: cancelled.append(True), use_database=False)
    assert started.wait(5)
    job.cancel()
    qtbot.waitUntil(lambda: bool(cancelled), timeout=5000)
    assert results == [] and job.is_cancelled


def test_synchronous_mode_runs_inline(db):
    calls = []
    with workers.synchronous():
        job = run_in_background(lambda progress: threading.get_ident(), on_result=calls.append)
    assert job.is_done and calls == [threading.get_ident()]
    assert not database.is_closed()  # the GUI thread's connection is left open


def test_cancelled_inside_synchronous_mode(db):
    outcome = []

    def work(progress):
        raise Cancelled

    with workers.synchronous():
        run_in_background(work, on_result=outcome.append,
                          on_cancelled=lambda: outcome.append("cancelled"))
    assert outcome == ["cancelled"]


def test_unhandled_error_goes_to_the_excepthook(monkeypatch):
    seen = []
    monkeypatch.setattr("sys.excepthook", lambda *info: seen.append(info[1]))
    with workers.synchronous():
        run_in_background(lambda progress: 1 / 0, use_database=False)
    assert isinstance(seen[0], ZeroDivisionError)


@pytest.fixture(autouse=True)
def _drain(qtbot):
    yield
    workers.cancel_all()


def test_a_job_closes_what_its_queries_opened_after_the_proxy_was_rebound(tmp_path):
    """The GUI thread may rebind the models to another database while a job runs (switching
    databases, a test ending): the job's later queries open a connection to it in the pool
    thread, which the job closes as well as its own."""
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate

    second = open_database(str(tmp_path / "b.db"))
    migrate(second)
    first = open_database(str(tmp_path / "a.db"))
    migrate(first)
    closed: dict[str, bool] = {}

    def job() -> None:
        with workers.connection():
            User.select().count()
            database.initialize(second)  # rebound meanwhile
            User.select().count()  # opens this thread's connection to the second database
        closed.update(first=first.is_closed(), second=second.is_closed())

    thread = threading.Thread(target=job)
    thread.start()
    thread.join(10)
    try:
        assert closed == {"first": True, "second": True}
    finally:
        for db in (first, second):
            if not db.is_closed():
                db.close()
        database.initialize(None)


def test_a_widget_deleted_while_its_job_ran_gets_no_result(qtbot):
    """A list closed while its stage colours were read: the result is dropped, not delivered to a
    deleted C++ object (which raised in the event loop)."""
    from PySide6.QtWidgets import QLabel

    release = threading.Event()
    label = QLabel()
    run_in_background(lambda progress: release.wait(5) and "late", on_result=label.setText,
                      use_database=False)
    other: list[str] = []
    job = run_in_background(lambda progress: "ok", on_result=other.append, use_database=False)
    label.deleteLater()
    qtbot.waitUntil(lambda: job.is_done, timeout=5000)
    qtbot.wait(20)  # the deferred delete runs
    release.set()
    qtbot.waitUntil(lambda: not workers._running, timeout=5000)
    assert other == ["ok"]  # a plain callable is always called
