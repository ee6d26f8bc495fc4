"""Every form speaks to a screen reader and to the keyboard: each label is the buddy of its editor
(Alt+the underlined letter moves there; a screen reader reads the label with the field) and each
editor has an accessible name.

:func:`label_forms` walks the ``QFormLayout`` rows of a window once it is built (cards, the deal
card, settings pages and dialogs call it when first shown): a row's label becomes the buddy of
the first editor of its field (a field may be a holder with the editor and its inline message),
and an editor without an accessible name takes the label's text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

EDITOR_TYPES = (QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit, QAbstractButton)


def label_text(label: QLabel) -> str:
    """A label as a name: no mnemonic "&", no "required" star, no trailing colon."""
    return label.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(" :*").strip()


def editor_of(field: QWidget) -> QWidget | None:
    """The widget a label stands for: the field itself, or the first editor inside a holder."""
    if isinstance(field, EDITOR_TYPES) or field.focusPolicy() != Qt.FocusPolicy.NoFocus:
        return field
    for child in field.findChildren(QWidget):
        inside = isinstance(child.parentWidget(), QComboBox | QAbstractSpinBox)  # their own line edits
        if isinstance(child, EDITOR_TYPES) and not inside:
            return child
    return None


def form_rows(root: QWidget) -> list[tuple[QLabel, QWidget]]:
    """(label, field widget) of every labelled row of every form layout under ``root``."""
    rows: list[tuple[QLabel, QWidget]] = []
    for layout in root.findChildren(QFormLayout):
        for row in range(layout.rowCount()):
            label_item = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field_item = layout.itemAt(row, QFormLayout.ItemRole.FieldRole)
            label = label_item.widget() if label_item is not None else None
            field = field_item.widget() if field_item is not None else None
            inner = field_item.layout() if field is None and field_item is not None else None
            if isinstance(inner, QLayout):  # a row of widgets: the first one is the field
                widgets = (inner.itemAt(i) for i in range(inner.count()))
                field = next((w.widget() for w in widgets if w is not None and w.widget() is not None),
                             None)
            if isinstance(label, QLabel) and field is not None and label_text(label):
                rows.append((label, field))
    return rows


def label_forms(root: QWidget) -> None:
    """Buddies and accessible names for every form row under ``root`` (idempotent)."""
    for label, field in form_rows(root):
        editor = editor_of(field)
        if editor is None:
            continue
        if label.buddy() is not editor:
            label.setBuddy(editor)
        if not editor.accessibleName():
            editor.setAccessibleName(label_text(label))
