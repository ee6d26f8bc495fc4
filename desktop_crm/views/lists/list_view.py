"""A list of one entity: filter bar, windowed table, bulk actions, export, card opening.

* Header click sorts (only columns whose ``ORDER BY`` is indexed; others keep the current order).
* Right-click on the header: column chooser; columns can be dragged; the layout, the current
  filter and saved filters persist per user (``services.preferences``).
* Selection (Shift/Ctrl, Ctrl+A) + actions: Assign responsible…, Change stage… (deals, through the
  stage rules), Delete (Del; asks first, soft, undoable with Ctrl+Z), and the actions other areas
  register for the entity (``registry.add_list_action``: merge contacts, issue invoices…).
* Export… writes every row that matches the filter (not only the visible ones) to XLSX or CSV in
  the background, with progress and Cancel.
* Enter or double-click opens the card (``context.open_record``); Ctrl+N creates a record.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError
from desktop_crm.filenames import safe_file_name
from desktop_crm.i18n import _, ngettext
from desktop_crm.models.enums import Action
from desktop_crm.services.listing import lists, preferences
from desktop_crm.services.listing.export import ExportResult, export_list
from desktop_crm.services.listing.lists import ListFilter
from desktop_crm.services.sales import bulk
from desktop_crm.services.system import rights
from desktop_crm.views.common.background_save import BackgroundSaver
from desktop_crm.views.common.dialogs import confirm, error_box, show_error
from desktop_crm.views.common.empty_state import EmptyState
from desktop_crm.views.common.progress import JobProgressDialog
from desktop_crm.views.common.undo import undo_redo_actions
from desktop_crm.views.common.windowed_model import EntityRowSource, WindowedTableModel
from desktop_crm.views.context import AppContext
from desktop_crm.views.lists.cells import install_cell_delegates
from desktop_crm.views.lists.empty import update_empty_state
from desktop_crm.views.lists.filter_bar import FilterBar
from desktop_crm.views.registry import resolve
from desktop_crm.workers import Progress, run_in_background

log = logging.getLogger(__name__)

MAX_BULK_ROWS = 10_000
ROW_HEIGHT_PADDING = 8


class ListTable(QTableView):
    """The table: Enter opens the current record."""

    def __init__(self, owner: EntityListView) -> None:
        super().__init__(owner)
        self._owner = owner

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._owner.open_current()
            return
        super().keyPressEvent(event)


class EntityListView(QWidget):
    def __init__(self, context: AppContext, entity: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.entity = Entity(entity)
        self.setObjectName(f"list_{entity}")
        self.spec = lists.spec(entity)
        user_id = str(context.user.id)
        self.state = preferences.list_state(entity, user_id)
        self.source = EntityRowSource(entity, user_id, ListFilter.from_dict(self.state.get("filter")))
        self.model = WindowedTableModel(self.source, self)
        self.undo_stack = QUndoStack(self)
        self._export_job: Any = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.filter_bar = FilterBar(self.spec, user_id, self)
        self.filter_bar.set_filter(self.source.filter, emit=False)
        self.filter_bar.changed.connect(self.apply_filter)
        layout.addWidget(self.filter_bar)

        self.actions_bar = QToolBar(self)
        self.actions_bar.setObjectName("list_actions")
        self.actions_bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        layout.addWidget(self.actions_bar)

        self.table = ListTable(self)
        self.table.setObjectName("list_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # 1M rows: no per-row sizing
        vertical.setDefaultSectionSize(self.fontMetrics().height() + ROW_HEIGHT_PADDING)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        self._default_widths()
        self._restore_header()
        self.table.setSortingEnabled(False)
        header.setSortIndicatorShown(True)
        header.sectionClicked.connect(self._header_clicked)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu)
        install_cell_delegates(self.table, self.entity, [c.key for c in self.spec.columns],
                               context.signals.changed)
        layout.addWidget(self.table, 1)
        self.empty_state: EmptyState | None = None  # views.lists.empty builds it when needed

        self.count_label = QLabel(self)
        self.count_label.setObjectName("list_count")
        self.count_label.setContentsMargins(8, 3, 8, 3)
        layout.addWidget(self.count_label)

        self._build_actions()
        self.model.loaded.connect(self._update_count)
        self.model.modelReset.connect(self._show_loading)
        self.model.modelReset.connect(self._update_selection_actions)
        self.table.selectionModel().selectionChanged.connect(self._update_selection_actions)
        context.signals.changed.connect(self._changed_elsewhere)
        self._saver = BackgroundSaver(f"save the {entity} list's layout")
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(1500)
        self._save_timer.timeout.connect(self.save_state)
        header.sectionMoved.connect(lambda *_a: self._save_timer.start())
        header.sectionResized.connect(lambda *_a: self._save_timer.start())
        self.model.reload()
        self._show_sort_indicator()
        self._update_selection_actions()

    # --- actions ------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        bar = self.actions_bar

        def action(name: str, text: str, slot: Any, shortcut: Any = None, tip: str = "") -> QAction:
            act = QAction(text, self)
            act.setObjectName(name)
            act.triggered.connect(slot)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
                act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            if tip:
                act.setToolTip(tip)
            self.addAction(act)
            return act

        self.open_action = action("action_open", _("Open"), self.open_current)
        self.assign_action = action("action_assign", _("Assign responsible…"), self.assign_selected)
        self.stage_action = action("action_stage", _("Change stage…"), self.change_stage_selected)
        self.delete_action = action("action_delete", _("Delete"), self.delete_selected,
                                    QKeySequence.StandardKey.Delete)
        self.export_action = action("action_export", _("Export…"), self.export_dialog, "Ctrl+E",
                                    _("Export every row matching the filter to Excel or CSV"))
        self.undo_action, self.redo_action = undo_redo_actions(self.undo_stack, self)
        self.undo_action.setObjectName("action_undo")

        if bulk.RESPONSIBLE_FIELDS.get(self.entity):
            bar.addAction(self.assign_action)
        if self.entity == Entity.DEALS:
            bar.addAction(self.stage_action)
        if self.entity in bulk.DELETABLE:
            bar.addAction(self.delete_action)
        self.extra_actions: list[tuple[QAction, Any]] = []
        exports: list[QAction] = []  # other areas' exports (``export_…``) go beside Export
        for spec in self.context.registry.list_actions_of(self.entity):  # other areas' actions
            if spec.requires is not None and not rights.can(spec.requires):
                continue
            act = action(f"action_{spec.key}", _(spec.title),
                         lambda _checked=False, s=spec: self._run_extra(s))
            if spec.key.startswith("export"):
                exports.append(act)
            else:
                bar.addAction(act)
            self.extra_actions.append((act, spec))
        bar.addSeparator()
        bar.addAction(self.undo_action)
        bar.addSeparator()
        bar.addAction(self.export_action)
        for act in exports:
            bar.addAction(act)
        # what the role may not do is not offered (the services refuse it anyway)
        self.export_action.setEnabled(rights.can(Action.EXPORT))

    def _update_selection_actions(self, *_args: Any) -> None:
        rows = self.selected_rows()
        has = bool(rows)
        self.open_action.setEnabled(len(rows) == 1)
        may_edit, may_delete = rights.can(Action.EDIT), rights.can(Action.DELETE)
        self.assign_action.setEnabled(has and may_edit and self.entity in bulk.RESPONSIBLE_FIELDS)
        self.stage_action.setEnabled(has and may_edit and self.entity == Entity.DEALS)
        self.delete_action.setEnabled(has and may_delete and self.entity in bulk.DELETABLE)
        for act, spec in self.extra_actions:
            act.setEnabled(spec.accepts(len(rows)))

    def _run_extra(self, spec: Any) -> None:
        ids = self.selected_ids()
        if spec.accepts(len(ids)):
            resolve(spec.run)(self.context, self, ids)

    def _row_menu(self, point: QPoint) -> None:
        menu = QMenu(self)
        extra = [act for act, _spec in self.extra_actions]
        exports = [act for act in extra if act.objectName().startswith("action_export")]
        for act in (self.open_action, self.assign_action, self.stage_action, self.delete_action,
                    *extra):
            if act not in exports and (act in self.actions_bar.actions() or act is self.open_action):
                menu.addAction(act)
        menu.addSeparator()
        menu.addAction(self.export_action)
        for act in exports:
            menu.addAction(act)
        menu.popup(self.table.viewport().mapToGlobal(point))

    # --- section protocol ---------------------------------------------------------------------
    def create_new(self) -> None:
        self.context.open_record(self.entity, None, self)

    def can_create_new(self) -> bool:
        return self.context.can_create(self.entity)

    def activated(self) -> None:
        self.table.setFocus()

    def reload(self) -> None:
        self._reload_keep_position()

    def save_state(self) -> None:
        """The column layout and filter, written off the GUI thread (``BackgroundSaver``)."""
        header = self.table.horizontalHeader()
        state = base64.b64encode(bytes(header.saveState().data())).decode("ascii")
        entity, user, flt = self.entity, str(self.context.user.id), self.source.filter.to_dict()
        self._saver.save(lambda: preferences.save_list_state(entity, user, header=state, filter=flt))

    def _default_widths(self) -> None:
        """The spec's widths, widened so that every (translated) title fits with the sort arrow."""
        header = self.table.horizontalHeader()
        metrics = header.fontMetrics()
        for number, column in enumerate(self.spec.columns):
            needed = metrics.horizontalAdvance(_(column.title)) + 28
            header.resizeSection(number, max(column.width, needed))
            header.setSectionHidden(number, not column.visible)

    def _restore_header(self) -> None:
        encoded = self.state.get("header")
        if not encoded:
            return
        try:
            data = QByteArray(base64.b64decode(encoded))
        except ValueError:
            return
        header = self.table.horizontalHeader()
        if not header.restoreState(data) or header.count() != len(self.spec.columns):
            log.info("list layout of %s not restored (columns changed)", self.entity)

    # --- filtering and sorting ----------------------------------------------------------------
    def apply_filter(self, flt: ListFilter) -> None:
        self.source.filter = flt
        self.model.reload()
        self._save_timer.start()

    def _header_clicked(self, section: int) -> None:
        header = self.table.horizontalHeader()
        if not self.source.sortable(section):
            self._show_sort_indicator()
            self.context.show_status(_("This column cannot be sorted."))
            return
        current, descending = self.source.sort_state()
        descending = not descending if current == section else False
        self.sort_by(section, descending)
        header.setSortIndicator(
            section, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        )

    def sort_by(self, column: int, descending: bool) -> None:
        self.model.sort(column, Qt.SortOrder.DescendingOrder if descending
                        else Qt.SortOrder.AscendingOrder)
        self._show_sort_indicator()
        self._save_timer.start()

    def _show_sort_indicator(self) -> None:
        column, descending = self.source.sort_state()
        self.table.horizontalHeader().setSortIndicator(
            column, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        )

    def _header_menu(self, point: QPoint) -> None:
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        menu.setObjectName("column_chooser")
        for number, column in enumerate(self.spec.columns):
            act = menu.addAction(_(column.title))
            act.setCheckable(True)
            act.setChecked(not header.isSectionHidden(number))
            act.toggled.connect(lambda checked, n=number: self.set_column_visible(n, checked))
        menu.addSeparator()
        reset = menu.addAction(_("Reset columns"))
        reset.triggered.connect(self.reset_columns)
        menu.popup(header.mapToGlobal(point))

    def set_column_visible(self, column: int, visible: bool) -> None:
        header = self.table.horizontalHeader()
        if not visible and header.count() - header.hiddenSectionCount() <= 1:
            return  # keep at least one column
        header.setSectionHidden(column, not visible)
        self._save_timer.start()

    def reset_columns(self) -> None:
        header = self.table.horizontalHeader()
        for number in range(len(self.spec.columns)):
            header.moveSection(header.visualIndex(number), number)
        self._default_widths()
        self._save_timer.start()

    def visible_column_keys(self) -> list[str]:
        header = self.table.horizontalHeader()
        ordered = sorted(range(header.count()), key=header.visualIndex)
        return [self.spec.columns[i].key for i in ordered if not header.isSectionHidden(i)]

    # --- records ------------------------------------------------------------------------------
    def _show_loading(self) -> None:
        if self.model.is_loading:
            self.count_label.setText(_("Loading…"))

    def _update_count(self, count: int) -> None:
        update_empty_state(self, count)
        self.count_label.setText(
            ngettext("{count} record", "{count} records", count).format(count=f"{count:,}".replace(
                ",", "\u202f"))
        )

    def selected_rows(self) -> list[int]:
        selection = self.table.selectionModel()
        if selection is None:
            return []
        rows: list[int] = []
        chosen = selection.selection()
        for selected_range in (chosen.at(number) for number in range(chosen.count())):
            rows.extend(range(selected_range.top(), selected_range.bottom() + 1))
            if len(rows) > MAX_BULK_ROWS:
                break
        return sorted(set(rows))

    def selected_ids(self) -> list[str]:
        return self.model.ids_of_rows(self.selected_rows())

    def open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.open_row(index.row())

    def open_row(self, row: int) -> None:
        record_id = self.model.record_id(row)
        if record_id:
            self.context.open_record(self.entity, record_id, self)

    def _changed_elsewhere(self, entity: str) -> None:
        if entity == self.entity:
            self._reload_keep_position()

    def _reload_keep_position(self) -> None:
        scroll = self.table.verticalScrollBar().value()
        current = self.table.currentIndex()
        row, column = (current.row(), current.column()) if current.isValid() else (-1, 0)
        self.model.reload()

        def restore() -> None:
            self.table.verticalScrollBar().setValue(scroll)
            if 0 <= row < self.model.rowCount():
                self.table.setCurrentIndex(self.model.index(row, column))

        self.model.after_load(restore)

    def _check_bulk_size(self, ids: list[str]) -> bool:
        if not ids:
            return False
        if len(self.selected_rows()) > MAX_BULK_ROWS:
            show_error(self, _("Select at most {count} records for this action.").format(
                count=MAX_BULK_ROWS))
            return False
        return True

    def assign_selected(self) -> None:
        ids = self.selected_ids()
        if not self._check_bulk_size(ids):
            return
        dialog = ChoiceDialog(
            _("Assign responsible"),
            ngettext("Responsible for {count} selected record:",
                     "Responsible for {count} selected records:", len(ids)).format(count=len(ids)),
            [(c.id, c.name) for c in lists.responsible_choices()],
            self,
        )
        dialog.setObjectName("assign_dialog")
        user_id = dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
        if user_id is None:
            return
        self.assign(ids, user_id)

    def assign(self, ids: list[str], user_id: str) -> None:
        try:
            command = AssignCommand(self, ids, user_id)
            self.undo_stack.push(command)
        except CrmError as error:
            show_error(self, error.message)

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not self._check_bulk_size(ids):
            return
        text = ngettext("Delete {count} selected record?", "Delete {count} selected records?",
                        len(ids)).format(count=len(ids))
        if not confirm(self, _("Delete"), text + "\n" + _("You can undo this with Ctrl+Z."),
                       _("Delete")):
            return
        self.delete(ids)

    def delete(self, ids: list[str]) -> None:
        try:
            self.undo_stack.push(DeleteCommand(self, ids))
        except CrmError as error:
            show_error(self, error.message)

    def change_stage_selected(self) -> None:
        ids = self.selected_ids()
        if not self._check_bulk_size(ids):
            return
        stages = lists.stage_choices(self.source.filter.pipeline)
        pipelines = {c.id: c.name for c in lists.pipeline_choices()}
        many_pipelines = len({s.parent for s in stages}) > 1
        choices = [(s.id, f"{pipelines.get(s.parent or '', '')} — {s.name}" if many_pipelines
                    else s.name) for s in stages]
        dialog = ChoiceDialog(
            _("Change stage"),
            ngettext("New stage for {count} selected deal:",
                     "New stage for {count} selected deals:", len(ids)).format(count=len(ids)),
            choices, self,
        )
        dialog.setObjectName("stage_dialog")
        stage_id = dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None
        if stage_id is None:
            return
        reason = None
        if bulk.stage_kind(stage_id) == "lost":
            reasons = bulk.lost_reasons()
            reason_dialog = ChoiceDialog(_("Lost reason"), _("Why were these deals lost?"),
                                         [(r, r) for r in reasons], self)
            if not reasons or reason_dialog.exec() != QDialog.DialogCode.Accepted:
                return
            reason = reason_dialog.value()
        self.change_stage(ids, stage_id, reason)

    def change_stage(self, ids: list[str], stage_id: str, lost_reason: str | None = None) -> None:
        user_id = str(self.context.user.id)
        dialog = JobProgressDialog(_("Changing the stage…"), self)

        def work(progress: Progress) -> bulk.StageChangeOutcome:
            return bulk.change_stage(ids, stage_id, user_id, lost_reason, progress)

        def done(outcome: bulk.StageChangeOutcome) -> None:
            dialog.finish()
            self.context.notify_changed("deals")
            self.context.notify_changed("tasks")
            moved = len(outcome.moved)
            if moved:
                self.undo_stack.push(StageCommand(self, outcome, user_id))
            message = ngettext("{count} deal moved.", "{count} deals moved.", moved).format(
                count=moved)
            if outcome.refused:
                lines = [f"• {title}: {reason}" for _i, title, reason in outcome.refused[:15]]
                error_box(self, message + "\n" + ngettext(
                    "{count} deal was not moved:", "{count} deals were not moved:",
                    len(outcome.refused)).format(count=len(outcome.refused)) + "\n"
                    + "\n".join(lines))
            else:
                self.context.show_status(message)

        def failed(error: BaseException) -> None:
            dialog.finish()
            self.context.notify_changed("deals")
            if isinstance(error, CrmError):
                error_box(self, error.message)
            else:
                raise error

        def cancelled() -> None:
            dialog.finish()
            self.context.notify_changed("deals")

        job = run_in_background(work, on_result=done, on_error=failed,
                                on_progress=dialog.update,
                                on_cancelled=cancelled)
        dialog.attach(job)

    # --- export -------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        title = _(self.spec.title)
        path, selected = QFileDialog.getSaveFileName(
            self, _("Export"), str(Path.home() / safe_file_name(title, "xlsx", fallback=_("Export"))),
            _("Excel workbook (*.xlsx)") + ";;" + _("CSV, comma-separated values (*.csv)"),
        )
        if not path:
            return
        fmt = "csv" if path.lower().endswith(".csv") or "csv" in selected.lower() else "xlsx"
        if not path.lower().endswith(f".{fmt}"):
            path += f".{fmt}"
        self.export(Path(path), fmt)

    def export(self, path: Path, fmt: str) -> Any:
        entity, flt, sort = self.entity, self.source.filter, self.source.sort
        columns, user_id = self.visible_column_keys(), str(self.context.user.id)
        dialog = JobProgressDialog(_("Exporting {title}…").format(title=_(self.spec.title)), self)

        def work(progress: Progress) -> ExportResult:
            return export_list(entity, flt, sort, path, fmt, columns, user_id, progress)

        def done(result: ExportResult) -> None:
            dialog.finish()
            self._export_job = None
            self.context.show_status(
                ngettext("{count} row exported to {path}", "{count} rows exported to {path}",
                         result.rows).format(count=result.rows, path=result.path)
            )

        def failed(error: BaseException) -> None:
            dialog.finish()
            self._export_job = None
            if isinstance(error, (CrmError, OSError)):
                error_box(self, _("The export failed: {reason}").format(reason=error))
            else:
                raise error

        def cancelled() -> None:
            dialog.finish()
            self._export_job = None
            self.context.show_status(_("Export cancelled."))

        self._export_job = run_in_background(work, on_result=done, on_error=failed,
                                             on_progress=dialog.update, on_cancelled=cancelled,
                                             name="export")
        dialog.attach(self._export_job)
        return self._export_job

    def hideEvent(self, event: Any) -> None:
        if self._save_timer.isActive():
            self._save_timer.stop()
            self.save_state()
        super().hideEvent(event)


class ChoiceDialog(QDialog):
    """Pick one value from a list (responsible, stage, lost reason)."""

    def __init__(self, title: str, label: str, choices: list[tuple[str, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.combo = QComboBox(self)
        self.combo.setObjectName("choice")
        for value, text in choices:
            self.combo.addItem(text, value)
        form.addRow(QLabel(label, self))
        form.addRow(self.combo)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(360)

    def value(self) -> str | None:
        data = self.combo.currentData()
        return None if data is None else str(data)


class AssignCommand(QUndoCommand):
    def __init__(self, view: EntityListView, ids: list[str], user_id: str) -> None:
        super().__init__(_("assigning the responsible ({count})").format(count=len(ids)))
        self.view, self.ids, self.user_id = view, ids, user_id
        self.previous: dict[str, str | None] = {}
        self._first = True
        self.redo_work()

    def redo_work(self) -> None:
        self.previous = bulk.assign_responsible(self.view.entity, self.ids, self.user_id)
        self.view.context.notify_changed(self.view.entity)

    def redo(self) -> None:
        if self._first:  # already done in __init__ (errors surface before the push)
            self._first = False
            return
        self.redo_work()

    def undo(self) -> None:
        bulk.restore_responsible(self.view.entity, self.previous)
        self.view.context.notify_changed(self.view.entity)


class DeleteCommand(QUndoCommand):
    def __init__(self, view: EntityListView, ids: list[str]) -> None:
        super().__init__(_("deleting ({count})").format(count=len(ids)))
        self.view, self.ids = view, ids
        self.deleted = bulk.soft_delete(view.entity, ids)
        self._first = True
        view.context.notify_changed(view.entity)
        view.context.show_status(
            ngettext("{count} record deleted. Press Ctrl+Z to undo.",
                     "{count} records deleted. Press Ctrl+Z to undo.", len(self.deleted)).format(
                count=len(self.deleted))
        )

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.deleted = bulk.soft_delete(self.view.entity, self.ids)
        self.view.context.notify_changed(self.view.entity)

    def undo(self) -> None:
        bulk.restore(self.view.entity, self.deleted)
        self.view.context.notify_changed(self.view.entity)


class StageCommand(QUndoCommand):
    """Undo of a bulk stage change: each move is taken back through the stage rules."""

    def __init__(self, view: EntityListView, outcome: bulk.StageChangeOutcome, user_id: str) -> None:
        super().__init__(_("changing the stage ({count})").format(count=len(outcome.moved)))
        self.view, self.outcome, self.user_id = view, outcome, user_id
        self._first = True

    def redo(self) -> None:
        if self._first:  # the moves were made by the background job
            self._first = False
            return
        ids = list(self.outcome.moved)
        stage_id = str(self.outcome.results[0].to_stage_id)
        self.outcome = bulk.change_stage(ids, stage_id, self.user_id)
        self.view.context.notify_changed("deals")

    def undo(self) -> None:
        problems = bulk.undo_stage_change(self.outcome, self.user_id)
        self.view.context.notify_changed("deals")
        self.view.context.notify_changed("tasks")
        if problems:
            error_box(self.view, "\n".join(dict.fromkeys(problems)))


__all__ = ["EntityListView", "QModelIndex"]
