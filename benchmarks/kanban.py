"""The deals kanban at a million deals: first paint, a drop, the next page of a column, peak memory.

    uv run python benchmarks/kanban.py [--db PATH] [--deals N] [--repeat K]

Runs on a private copy of the demo database (``benchmarks/.cache/kanban-<name>``, refreshed when
the source is newer), because the drop writes: the shared 1M demo is only read. The board is
shown on the pipeline with the most open deals (≥ 100,000 on the 1M demo), 1600×900 offscreen,
with won/lost collapsed as a user first sees it. Every timing is the median of ``--repeat`` runs
after one warm-up and ends when the board's widgets have finished painting the new content.
Events are pumped as ``exec()`` would, deferred deletes included (old columns of a pipeline switch
are deleted, not left to pile up).

* ``kanban_first_paint_ms`` — switching the pipeline combo to that pipeline (columns built, exact
  counts and per-currency sums from SQL, the first page of every open column) to the end of the
  paint of the columns;
* ``kanban_drop_ms`` — a real drop event of a card on the next column: stage rules, one
  transaction (tasks cancelled/created, history, timeline, rank), both columns and their totals
  updated, to the end of the repaint; each run is undone afterwards (not timed) and the next one
  starts once the undo's background recount is done;
* ``kanban_next_page_ms`` — scrolling a column of ~20,000+ cards to its end: the keyset page
  query, documents/overdue-task counts for the page, rows inserted, to the end of the repaint;
* ``kanban_peak_rss_mb`` — the process's peak resident memory at the end.

Beside each timing, ``extra`` gives ``gui_cpu_ms`` (CPU time of the GUI thread over the same span:
what the machine's load does not inflate much) and the ``load_average`` when it was taken.
"""

from __future__ import annotations

import os
import resource
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject

from benchmarks._common import demo_database, emit, median, note, parser, private_copy


def load() -> list[float]:
    """The machine's load average (1, 5, 15 min): wall times on a busy machine grow."""
    return [round(value, 2) for value in os.getloadavg()]


class Harness:
    """The application and the board under measurement, and the event pumping they share."""

    def __init__(self, app: Any, view: Any) -> None:
        self.app, self.view = app, view

    def pump(self) -> None:
        """One turn of the event loop as ``exec()`` runs it: posted events, then deferred deletes
        (``processEvents`` alone never deletes, so widgets dropped by ``deleteLater`` would pile up
        and be painted in every later run)."""
        self.app.processEvents()
        self.app.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def wait_paint(self, watches: list[Any], timeout: float = 60.0) -> float:
        end = time.perf_counter() + timeout
        while not all(w.painted for w in watches):
            self.pump()
            if time.perf_counter() > end:
                raise RuntimeError("no paint")
        return time.perf_counter()

    def watch_columns(self) -> list[Any]:
        watches = []
        for column in self.view.columns:
            watch = PaintWatch()
            widget = column.view.viewport() if not column.collapsed else column
            widget.installEventFilter(watch)
            column._bench_watch = watch  # keep it alive with the column
            watches.append(watch)
        return watches


class PaintWatch(QObject):
    """An event filter that notes when its widget has painted."""

    def __init__(self) -> None:
        super().__init__()
        self.painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def measure_first_paint(bench: Harness, repeat: int, target_index: int, other_index: int,
                        **extra: Any) -> None:
    """Switch the combo to the big pipeline, until every column has painted its first page."""
    view, combo = bench.view, bench.view.pipeline
    totals_done = [False]
    view.totals_loaded.connect(lambda: totals_done.__setitem__(0, True))
    paints, with_totals, paint_cpu = [], [], []
    for run in range(repeat + 1):
        if other_index >= 0:
            combo.setCurrentIndex(other_index)
            while not totals_done[0]:
                bench.pump()
            bench.pump()
        totals_done[0] = False
        start, cpu = time.perf_counter(), time.thread_time()
        combo.setCurrentIndex(target_index)
        watches = bench.watch_columns()  # columns exist once setCurrentIndex returned
        end = bench.wait_paint(watches)
        cpu = (time.thread_time() - cpu) * 1000
        while not totals_done[0]:
            bench.pump()
            time.sleep(0.001)
        bench.pump()  # the headers' repaint with the exact totals
        header_end = time.perf_counter()
        if run:
            paints.append((end - start) * 1000)
            paint_cpu.append(cpu)
            with_totals.append((header_end - start) * 1000)
    emit("kanban_first_paint_ms", median(paints), "ms", 200, **extra, columns=len(view.columns),
         runs=[round(v, 1) for v in paints],
         totals_painted_ms=median(with_totals), totals_runs=[round(v, 1) for v in with_totals],
         gui_cpu_ms=median(paint_cpu), load_average=load(),
         measured="pipeline switch to end of paint of every column (SQL totals per stage and "
                  "currency, first keyset page of each open column), 1600x900 offscreen")


def measure_next_page(bench: Harness, repeat: int) -> None:
    """Scroll the biggest open column to its end, until the next page is painted."""
    from desktop_crm.services.sales import board

    open_columns = [c for c in bench.view.columns if not c.info.is_final]
    big = max(open_columns, key=lambda c: c.totals.count)
    pages, page_cpu = [], []
    for run in range(repeat + 1):
        watch = PaintWatch()
        big.view.viewport().installEventFilter(watch)
        before = big.model.rowCount()
        bench.pump()
        watch.painted = False
        start, cpu = time.perf_counter(), time.thread_time()
        big.view.scrollToBottom()  # the view asks the model for more when the end shows
        while big.model.rowCount() == before:
            bench.pump()
        end = bench.wait_paint([watch])
        cpu = (time.thread_time() - cpu) * 1000
        big.view.viewport().removeEventFilter(watch)
        if run:
            pages.append((end - start) * 1000)
            page_cpu.append(cpu)
    emit("kanban_next_page_ms", median(pages), "ms", 30, column=big.info.name,
         column_deals=big.totals.count, page_size=board.PAGE_SIZE,
         loaded_after=big.model.rowCount(), runs=[round(v, 1) for v in pages],
         gui_cpu_ms=median(page_cpu), load_average=load(),
         measured="scrollToBottom of a column to end of repaint with the next keyset page in")


def drop_once(bench: Harness, source: Any, target: Any, row: int) -> tuple[float, float, bool]:
    """Drop the card at ``row`` of ``source`` on ``target``: (wall ms, GUI CPU ms, moved)."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    from desktop_crm.models import Deal

    card = source.model.card_at(row)
    mime = source.model.mimeData([source.model.index(row)])
    watches = [PaintWatch(), PaintWatch()]
    source.view.viewport().installEventFilter(watches[0])
    target.view.viewport().installEventFilter(watches[1])
    bench.pump()
    for w in watches:
        w.painted = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPointF(30, 80).toPoint(), Qt.DropAction.MoveAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    drop = QDropEvent(QPointF(30, 80), Qt.DropAction.MoveAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    start, cpu = time.perf_counter(), time.thread_time()
    QApplication.sendEvent(target, enter)
    QApplication.sendEvent(target, drop)
    end = bench.wait_paint(watches)
    cpu = (time.thread_time() - cpu) * 1000
    for w in watches:
        source.view.viewport().removeEventFilter(w)
        target.view.viewport().removeEventFilter(w)
    moved = Deal.get_by_id(card.id).stage_id == target.info.id
    if not moved:
        note(f"drop of {card.title!r} was refused; trying the next card")
    return (end - start) * 1000, cpu, moved


def measure_drop(bench: Harness, repeat: int) -> None:
    """Drop a card on the next column, until both columns have repainted (undone after each)."""
    view = bench.view
    open_columns = [c for c in view.columns if not c.info.is_final]
    source, target = open_columns[0], open_columns[1]
    drops, drop_cpu = [], []
    for run in range(repeat + 1):
        source.view.scrollToTop()
        while view.counting():  # the previous undo's recount: a user does not drop every 50 ms
            bench.pump()
            time.sleep(0.001)
        bench.pump()
        wall, cpu, moved = drop_once(bench, source, target, run)
        if moved and run:
            drops.append(wall)
            drop_cpu.append(cpu)
        if view.undo_stack.canUndo():
            view.undo_stack.undo()
            bench.pump()
    emit("kanban_drop_ms", median(drops) if drops else None, "ms", 50, source=source.info.name,
         target=target.info.name, runs=[round(v, 1) for v in drops],
         gui_cpu_ms=median(drop_cpu) if drop_cpu else None, load_average=load(),
         measured="drop event on the next column to end of repaint of both columns: stage rules "
                  "in one transaction, card moved, both headers' SQL totals refreshed")


def biggest_pipeline(path: Path) -> tuple[str, int, int]:
    """The pipeline with the most open deals: (its id, its open deals, all live deals)."""
    from desktop_crm.models import Deal, Stage, StageKind

    open_stages = Stage.alive().where(Stage.kind == StageKind.OPEN)
    counts: dict[str, int] = {}
    for stage in open_stages:
        n = Deal.select().where(Deal.stage == stage.id, Deal.deleted_at.is_null()).count()
        counts[str(stage.pipeline_id)] = counts.get(str(stage.pipeline_id), 0) + n
    target = max(counts, key=counts.__getitem__)
    total = Deal.select().where(Deal.deleted_at.is_null()).count()
    note(f"{path}: {total} deals; open per pipeline {counts}")
    return target, counts[target], total


def main() -> int:
    args = parser(__doc__.splitlines()[0]).parse_args()
    path = private_copy(demo_database(args), "kanban")

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])

    from desktop_crm import i18n
    from desktop_crm.models import database
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate
    from desktop_crm.services.sales import board
    from desktop_crm.services.system.session import sign_in_for_tool
    from desktop_crm.views.context import AppContext
    from desktop_crm.views.deals.board import KanbanView
    from desktop_crm.views.registry import build_registry

    i18n.set_language("ru")
    db = open_database(str(path))
    migrated = migrate(db)
    if migrated.backup is not None:  # a throwaway copy: its pre-migration backup is 7 GB of nothing
        note(f"migrated the private copy to schema step {migrated.to_version}")
        migrated.backup.unlink(missing_ok=True)

    target_pipeline, open_deals, total = biggest_pipeline(path)
    other_pipeline = next((str(p.id) for p in board.pipelines() if str(p.id) != target_pipeline),
                          None)
    settings = QSettings(str(path.with_suffix(".bench-settings.ini")), QSettings.Format.IniFormat)
    settings.clear()
    if other_pipeline:
        settings.setValue("board/pipeline", other_pipeline)
    context = AppContext(user=sign_in_for_tool(), database_name=str(path),
                         registry=build_registry(("desktop_crm.views.deals.section",)),
                         settings=settings)

    view = KanbanView(context)
    view.resize(1600, 900)
    view.show()
    bench = Harness(app, view)
    bench.pump()
    combo = view.pipeline
    measure_first_paint(bench, args.repeat, combo.findData(target_pipeline),
                        combo.findData(other_pipeline) if other_pipeline else -1,
                        deals=total, open_deals_in_pipeline=open_deals)
    measure_next_page(bench, args.repeat)
    measure_drop(bench, args.repeat)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emit("kanban_peak_rss_mb", round(peak, 1), "MB", 300, deals=total,
         measured="ru_maxrss of this process after all of the above")
    view.cancel_background()
    from desktop_crm.workers import cancel_all

    cancel_all(timeout=120)
    view.close()
    Path(str(path.with_suffix(".bench-settings.ini"))).unlink(missing_ok=True)
    database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
