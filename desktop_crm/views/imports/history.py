"""File › Imports history…: the latest imports, each undoable (what it created removed, what it
merged restored)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _, pgettext
from desktop_crm.views.common.dialogs import confirm, error_box
from desktop_crm.workers import Progress, run_in_background

if TYPE_CHECKING:
    from desktop_crm.services.data.imports.engine import BatchInfo
    from desktop_crm.views.context import AppContext


def status_label(status: str) -> str:
    return {"done": _("imported"), "undone": _("undone"), "running": _("running")}.get(status, status)


def when(iso: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%d.%m.%Y %H:%M")


class ImportHistoryDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("import_history")
        self.setWindowTitle(_("Imports history"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(820, 420)
        self.batches: list[BatchInfo] = []
        layout = QVBoxLayout(self)
        self.empty = QLabel(_("Nothing has been imported yet."))
        self.empty.setObjectName("import_history_empty")
        layout.addWidget(self.empty)
        self.table = QTableWidget(0, 7)
        self.table.setObjectName("import_history_table")
        self.table.setHorizontalHeaderLabels([
            _("When"), _("File"), _("What"), pgettext("import result", "Created"),
            pgettext("import result", "Merged"), pgettext("import batch", "By"), _("Status")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.undo_button = QPushButton(_("Undo this import"))
        self.undo_button.setObjectName("import_history_undo")
        self.undo_button.clicked.connect(self.undo_selected)
        close = QPushButton(_("Close"))
        close.setObjectName("import_history_close")
        close.clicked.connect(self.close)
        buttons.addWidget(self.undo_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        context.signals.changed.connect(self._data_changed)
        self.reload()

    def _data_changed(self, entity: str) -> None:
        from desktop_crm.views.imports.wizard import CHANGED

        if any(entity in changed for changed in CHANGED.values()):
            self.reload()

    def reload(self) -> None:
        from desktop_crm.services.data.imports import engine, mapping

        self.batches = engine.import_batches()
        self.table.setRowCount(len(self.batches))
        for row, batch in enumerate(self.batches):
            label = mapping.ENTITY_LABELS.get(batch.entity, batch.entity)
            cells = (when(batch.started_at), batch.file_name, _(label), str(batch.created),
                     str(batch.merged), batch.user_name, status_label(batch.status))
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.empty.setVisible(not self.batches)
        self.table.setVisible(bool(self.batches))
        if self.batches:
            self.table.selectRow(0)
        self._selection_changed()

    def selected(self) -> BatchInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.batches[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        batch = self.selected()
        self.undo_button.setEnabled(batch is not None and batch.status == "done")

    def undo_selected(self) -> None:
        from desktop_crm.services.data.imports import engine

        batch = self.selected()
        if batch is None or not confirm(
                self, _("Undo this import"),
                _("Remove what the import of “{file}” created and restore what it merged?").format(
                    file=batch.file_name), _("Undo")):
            return
        batch_id, entity = batch.id, batch.entity

        def work(progress: Progress) -> Any:
            return engine.undo_import(batch_id)

        def done(result: Any) -> None:
            from desktop_crm.views.imports.wizard import CHANGED

            for changed in CHANGED.get(entity, (entity,)):
                self.context.notify_changed(changed)
            self.context.show_status(
                _("Import undone. Removed: {removed}. Restored as they were: {restored}.").format(
                    removed=result.removed, restored=result.restored))
            self.reload()

        def failed(error: BaseException) -> None:
            if not isinstance(error, CrmError):
                raise error
            error_box(self, error.message, _("Imports history"))

        run_in_background(work, on_result=done, on_error=failed, name="import: undo")


def open_import_history(context: AppContext, parent: QWidget | None = None) -> ImportHistoryDialog:
    dialog = ImportHistoryDialog(context, parent)
    dialog.show()
    return dialog
