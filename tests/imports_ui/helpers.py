"""Driving the import wizard through its widgets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QFileDialog, QWidget

from desktop_crm.views.imports.wizard import ImportWizard


def click(qtbot: Any, button: QWidget) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(6, button.height() // 2))


def choose(qtbot: Any, combo: QComboBox, text: str) -> None:
    """Pick the item called ``text`` with the keyboard (Home, then Down until it is current)."""
    index = combo.findText(text)
    assert index >= 0, (text, [combo.itemText(i) for i in range(combo.count())])
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _step in range(index):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentIndex() == index


def wizard_open() -> ImportWizard:
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, ImportWizard) and w.isVisible())


def open_file(qtbot: Any, wizard: ImportWizard, path: Path) -> None:
    """Type the path (ASCII: the tests' temporary folder) and press Enter."""
    edit = wizard.file_page.path_edit
    edit.setFocus()
    edit.clear()
    qtbot.keyClicks(edit, str(path))
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def file_dialog(object_name: str) -> QFileDialog:
    return next(w for w in QApplication.topLevelWidgets()
                if isinstance(w, QFileDialog) and w.objectName() == object_name and w.isVisible())
