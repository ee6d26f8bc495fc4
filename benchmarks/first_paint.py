"""Run the real application until its first paint, report the time on stderr, and quit.

    python benchmarks/first_paint.py [desktop-crm arguments: --db PATH --lang ru …]

Starts Desktop CRM exactly as ``python -m desktop_crm`` does (``desktop_crm.cli.main``), with one
observer added through ``desktop_crm.app.on_main_window``: once the main window is painted with the
rows of its list, it writes ``first-paint <epoch ns> cpu-ms <CPU time of the process so far>`` on
stderr and quits; the start-up's sign-in is answered through ``on_sign_in``. Used by
``benchmarks/startup.py`` and the start-up test; the application itself
reads no variable for it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_crm import app as composition
from desktop_crm.cli import main


def _after_next_paint(widget: Any, callback: Callable[[], None]) -> None:
    """Call back once, after the widget's next paint has been processed."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                QTimer.singleShot(0, callback)
            return False

    widget.installEventFilter(PaintWatch(widget))


def exit_after_first_paint(application: Any, window: Any) -> None:
    """Report once the window is painted with its list's first rows, then quit."""
    from PySide6.QtCore import Qt, QTimer

    def report() -> None:
        sys.stderr.write(f"first-paint {time.time_ns()} cpu-ms {time.process_time() * 1000:.1f}\n")
        sys.stderr.flush()
        QTimer.singleShot(0, application.quit)

    def painted() -> None:
        view = window.current_view()
        model = getattr(view, "model", None)
        table = getattr(view, "table", None)
        if model is not None and table is not None and getattr(model, "rows_pending", False):
            model.first_rows.connect(lambda: _after_next_paint(table.viewport(), report),
                                     Qt.ConnectionType.SingleShotConnection)
        else:
            report()

    window.first_painted.connect(painted)


def answer_sign_in(dialog: Any) -> None:
    """Sign in as the user the dialog offers (an empty database: a first administrator)."""
    from PySide6.QtCore import QTimer

    name = getattr(dialog, "name", None)
    if name is not None:
        name.setText("Benchmark")
    QTimer.singleShot(0, dialog.accept)


if __name__ == "__main__":
    composition.on_sign_in(answer_sign_in)
    composition.on_main_window(exit_after_first_paint)
    sys.exit(main(sys.argv[1:]))
