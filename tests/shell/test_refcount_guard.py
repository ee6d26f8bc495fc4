"""PySide6 6.12 drops a reference to None on every void Qt call; the guard keeps a long session
alive (on Python 3.11, where None is not immortal)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def test_many_void_qt_calls_do_not_abort_the_interpreter():
    script = textwrap.dedent("""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        import desktop_crm.views  # installs the guard, as the app does
        from PySide6.QtWidgets import QApplication, QLabel
        app = QApplication([])
        label = QLabel()
        for number in range(150_000):
            app.processEvents()
            label.setText("x")
        print("alive", sys.getrefcount(None) > 2 ** 39)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-2:] == ["alive", "True"]
