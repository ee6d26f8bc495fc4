"""Responsiveness: every stall of the GUI thread's event loop over a scripted session on the demo.

    uv run python benchmarks/responsiveness.py [--db PATH] [--deals N] [--repeat K] [--server URL]

The real main window (every registered section, 1400×900 offscreen, Russian) on a fresh private copy
of the demo database (``benchmarks/.cache/responsiveness-<name>``: the session writes), made a sync
replica of a real PostgreSQL: a throwaway cluster started here (initdb + pg_ctl, as the tests do)
unless ``--server`` names an empty database. The first sync uploads the whole demo, so a sync runs
in the background through the whole session (started with the status bar's "Sync now" button and
started again 3 s after each round ends).

The session is driven through the widgets from inside ``app.exec()`` (QTest clicks and keys, real
drag-and-drop events), ``--repeat`` times: every section opened from the sidebar; the Deals,
Contacts and Companies lists scrolled (PageDown, the scroll bar dragged to the middle and the end),
sorted (header clicks) and searched (typed into the filter bar); a deal's card opened (double
click) and closed; a kanban drag onto the next column, then undone; every analytics report tab;
a quote opened and its PDF preview shown and closed; a global search typed (the toolbar's Search).

Measurement: a 1 ms precise ``QTimer`` heartbeat on the GUI thread; a stall is the gap between two
beats (the time the event loop could not dispatch anything, input included). A watchdog thread
samples the GUI thread's Python stack while a beat is overdue by more than 20 ms, so every long
stall is reported on stderr with its step, the code it was in and the CPU time the GUI thread
itself spent in it (the rest is waiting: for the GIL held by the sync, for a core on a loaded
machine, for a lock). ``extra`` has the CPU figures too: on a shared machine the steadier ones.

* ``gui_max_stall_ms`` — the longest gap;
* ``gui_p99_stall_ms`` — the 99th percentile of all gaps (``extra`` adds the time-weighted
  figure: the wait that an input arriving at a random moment of the session would see, p99);
* ``gui_peak_rss_mb`` — the process's peak resident memory at the end (the sync worker included).
"""

from __future__ import annotations

import collections
import os
import resource
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")  # password in the URL

from benchmarks._common import CACHE, demo_database, emit, note, parser, private_copy  # noqa: E402
from benchmarks.startup import compile_bytecode  # noqa: E402

HEARTBEAT_MS = 1
SAMPLE_AFTER_S = 0.020
REPORTED_STALL_MS = 16.0
IDLE_BETWEEN_STEPS_S = 0.15  # a quick user: the next click soon after the screen settled
SYNC_PAUSE_MS = 3000  # "Sync now" again this long after a round ends (the app's interval: 5 min)

Wait = Callable[[], bool] | float | None


class Heartbeat:
    """Beats every millisecond on the GUI thread; records every gap and the step it ended in."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.step = "start"
        self.gaps: list[float] = []
        self.cpu_gaps: list[float] = []  # CPU time the GUI thread itself spent in each gap
        self.stalls: list[tuple[float, str, list[str], float]] = []
        self.samples: dict[float, list[list[str]]] = collections.defaultdict(list)
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self.beat)
        self.gui_thread = threading.get_ident()
        self.running = False

    def start(self) -> None:
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()
        self.running = True
        self.timer.start()
        threading.Thread(target=self._watch, name="stall-watchdog", daemon=True).start()

    def stop(self) -> None:
        self.running = False
        self.timer.stop()

    def beat(self) -> None:
        now, now_cpu = time.perf_counter(), time.thread_time()
        gap, cpu = (now - self.last) * 1000, (now_cpu - self.last_cpu) * 1000
        started = self.last
        self.last, self.last_cpu = now, now_cpu
        self.gaps.append(gap)
        self.cpu_gaps.append(cpu)
        if gap > REPORTED_STALL_MS:
            self.stalls.append((gap, self.step, _where(self.samples.pop(started, [])), cpu))
        elif started in self.samples:
            del self.samples[started]

    def _watch(self) -> None:
        """While a beat is overdue, sample the GUI thread's stack every few milliseconds."""
        while self.running:
            time.sleep(0.004)
            started = self.last
            if time.perf_counter() - started > SAMPLE_AFTER_S:
                frame = sys._current_frames().get(self.gui_thread)
                if frame is not None and len(self.samples[started]) < 50:
                    self.samples[started].append(traceback.format_stack(frame, limit=40))


def _where(samples: list[list[str]]) -> list[str]:
    """The most frequent innermost application frames of the samples taken during one stall."""
    counter: collections.Counter[str] = collections.Counter()
    for stack in samples:
        own = [line for line in stack if "desktop_crm" in line and "benchmarks" not in line]
        inner = (own or stack or ["?"])[-1].strip().splitlines()[0]
        outermost_lib = next((line.strip().splitlines()[0] for line in reversed(stack)
                              if "site-packages" in line), "")
        counter[inner + (f"  ← {outermost_lib}" if outermost_lib else "")] += 1
    return [f"{count}× {where}" for where, count in counter.most_common(3)]


class Session:
    """Runs the scripted steps from the event loop: each step yields what to wait for."""

    def __init__(self, app: Any, beat: Heartbeat, steps: Iterator[Wait]) -> None:
        from PySide6.QtCore import QTimer

        self.app, self.beat, self.steps = app, beat, steps
        self.wait: Wait = None
        self.deadline = 0.0
        self.failed = False
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self.poll)

    def start(self) -> None:
        self.timer.start()

    def poll(self) -> None:
        now = time.perf_counter()
        if isinstance(self.wait, float):
            if now < self.deadline:
                return
        elif callable(self.wait) and not self.wait():
            if now < self.deadline:
                return
            note(f"  step {self.beat.step!r}: gave up waiting after 60 s")
        try:
            self.wait = next(self.steps)
        except StopIteration:
            self.timer.stop()
            self.app.quit()
            return
        except BaseException:
            self.timer.stop()
            self.failed = True
            traceback.print_exc()
            self.app.quit()
            return
        self.deadline = now + (self.wait if isinstance(self.wait, float) else 60.0)


def main() -> int:
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument("--server", help="postgresql:// URL of an empty database to sync with "
                                             "(default: a throwaway cluster started here)")
    args = arguments.parse_args()
    server_url = args.server
    source = demo_database(args)
    copy = CACHE / f"responsiveness-{source.name}"
    for suffix in ("", "-wal", "-shm"):  # every run starts from the demo: the last one synced its copy
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    path = private_copy(source, "responsiveness")
    compile_bytecode()  # as the installed app ships it: first opens import, never compile

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])

    from desktop_crm import app as shell
    from desktop_crm import i18n
    from desktop_crm.models import database
    from desktop_crm.models.db import open_database, set_interactive_thread
    from desktop_crm.models.schema import migrate
    from desktop_crm.services.system import rights
    from desktop_crm.services.system.session import sign_in_for_tool
    from desktop_crm.sync import capture
    from desktop_crm.sync.server import init_server

    i18n.set_language("ru")
    shell.install_language(app, "ru")
    db = open_database(str(path))
    migrated = migrate(db)
    if migrated.backup is not None:
        migrated.backup.unlink(missing_ok=True)
    user = sign_in_for_tool()
    rights.act_as(rights.load_actor(user.id))

    cluster, work = None, Path(tempfile.mkdtemp(prefix="crm-resp-bench-"))
    if server_url is None:
        from tests.pg import PostgresCluster, create_database, find_postgres_bin

        bindir = find_postgres_bin()
        if bindir is None:
            note("no PostgreSQL binaries found; pass --server URL")
            return 2
        (work / "pg").mkdir()
        cluster = PostgresCluster(bindir, work / "pg")
        cluster.start()
        server_url = create_database(cluster.url("postgres"), "responsiveness_bench")
        note(f"started a throwaway PostgreSQL on port {cluster.port}")
    try:
        init_server(server_url)
        note("making the copy a replica (every row queued for the first upload)…")
        capture.make_replica(db)
        with db.atomic():
            capture.meta_set(db, "server_url", server_url)
        busy = [0]

        def busy_prompt() -> bool:  # the GUI thread waited 40 ms for the sync's write lock
            busy[0] += 1
            note(f"  step {beat.step!r}: the GUI thread found the database busy (retrying)")
            return True

        set_interactive_thread(busy_prompt)
        settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
        window = shell.build_main_window(str(path), settings, user)
        window.resize(1400, 900)
        window.show()
        beat = Heartbeat()
        session = Session(app, beat, script(app, window, beat, max(1, args.repeat)))
        QTimer.singleShot(0, beat.start)  # beats from inside the event loop
        session.start()
        started = time.perf_counter()
        app.exec()
        elapsed = time.perf_counter() - started
        beat.stop()
        if session.failed:
            return 1
        report(beat, elapsed, busy[0], path)
        window.close()
        from desktop_crm.workers import cancel_all

        cancel_all(timeout=120)
        database.close()
    finally:
        if cluster is not None:
            cluster.stop()
            note("stopped the throwaway PostgreSQL")
    return 0


def report(beat: Heartbeat, elapsed: float, busy: int, path: Path) -> None:
    gaps = sorted(beat.gaps)
    p99 = gaps[int(len(gaps) * 0.99)] if gaps else 0.0
    # time-weighted: every millisecond of the session waits for the rest of the gap it falls in
    waits: list[float] = []
    for gap in beat.gaps:
        waits.extend(gap - t for t in range(int(gap)))
    waits.sort()
    weighted_p99 = waits[int(len(waits) * 0.99)] if waits else 0.0
    by_step: dict[str, list[float]] = collections.defaultdict(list)
    for gap, step, _stack, _cpu in beat.stalls:
        by_step[step].append(gap)
    note(f"session: {elapsed:.1f} s, {len(gaps)} beats, {len(beat.stalls)} stalls > "
         f"{REPORTED_STALL_MS:.0f} ms, {sum(1 for g in gaps if g > 50)} over 50 ms")
    note("stalls over 16 ms by step (count, worst, total ms):")
    for step, values in sorted(by_step.items(), key=lambda kv: -max(kv[1])):
        note(f"  {step}: {len(values)}, worst {max(values):.0f}, total {sum(values):.0f}")
    note("the 25 worst stalls (where the GUI thread was, most frequent first; only app.exec() "
         "means Qt's own code or a wait for the GIL):")
    for gap, step, where, cpu in sorted(beat.stalls, key=lambda s: -s[0])[:25]:
        note(f"  {gap:7.1f} ms ({cpu:5.1f} ms GUI-thread CPU)  {step}")
        for line in where:
            note(f"              {line}")
    cpu = sorted(beat.cpu_gaps)
    extra = {"session_s": round(elapsed, 1), "beats": len(gaps), "deals_db": str(path),
             "max_stall_gui_cpu_ms": round(cpu[-1], 1) if cpu else 0.0,
             "p99_stall_gui_cpu_ms": round(cpu[int(len(cpu) * 0.99)], 1) if cpu else 0.0,
             "stalls_over_16ms": len(beat.stalls),
             "stalls_over_50ms": sum(1 for g in gaps if g > 50),
             "stall_time_over_16ms_s": round(sum(g for g in gaps if g > 16) / 1000, 2),
             "busy_waits": busy, "load_average": [round(v, 2) for v in os.getloadavg()]}
    emit("gui_max_stall_ms", round(gaps[-1], 1) if gaps else 0.0, "ms", 50,
         worst_step=max(beat.stalls)[1] if beat.stalls else None, **extra,
         measured="longest gap between two beats of a 1 ms precise QTimer on the GUI thread "
                  "over the scripted session, a sync uploading in the background")
    emit("gui_p99_stall_ms", round(p99, 1), "ms", 16, input_wait_p99_ms=round(weighted_p99, 1),
         **extra, measured="99th percentile of the gaps between beats (input_wait_p99_ms: "
                           "time-weighted, the wait of an input at a random moment)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emit("gui_peak_rss_mb", round(peak, 1), "MB", 250, **extra,
         measured="ru_maxrss of this process at the end of the session")


# --- the scripted session ---------------------------------------------------------------------
def script(app: Any, window: Any, beat: Heartbeat, rounds: int) -> Iterator[Wait]:
    from PySide6.QtCore import QTimer

    beat.step = "first paint"
    yield lambda: hasattr(window, "sync_widget")  # the status bar's widgets come after the paint
    sync_widget = window.sync_widget
    rounds_done = [0]

    def again(_result: object = None) -> None:  # a sync every few seconds through the session
        rounds_done[0] += 1
        if rounds_done[0] == 1:
            note(f"  the first sync round (the upload) ended during {beat.step!r}")
        if beat.running:
            QTimer.singleShot(SYNC_PAUSE_MS, sync_widget.button.click)

    sync_widget.synced.connect(again)
    yield 1.0
    beat.step = "sync: Sync now clicked"
    sync_widget.button.click()
    yield IDLE_BETWEEN_STEPS_S
    for round_ in range(rounds):
        note(f"round {round_ + 1} of {rounds} (sync rounds finished so far: {rounds_done[0]})")
        yield from every_section(window, beat)
        for entity in ("deals", "contacts", "companies"):
            yield from list_steps(window, beat, entity, round_)
        yield from card_steps(window, beat)
        yield from kanban_steps(window, beat)
        yield from analytics_steps(window, beat)
        yield from preview_steps(window, beat)
        yield from search_steps(window, beat)
    beat.step = "end"
    note(f"sync rounds finished during the session: {rounds_done[0]}")
    sync_widget.synced.disconnect(again)


def settled(view: Any) -> Callable[[], bool]:
    """The view has no rows still loading (windowed lists, board columns)."""
    def check() -> bool:
        model = getattr(view, "model", None)
        return not getattr(model, "rows_pending", False)
    return check


def click_sidebar(window: Any, key: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    row = window.section_keys().index(key)
    item = window.sidebar.item(row)
    rect = window.sidebar.visualItemRect(item)
    QTest.mouseClick(window.sidebar.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())


def every_section(window: Any, beat: Heartbeat) -> Iterator[Wait]:
    for key in window.section_keys():
        beat.step = f"section {key}: sidebar click"
        click_sidebar(window, key)
        yield settled(window.current_view())
        yield IDLE_BETWEEN_STEPS_S * 2


def type_text(widget: Any, text: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    for char in text:  # keyClicks aborts on non-ASCII characters (stack-notes gotcha 7)
        QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, char,
                           Qt.KeyboardModifier.NoModifier)


def list_steps(window: Any, beat: Heartbeat, entity: str, round_: int) -> Iterator[Wait]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    beat.step = f"list {entity}: open"
    click_sidebar(window, entity)
    view = window.page(entity).select_view("list") or window.current_view()
    yield settled(view)
    yield IDLE_BETWEEN_STEPS_S
    table = view.table
    table.setFocus()
    for press in range(5):
        beat.step = f"list {entity}: PageDown"
        QTest.keyClick(table, Qt.Key.Key_PageDown)
        yield settled(view)
        yield 0.05 if press < 4 else IDLE_BETWEEN_STEPS_S
    bar = table.verticalScrollBar()
    for fraction in (0.5, 0.9, 0.2):
        beat.step = f"list {entity}: scroll bar to {fraction:.0%}"
        for step in range(1, 6):  # a drag: the bar moves in a few steps
            bar.setValue(int(bar.maximum() * fraction * step / 5))
            yield 0.02
        yield settled(view)
        yield IDLE_BETWEEN_STEPS_S
    header = table.horizontalHeader()
    for column in (1, 2 if round_ % 2 == 0 else 3):
        for _direction in range(2):
            beat.step = f"list {entity}: sort by column {column}"
            x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
            QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier, _point(x, header.height() // 2))
            yield settled(view)
            yield IDLE_BETWEEN_STEPS_S
    search = view.filter_bar.search
    beat.step = f"list {entity}: filter typed"
    search.setFocus()
    type_text(search, "Ива")
    yield 0.6  # the filter applies after typing pauses
    yield settled(view)
    yield IDLE_BETWEEN_STEPS_S
    beat.step = f"list {entity}: filter cleared"
    search.clear()
    yield 0.6
    yield settled(view)
    yield IDLE_BETWEEN_STEPS_S


def _point(x: int, y: int) -> Any:
    from PySide6.QtCore import QPoint

    return QPoint(x, y)


def card_steps(window: Any, beat: Heartbeat) -> Iterator[Wait]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    for entity in ("deals", "contacts"):
        click_sidebar(window, entity)
        view = window.page(entity).select_view("list") or window.current_view()
        yield settled(view)
        for row in (0, 3):
            before = set(QApplication.topLevelWidgets())
            beat.step = f"card {entity}: row clicked, Enter"
            table = view.table
            rect = table.visualRect(table.model().index(row, 1))
            QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier, rect.center())
            QTest.keyClick(table, Qt.Key.Key_Return)
            yield lambda before=before: _new_window(before) is not None
            yield IDLE_BETWEEN_STEPS_S * 3
            card = _new_window(before)
            if card is None:
                note(f"  card {entity}: no window opened")
                continue
            beat.step = f"card {entity}: closed"
            card.close()
            yield IDLE_BETWEEN_STEPS_S


def _new_window(before: set[Any]) -> Any:
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if widget not in before and widget.isVisible() and widget.isWindow() \
                and widget.objectName() != "main_window" and widget.width() > 200:
            return widget
    return None


def kanban_steps(window: Any, beat: Heartbeat) -> Iterator[Wait]:
    beat.step = "kanban: Board view"
    click_sidebar(window, "deals")
    board = window.page("deals").select_view("board")
    if board is None:
        note("  no board view")
        return
    yield lambda: all(not c.model.rows_pending if hasattr(c.model, "rows_pending") else True
                      for c in board.columns)
    yield IDLE_BETWEEN_STEPS_S * 3
    open_columns = [c for c in board.columns if not c.info.is_final and not c.collapsed]
    if len(open_columns) < 2:
        note("  kanban: fewer than two open columns")
        return
    for row in range(2):
        while board.counting():
            yield 0.01
        beat.step = "kanban: drag onto the next column"
        drop(open_columns[0], open_columns[1], row)
        yield board_idle(board)
        yield IDLE_BETWEEN_STEPS_S * 2
        beat.step = "kanban: undo (Ctrl+Z)"
        if board.undo_stack.canUndo():
            board.undo_stack.undo()
        yield board_idle(board)
        yield IDLE_BETWEEN_STEPS_S * 2
    beat.step = "kanban: scroll a column"
    big = max(open_columns, key=lambda c: c.totals.count if c.totals else 0)
    big.view.scrollToBottom()
    yield board_idle(board)
    yield IDLE_BETWEEN_STEPS_S
    board.undo_stack.clear()
    beat.step = "kanban: back to the list"
    window.page("deals").select_view("list")
    yield IDLE_BETWEEN_STEPS_S


def board_idle(board: Any) -> Callable[[], bool]:
    return lambda: not board.counting()


def drop(source: Any, target: Any, row: int) -> None:
    """A real drag of the card at ``row`` onto ``target``: drag enter, move and drop events."""
    import warnings

    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    mime = source.model.mimeData([source.model.index(row)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPoint(30, 80), Qt.DropAction.MoveAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        move = QDragMoveEvent(QPoint(30, 80), Qt.DropAction.MoveAction, mime,
                              Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    dropped = QDropEvent(QPointF(30, 80), Qt.DropAction.MoveAction, mime,
                         Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    QApplication.sendEvent(target, move)
    QApplication.sendEvent(target, dropped)


def analytics_steps(window: Any, beat: Heartbeat) -> Iterator[Wait]:
    beat.step = "analytics: open"
    click_sidebar(window, "analytics")
    view = window.current_view()
    tabs = getattr(view, "tabs", None)
    if tabs is None:
        note("  no analytics tabs")
        return
    yield IDLE_BETWEEN_STEPS_S * 4
    for index in range(tabs.count()):
        beat.step = f"analytics: report tab {index}"
        tabs.tabBar().setCurrentIndex(index)
        yield lambda: not _busy(view)
        yield IDLE_BETWEEN_STEPS_S * 2


def _busy(view: Any) -> bool:
    return bool(getattr(view, "_job", None) is not None and not view._job.is_done)


def preview_steps(window: Any, beat: Heartbeat) -> Iterator[Wait]:
    from PySide6.QtWidgets import QApplication, QDialog

    beat.step = "quote: open from the list"
    click_sidebar(window, "quotes")
    view = window.page("quotes").select_view("list") or window.current_view()
    yield settled(view)
    if view.model.rowCount() == 0:
        note("  no quotes to preview")
        return
    before = set(QApplication.topLevelWidgets())
    view.open_row(0)
    yield lambda: _new_window(before) is not None
    yield IDLE_BETWEEN_STEPS_S * 3
    editor = _new_window(before)
    if editor is None or not hasattr(editor, "preview_button"):
        note("  the quote's editor did not open")
        return
    shown = set(QApplication.topLevelWidgets())
    beat.step = "quote: Preview clicked"
    editor.preview_button.click()
    yield lambda: isinstance(_new_window(shown), QDialog)
    yield 1.0  # the PDF pages are drawn
    dialog = _new_window(shown)
    beat.step = "quote: preview closed"
    if dialog is not None:
        dialog.close()
    yield IDLE_BETWEEN_STEPS_S
    beat.step = "quote: editor closed"
    editor.close()
    yield IDLE_BETWEEN_STEPS_S


def search_steps(window: Any, beat: Heartbeat) -> Iterator[Wait]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QToolButton

    beat.step = "global search: toolbar Search clicked"
    button = next(b for b in window.findChildren(QToolButton)
                  if b.defaultAction() is window.search_action)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)  # Ctrl+K needs an active window
    yield IDLE_BETWEEN_STEPS_S
    popup = window.search_popup
    if popup is None:
        note("  no search popup")
        return
    beat.step = "global search: typed"
    type_text(popup.input, "Фёдоров")
    yield 1.0
    beat.step = "global search: Escape"
    QTest.keyClick(popup.input, Qt.Key.Key_Escape)
    yield IDLE_BETWEEN_STEPS_S


if __name__ == "__main__":
    sys.exit(main())
