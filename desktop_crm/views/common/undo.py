"""Undo and Redo actions whose text reads well in every language.

Qt's own ``createUndoAction(prefix)`` glues the prefix to the command's text ("Undo" + "Add line"),
which in Russian gives «Отменить Добавить строку». Here the command's text is a noun phrase
("adding a line": «добавление строки», «aggiunta di una riga») and the action says
"Undo: adding a line" — a whole translated sentence with a colon, correct in each language.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QWidget

from desktop_crm.i18n import _


def undo_redo_actions(stack: QUndoStack, parent: QWidget) -> tuple[QAction, QAction]:
    """Undo (Ctrl+Z) and Redo (Ctrl+Shift+Z) of ``stack`` on ``parent`` and its children."""
    undo = QAction(_("Undo"), parent)
    redo = QAction(_("Redo"), parent)
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    for action in (undo, redo):
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        parent.addAction(action)
    undo.triggered.connect(stack.undo)
    redo.triggered.connect(stack.redo)

    def show_undo(text: str) -> None:
        undo.setText(_("Undo: {action}").format(action=text) if text else _("Undo"))

    def show_redo(text: str) -> None:
        redo.setText(_("Redo: {action}").format(action=text) if text else _("Redo"))

    stack.undoTextChanged.connect(show_undo)
    stack.redoTextChanged.connect(show_redo)
    stack.canUndoChanged.connect(undo.setEnabled)
    stack.canRedoChanged.connect(redo.setEnabled)
    undo.setEnabled(stack.canUndo())
    redo.setEnabled(stack.canRedo())
    show_undo(stack.undoText())
    show_redo(stack.redoText())
    return undo, redo
