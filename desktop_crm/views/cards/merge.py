"""Merge two contacts: both side by side, a value chosen per field, the contact kept chosen, what
moves to it shown before merging, and Undo once merged (``services.sales.merge``).

Opened from the contacts list with two contacts selected (``Merge…``)."""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.ids import ContactId
from desktop_crm.services.sales import merge
from desktop_crm.services.sales.contacts import MergeResult
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.context import AppContext


class MergeDialog(QDialog):
    """Left and right contact; the kept one is chosen on top, a value per field below.
    ``merged(survivor_id)`` fires once merged."""

    merged = Signal(str)

    def __init__(self, context: AppContext, left_id: str, right_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("merge_dialog")
        self.setWindowTitle(_("Merge contacts"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.context = context
        self.preview = merge.merge_preview(left_id, right_id)
        self.result_: MergeResult | None = None
        self.choices: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        layout = QVBoxLayout(self)
        intro = QLabel(_("Choose the contact to keep and, for each field, the value it keeps. "
                         "Everything linked to the other contact moves to the one kept."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        inner = QWidget(area)
        self.grid = QGridLayout(inner)
        self.moves = QLabel(self)
        self.moves.setObjectName("merge_moves")
        self.moves.setWordWrap(True)
        self._build_grid(inner)
        area.setWidget(inner)
        layout.addWidget(area, 1)
        layout.addWidget(self.moves)
        buttons = QHBoxLayout()
        self.status = QLabel(self)
        self.status.setObjectName("merge_status")
        self.status.setWordWrap(True)
        buttons.addWidget(self.status, 1)
        self.merge_button = QPushButton(_("Merge"), self)
        self.merge_button.setObjectName("merge_run")
        self.merge_button.setDefault(True)
        self.merge_button.clicked.connect(self.run_merge)
        self.undo_button = QPushButton(_("Undo the merge"), self)
        self.undo_button.setObjectName("merge_undo")
        self.undo_button.clicked.connect(self.undo)
        self.undo_button.hide()
        self.close_button = QPushButton(_("Cancel"), self)
        self.close_button.setObjectName("merge_close")
        self.close_button.clicked.connect(self.reject)
        for button in (self.merge_button, self.undo_button, self.close_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.resize(820, 620)
        self.update_moves()
        self._back_up_first()

    def _back_up_first(self) -> None:
        """The backup before a merge (``backups.before_risky_operation``), made off the GUI thread
        while the person reads the dialog; the merge itself then finds it made."""
        from desktop_crm.services.system.backups import before_risky_operation
        from desktop_crm.workers import run_in_background

        self.merge_button.setEnabled(False)

        def ready(_result: Any = None) -> None:
            with contextlib.suppress(RuntimeError):  # the dialog was closed meanwhile
                self.merge_button.setEnabled(True)

        run_in_background(lambda _progress: before_risky_operation("merge"), on_result=ready,
                          on_error=ready, use_database=False, name="backup-before-merge")

    def _build_grid(self, inner: QWidget) -> None:
        grid = self.grid
        grid.addWidget(QLabel("<b>" + _("Keep") + "</b>", inner), 0, 0)
        self.keep = QButtonGroup(inner)
        self.keep_left = QRadioButton(self.preview.left.name or "—", inner)
        self.keep_left.setObjectName("merge_keep_left")
        self.keep_right = QRadioButton(self.preview.right.name or "—", inner)
        self.keep_right.setObjectName("merge_keep_right")
        for column, button in ((1, self.keep_left), (2, self.keep_right)):
            self.keep.addButton(button)
            font = button.font()
            font.setBold(True)
            button.setFont(font)
            button.toggled.connect(lambda _checked: self.update_moves())
            grid.addWidget(button, 0, column)
        left_links, right_links = self.preview.left.links, self.preview.right.links
        self.keep_left.setChecked(sum(left_links.values()) >= sum(right_links.values()))
        self.keep_right.setChecked(not self.keep_left.isChecked())
        row = 1
        for field in self.preview.fields:
            if not field.left and not field.right:
                continue
            grid.addWidget(QLabel(field.label[:1].upper() + field.label[1:] + ":", inner), row, 0)
            group = QButtonGroup(inner)
            pair = []
            for column, text in ((1, field.left), (2, field.right)):
                button = QRadioButton(text or _("(empty)"), inner)
                button.setObjectName(f"merge_{field.name}_{'left' if column == 1 else 'right'}")
                group.addButton(button)
                grid.addWidget(button, row, column)
                pair.append(button)
            left, right = pair
            if not field.differs:
                right.setEnabled(False)
                left.setChecked(True)
            elif not field.left:
                right.setChecked(True)
            elif not field.right:
                left.setChecked(True)
            else:
                left.setChecked(True)
            self.choices[field.name] = (left, right)
            row += 1
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        grid.setRowStretch(row, 1)

    def survivor_and_other(self) -> tuple[ContactId, ContactId]:
        left, right = self.preview.left.id, self.preview.right.id
        return (left, right) if self.keep_left.isChecked() else (right, left)

    def update_moves(self) -> None:
        other = self.preview.right if self.keep_left.isChecked() else self.preview.left
        kept = self.preview.left if self.keep_left.isChecked() else self.preview.right
        self.moves.setText(_("Moves from {other} to {kept}: {links}. {other} is then deleted.").format(
            other=other.name or "—", kept=kept.name or "—", links=merge.links_text(other.links)))

    def chosen_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in self.preview.fields:
            pair = self.choices.get(field.name)
            if pair is None:
                continue
            values[field.name] = field.left_value if pair[0].isChecked() else field.right_value
        return values

    def run_merge(self) -> None:
        survivor, other = self.survivor_and_other()
        try:
            self.result_ = merge.merge(survivor, other, self.context.user.id, self.chosen_values())
        except CrmError as error:
            show_error(self, error.message)
            return
        self.status.setText(_("Merged: {links} moved.").format(
            links=merge.links_text({str(k): v for k, v in self.result_.moved.items()})))
        self.merge_button.hide()
        self.undo_button.show()
        self.close_button.setText(_("Close"))
        for widget in self.findChildren(QRadioButton):
            widget.setEnabled(False)
        self._changed()
        self.merged.emit(str(survivor))

    def undo(self) -> None:
        if self.result_ is None or self.result_.log_id is None:
            return
        try:
            merge.undo_merge(self.result_.log_id, self.context.user.id)
        except CrmError as error:
            show_error(self, error.message)
            return
        self.result_ = None
        self.status.setText(_("The merge is undone: both contacts are as they were."))
        self.undo_button.hide()
        self._changed()

    def _changed(self) -> None:
        for entity in (Entity.CONTACTS, Entity.DEALS, Entity.LEADS, Entity.QUOTES, Entity.INVOICES):
            self.context.notify_changed(entity)


def open_merge(context: AppContext, parent: QWidget | None, ids: list[str]) -> MergeDialog | None:
    """The list action: merge the two selected contacts."""
    if len(ids) != 2:
        return None
    try:
        dialog = MergeDialog(context, ids[0], ids[1], parent)
    except CrmError as error:
        show_error(parent, error.message)
        return None
    dialog.open()
    return dialog
