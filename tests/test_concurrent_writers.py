"""Concurrent writers on one SQLite file: every write transaction takes the write lock at BEGIN
(``BEGIN IMMEDIATE``), so writers queue on the busy timeout instead of failing with "database is
locked"; and the GUI thread never waits long for a lock another process holds: it asks "Retry?".

``CRM_CONCURRENCY_SECONDS`` sets how long the three writers run (30 by default, at least 10).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_crm.errors import DatabaseBusy
from desktop_crm.models import Contact, Setting, database
from desktop_crm.models.db import INTERACTIVE_BUSY_TIMEOUT_MS, open_database, set_interactive_thread
from desktop_crm.models.schema import migrate
from desktop_crm.services.system.session import sign_in_for_tool

SECONDS = max(10.0, float(os.environ.get("CRM_CONCURRENCY_SECONDS", "30")))
ROOT = Path(__file__).resolve().parent.parent


def test_three_processes_write_one_file_without_failures_or_lost_updates(tmp_path: Path):
    url = str(tmp_path / "shared.db")
    db = open_database(url)
    migrate(db)
    sign_in_for_tool()
    db.close()
    writers = [
        subprocess.Popen([sys.executable, "-m", "tests.concurrent_writer", url, str(SECONDS), name],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("a", "b", "c")
    ]
    reports = []
    for writer in writers:
        out, err = writer.communicate(timeout=SECONDS + 120)
        assert writer.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert [report["failures"] for report in reports] == [[], [], []]
    created = sum(report["created"] for report in reports)
    increments = sum(report["increments"] for report in reports)
    assert min(report["created"] for report in reports) > 0  # every writer got its turns
    db = open_database(url)
    try:
        assert Contact.alive().count() == created
        counter = Setting.alive().where(Setting.key == "tests.concurrency_counter").get()
        assert counter.value == increments  # read, add one, write: no update lost
    finally:
        db.close()


# --- the GUI thread and a lock held by another process ---------------------------------------------

HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE schema_version SET app_version = app_version")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
print("released", flush=True)
"""


class LockHolder:
    """Another process holding the database's write lock until :meth:`release`."""

    def __init__(self, path: str) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", HOLDER, path], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None and self.process.stdout is not None
            self.process.stdin.write("\n")
            self.process.stdin.flush()
            assert self.process.stdout.readline().strip() == "released"
            self.process.wait(timeout=10)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()


class StallProbe:
    """A 10 ms QTimer: the longest gap between its ticks is the longest the event loop stalled."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.longest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.longest


@pytest.fixture
def interactive(qtbot):
    """The GUI thread as the application makes it (``app.make_gui_thread_interactive``)."""
    from desktop_crm.app import make_gui_thread_interactive

    make_gui_thread_interactive()
    yield
    set_interactive_thread(None)


def _busy_dialog() -> QMessageBox | None:
    widget = QApplication.activeModalWidget()
    if isinstance(widget, QMessageBox) and widget.objectName() == "database_busy_dialog":
        return widget
    return None


def _press(box: QMessageBox, text: str) -> None:
    button = next(b for b in box.buttons() if b.text() == text)
    button.click()


def test_the_gui_thread_asks_to_retry_instead_of_waiting_and_never_stalls(qtbot, db, interactive):
    """A card saved while another process holds the write lock: the window keeps running (no gap
    over 100 ms in its event loop), the user is asked, and Retry saves once the lock is gone."""
    from desktop_crm.services.system.settings import REGISTRY, declare

    path = db.database
    db.close()
    db = open_database(path)  # this thread's connection, made interactive
    counter = REGISTRY.get("tests.gui_counter") or declare("tests.gui_counter", 0)
    holder = LockHolder(path)
    probe = StallProbe()
    asked: list[str] = []

    def answer() -> None:  # the user waits for the colleague, then presses Retry
        box = _busy_dialog()
        if box is None:
            QTimer.singleShot(20, answer)
            return
        asked.append(box.text())
        QTimer.singleShot(300, lambda: (holder.release(), _press(box, "Retry")))

    try:
        probe.start()
        QTimer.singleShot(0, answer)
        started = time.perf_counter()
        with database.atomic():  # what every service action does
            counter.set(41)
        waited = time.perf_counter() - started
        longest = probe.stop()
    finally:
        holder.release()
    assert asked and "Another program or user is changing the database" in asked[0]
    assert waited >= 0.3  # it did wait for the holder, in the dialog
    assert longest < 0.1, f"the event loop stalled for {longest * 1000:.0f} ms"
    assert counter.get() == 41
    db.close()


def test_cancelling_the_busy_question_is_a_translated_busy_error(qtbot, db, interactive):
    from desktop_crm import i18n
    from desktop_crm.services.system.settings import REGISTRY, declare

    path = db.database
    db.close()
    db = open_database(path)
    counter = REGISTRY.get("tests.gui_counter") or declare("tests.gui_counter", 0)
    holder = LockHolder(path)
    i18n.set_language("ru")

    def cancel() -> None:
        box = _busy_dialog()
        if box is None:
            QTimer.singleShot(20, cancel)
            return
        _press(box, "Отмена")

    try:
        QTimer.singleShot(0, cancel)
        with pytest.raises(DatabaseBusy) as caught, database.atomic():
            counter.set(7)
    finally:
        holder.release()
    assert "База данных занята" in caught.value.message
    assert counter.get() == 0  # nothing half-written
    db.close()


def test_background_threads_wait_for_the_lock(db, tmp_path):
    """Off the GUI thread (and in the commands) a writer waits the full busy timeout."""
    import threading

    from desktop_crm.services.system.settings import REGISTRY, declare

    counter = REGISTRY.get("tests.gui_counter") or declare("tests.gui_counter", 0)
    holder = LockHolder(db.database)
    threading.Timer(0.5, holder.release).start()
    started = time.perf_counter()
    with database.atomic():
        counter.set(3)
    assert time.perf_counter() - started >= 0.4 > INTERACTIVE_BUSY_TIMEOUT_MS / 1000
    assert counter.get() == 3

