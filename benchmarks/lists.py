"""List views at a million deals: first paint, deep jump, re-sort, global search, peak memory.

    uv run python benchmarks/lists.py [--db PATH] [--deals N] [--repeat K]

Offscreen, real paints: a timing ends when the table's viewport has finished painting the new
content (the paint event was delivered and processed). Every timing is the median of ``--repeat``
runs after one warm-up.

* ``list_first_paint_ms`` — from creating the Deals list view (filter bar, first block of 64 rows
  with their joins; the ``COUNT`` follows) to the end of its first viewport paint of rows, 1280×800;
* ``list_jump_900k_ms`` — ``scrollTo(row ≈900,000)`` to the end of the paint, once the id snapshot
  (built in the background after the first paint) is there; the block cache is emptied first;
* ``list_sort_ms`` — a click on the Deal header (indexed ``ORDER BY title``, ascending and
  descending in turn) to the end of the paint;
* ``search_ms`` — one global search (all five types, FTS5) for a common surname;
* ``list_peak_rss_mb`` — the process's peak resident memory at the end.

``--custom-fields N``: on a private copy with N custom fields on deals, a value in each on every
deal, all shown as columns (``benchmarks/_custom_fields.py``); ``extra`` says ``custom_fields``.
It adds ``list_sort_custom_ms``: as ``list_sort_ms``, clicking the header of the first custom field
(text; ascending and descending in turn).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks._common import (
    demo_database,
    emit,
    median,
    note,
    open_readonly,
    parser,
)
from benchmarks._custom_fields import add_argument as add_custom_fields_argument
from benchmarks._custom_fields import prepared as with_custom_fields


def main() -> int:
    options = parser(__doc__.splitlines()[0])
    add_custom_fields_argument(options)
    args = options.parse_args()
    path = demo_database(args)
    if args.custom_fields is not None:
        path = with_custom_fields(path, args.custom_fields)

    from PySide6.QtCore import QEvent, QObject, QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])

    from desktop_crm import i18n
    from desktop_crm.services.listing import lists
    from desktop_crm.services.listing import search as search_service
    from desktop_crm.services.system.session import sign_in_for_tool
    from desktop_crm.views.context import AppContext
    from desktop_crm.views.lists.list_view import EntityListView
    from desktop_crm.views.registry import build_registry

    i18n.set_language("ru")
    db = open_readonly(path)  # nothing here writes; shared databases stay untouched
    rows = lists.count("deals")
    note(f"{path}: {rows} deals")
    settings = QSettings(str(path.with_suffix(".bench-settings.ini")), QSettings.Format.IniFormat)
    context = AppContext(user=sign_in_for_tool(), database_name=str(path), registry=build_registry(),
                         settings=settings)

    class PaintWatch(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.painted = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.painted = True
            return False

    def wait_paint(watch: PaintWatch, timeout: float = 30.0) -> float:
        end = time.perf_counter() + timeout
        while not watch.painted:
            app.processEvents()
            if time.perf_counter() > end:
                raise RuntimeError("no paint")
        return time.perf_counter()

    def wait_rows(view: EntityListView, watch: PaintWatch) -> float:
        """Until the first rows loaded off the GUI thread are painted (the count may follow)."""
        while view.model.rows_pending:
            app.processEvents()
        watch.painted = False
        return wait_paint(watch)

    def open_list() -> tuple[EntityListView, PaintWatch, float]:
        watch = PaintWatch()
        start = time.perf_counter()
        view = EntityListView(context, "deals")
        view._save_timer.timeout.disconnect()  # no preference writes into the shared database
        view.table.viewport().installEventFilter(watch)
        view.resize(1280, 800)
        view.show()
        end = wait_rows(view, watch)
        return view, watch, (end - start) * 1000

    def header_sorts(view: EntityListView, watch: PaintWatch, column: int) -> list[float]:
        """Milliseconds from a click on ``column``'s header to the painted rows, after a warm-up
        (each click turns the order around)."""
        sorts = []
        for run in range(args.repeat + 1):
            app.processEvents()
            watch.painted = False
            start = time.perf_counter()
            view._header_clicked(column)
            end = wait_rows(view, watch)
            if run:
                sorts.append((end - start) * 1000)
        return sorts

    # first paint
    first_paints = []
    for run in range(args.repeat + 1):
        view, _watch, elapsed = open_list()
        if run:
            first_paints.append(elapsed)
        view.model.cancel_background()
        view._save_timer.stop()  # no preference writes into the shared database
        view.close()
        view.deleteLater()
        # deliver the deletion as exec() would (processEvents alone never deletes): otherwise
        # every view of the first-paint runs stays alive with its model, snapshot and caches
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()
    emit("list_first_paint_ms", median(first_paints), "ms", 200, rows=rows,
         custom_fields=args.custom_fields or 0,
         runs=[round(v, 1) for v in first_paints],
         measured="new Deals list view (first 64-row block, loaded off the GUI thread; "
                  "the COUNT follows) to the end of the viewport paint showing the rows, 1280x800 offscreen")

    # deep jump, with the snapshot in place
    view, watch, _ = open_list()
    snapshot_start = time.perf_counter()
    while not view.model.has_snapshot:
        app.processEvents()
        time.sleep(0.005)
    snapshot_ms = (time.perf_counter() - snapshot_start) * 1000
    jumps = []
    target_base = min(900_000, view.model.rowCount() - 100)
    for run in range(args.repeat + 1):
        view.table.scrollToTop()
        app.processEvents()
        view.model.drop_cache()
        watch.painted = False
        start = time.perf_counter()
        view.table.scrollTo(view.model.index(target_base + run * 7, 0))
        end = wait_paint(watch)
        if run:
            jumps.append((end - start) * 1000)
    emit("list_jump_900k_ms", median(jumps), "ms", 30, rows=rows, target_row=target_base,
         snapshot_build_ms=round(snapshot_ms, 1), runs=[round(v, 1) for v in jumps],
         measured="scrollTo(row) to end of paint; block cache emptied; id snapshot ready")

    # re-sort by clicking the title header
    title = lists.spec("deals").column_index("title")
    view.table.scrollToTop()
    sorts = header_sorts(view, watch, title)
    emit("list_sort_ms", median(sorts), "ms", 300, rows=rows, column="title",
         runs=[round(v, 1) for v in sorts],
         measured="header click to end of paint (indexed ORDER BY title, first block)")
    if args.custom_fields:
        custom = lists.spec("deals").column_index("cf_bench_1")
        custom_sorts = header_sorts(view, watch, custom)
        emit("list_sort_custom_ms", median(custom_sorts), "ms", 300, rows=rows, column="cf_bench_1",
             custom_fields=args.custom_fields, runs=[round(v, 1) for v in custom_sorts],
             measured="header click to end of paint (ORDER BY a custom text field's value, "
                      "first block)")
    view.model.cancel_background()
    view._save_timer.stop()
    view.close()

    # global search
    times = []
    hits = 0
    for run in range(args.repeat + 1):
        start = time.perf_counter()
        groups = search_service.search("Фёдоров")
        elapsed = (time.perf_counter() - start) * 1000
        hits = sum(len(g.hits) for g in groups)
        if run:
            times.append(elapsed)
    emit("search_ms", median(times), "ms", 30, query="Фёдоров", hits_shown=hits,
         runs=[round(v, 2) for v in times],
         measured="services.search.search over contacts, companies, deals, leads, products")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emit("list_peak_rss_mb", round(peak, 1), "MB", 300, rows=rows,
         measured="ru_maxrss of this process after all of the above")
    from desktop_crm.workers import cancel_all

    cancel_all()
    Path(str(path.with_suffix(".bench-settings.ini"))).unlink(missing_ok=True)
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
