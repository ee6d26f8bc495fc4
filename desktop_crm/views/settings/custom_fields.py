"""Settings › Custom fields: per entity (deals, contacts, companies, leads, products) its blocks and
fields as a readable tree — name, kind, the key lists, imports and templates use, where it shows.
Add or edit a field in a dialog (name, kind, choices, block, pipeline), rename a block (its
heading, Edit…), move a field up or down, remove it (a field that has values is archived instead,
and can be restored). For deals, «Add BANT and
competitors» adds the preset to a pipeline. Every action is saved at once (one transaction)."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError, database_errors
from desktop_crm.i18n import N_, _
from desktop_crm.models.enums import Action, CustomFieldKind
from desktop_crm.services.sales import pipelines as pipeline_service
from desktop_crm.services.system import custom_fields
from desktop_crm.services.system.custom_fields import CustomFieldDTO
from desktop_crm.views.cards.common import ERROR_STYLE, set_combo_value
from desktop_crm.views.cards.custom_fields import CUSTOM_FIELDS
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec

COLUMNS = (N_("Field"), N_("Kind"), N_("Key"), N_("Shown for"))
FIELD, KIND, KEY, SHOWN = range(4)
BLOCK_ROLE = Qt.ItemDataRole.UserRole + 1  # a block heading's stored name


class FieldDialog(QDialog):
    """Add a field of ``entity`` or edit ``field`` (its kind stays what it was made as)."""

    def __init__(self, entity: Entity, field: CustomFieldDTO | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entity = entity
        self.field = field
        self.saved: CustomFieldDTO | None = None
        self.setObjectName("custom_field_dialog")
        self.setWindowTitle(_("New field") if field is None else _("Edit the field"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.label = QLineEdit(self)
        self.label.setObjectName("custom_field_label")
        self.label.setMaxLength(200)
        form.addRow(_("Name:"), self.label)
        self.kind = QComboBox(self)
        self.kind.setObjectName("custom_field_kind")
        for kind in CustomFieldKind:
            self.kind.addItem(custom_fields.kind_label(kind), kind.value)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        form.addRow(_("Kind:"), self.kind)
        self.options = QPlainTextEdit(self)
        self.options.setObjectName("custom_field_options")
        self.options.setPlaceholderText(_("One choice a line"))
        self.options.setMaximumHeight(120)
        self.options_label = QLabel(_("Choices:"), self)
        form.addRow(self.options_label, self.options)
        self.block = QComboBox(self)
        self.block.setObjectName("custom_field_block")
        self.block.setEditable(True)
        self.block.addItem("", "")
        for block in custom_fields.blocks(entity):
            if block:
                self.block.addItem(custom_fields.block_label(block), block)
        block_line = self.block.lineEdit()
        if block_line is not None:
            block_line.setPlaceholderText(_("No block"))
        form.addRow(_("Block:"), self.block)
        self.pipeline = QComboBox(self)
        self.pipeline.setObjectName("custom_field_pipeline")
        self.pipeline.addItem(_("Every pipeline"), "")
        for item in pipeline_service.pipelines():
            self.pipeline.addItem(item.name, str(item.id))
        self.pipeline_label = QLabel(_("Pipeline:"), self)
        form.addRow(self.pipeline_label, self.pipeline)
        self.pipeline.setVisible(entity == Entity.DEALS)
        self.pipeline_label.setVisible(entity == Entity.DEALS)
        layout.addLayout(form)
        self.error = QLabel(self)
        self.error.setObjectName("custom_field_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if field is not None:
            self.label.setText(field.label)
            set_combo_value(self.kind, field.kind.value)
            self.kind.setEnabled(False)
            self.options.setPlainText("\n".join(field.options))
            index = self.block.findData(field.block)
            self.block.setCurrentIndex(index) if index >= 0 else self.block.setEditText(field.block)
            set_combo_value(self.pipeline, str(field.pipeline_id) if field.pipeline_id else "")
        self._kind_changed()
        self.resize(460, self.sizeHint().height())

    def _kind_changed(self, *_args: Any) -> None:
        listed = self.kind.currentData() in (CustomFieldKind.LIST, CustomFieldKind.MULTI_LIST)
        self.options.setVisible(listed)
        self.options_label.setVisible(listed)

    def block_value(self) -> str:
        """The block as stored: a preset block chosen from the list keeps its msgid."""
        text = self.block.currentText().strip()
        index = self.block.findText(text)
        return str(self.block.itemData(index)) if index >= 0 else text

    def save(self) -> None:
        options = [line for line in self.options.toPlainText().splitlines() if line.strip()]
        pipeline = self.pipeline.currentData() or None
        try:
            with database_errors():
                if self.field is None:
                    self.saved = custom_fields.define_field(
                        self.entity, self.label.text(), self.kind.currentData(), options=options,
                        block=self.block_value(), pipeline_id=pipeline)
                else:
                    listed = self.field.kind in custom_fields.LIST_KINDS
                    self.saved = custom_fields.update_field(
                        self.field.id, label=self.label.text(),
                        options=options if listed else None, block=self.block_value(),
                        pipeline_id=pipeline)
        except CrmError as error:
            self.error.setText(error.message)
            self.error.show()
            return
        self.accept()


class CustomFieldsPage(SettingsPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.dialog: FieldDialog | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Fields of:"), self))
        self.entity = QComboBox(self)
        self.entity.setObjectName("custom_fields_entity")
        for entity in custom_fields.CUSTOM_ENTITIES:
            self.entity.addItem(_(custom_fields.ENTITY_LABELS[entity]), entity.value)
        self.entity.currentIndexChanged.connect(lambda _index: self.reload())
        bar.addWidget(self.entity)
        bar.addStretch(1)
        self.preset_button = QPushButton(_("Add BANT and competitors"), self)
        self.preset_button.setObjectName("custom_fields_preset")
        self.preset_button.setToolTip(_("Budget, authority, need, timeframe, the decision maker "
                                        "and the competitors, for the deals of a pipeline"))
        self.preset_menu = QMenu(self.preset_button)
        self.preset_menu.setObjectName("custom_fields_preset_menu")
        self.preset_menu.aboutToShow.connect(self._fill_preset_menu)
        self.preset_button.setMenu(self.preset_menu)
        bar.addWidget(self.preset_button)
        layout.addLayout(bar)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("custom_fields_tree")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels([_(c) for c in COLUMNS])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        header = self.tree.header()
        header.setSectionResizeMode(FIELD, QHeaderView.ResizeMode.Stretch)
        for column in (KIND, KEY, SHOWN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(lambda *_args: self._update_buttons())
        self.tree.itemDoubleClicked.connect(lambda *_args: self.edit_field())
        layout.addWidget(self.tree, 1)
        self.empty = QLabel(self)
        self.empty.setObjectName("custom_fields_empty")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(placeholder-text); padding: 8px;")
        layout.addWidget(self.empty)
        buttons = QHBoxLayout()
        self.add_button = self._button(buttons, "custom_fields_add", _("Add a field…"),
                                       self.new_field)
        self.edit_button = self._button(buttons, "custom_fields_edit", _("Edit…"), self.edit_field)
        self.up_button = self._button(buttons, "custom_fields_up", _("Move up"),
                                      lambda: self.move_selected(-1))
        self.down_button = self._button(buttons, "custom_fields_down", _("Move down"),
                                        lambda: self.move_selected(1))
        self.remove_button = self._button(buttons, "custom_fields_remove", _("Remove"),
                                          self.remove_field)
        self.restore_button = self._button(buttons, "custom_fields_restore", _("Restore"),
                                           self.restore_field)
        buttons.addStretch(1)
        self.show_archived = QCheckBox(_("Show archived fields"), self)
        self.show_archived.setObjectName("custom_fields_archived")
        self.show_archived.toggled.connect(lambda _on: self.reload())
        buttons.addWidget(self.show_archived)
        layout.addLayout(buttons)
        self.save_button.hide()  # every action is saved at once
        layout.addWidget(self.footer())
        self.fields: list[CustomFieldDTO] = []
        self.reload()
        context.signals.changed.connect(self._changed_elsewhere)

    def _button(self, row: QHBoxLayout, name: str, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        row.addWidget(button)
        return button

    def _changed_elsewhere(self, entity: str) -> None:
        if entity in (CUSTOM_FIELDS, Entity.PIPELINES) and self.dialog is None:
            self.reload()

    @property
    def current_entity(self) -> Entity:
        return Entity(self.entity.currentData())

    # --- showing ------------------------------------------------------------------------------

    def reload(self, select: uuid.UUID | None = None) -> None:
        selected = select or self.selected_id()
        entity = self.current_entity
        self.fields = custom_fields.fields(entity, archived=self.show_archived.isChecked())
        names = {str(p.id): p.name for p in pipeline_service.pipelines()}
        self.tree.clear()
        blocks: dict[str, QTreeWidgetItem] = {}
        bold = QFont(self.font())
        bold.setWeight(QFont.Weight.DemiBold)
        hint = QBrush(self.palette().color(QPalette.ColorRole.PlaceholderText))
        for item in self.fields:
            parent = blocks.get(item.block)
            if parent is None:
                parent = QTreeWidgetItem(self.tree, [item.block_label or _("No block")])
                parent.setFont(FIELD, bold)
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                parent.setData(FIELD, BLOCK_ROLE, item.block)
                parent.setFirstColumnSpanned(True)
                blocks[item.block] = parent
            label = item.label + (" " + _("(archived)") if item.archived else "")
            shown = (names.get(str(item.pipeline_id), "") if item.pipeline_id
                     else _("Every pipeline") if entity == Entity.DEALS else "")
            row = QTreeWidgetItem(parent, [label, item.kind_label, item.column, shown])
            row.setData(FIELD, Qt.ItemDataRole.UserRole, str(item.id))
            if item.kind in custom_fields.LIST_KINDS and item.options:
                row.setToolTip(FIELD, ", ".join(item.options))
            if item.archived:
                for column in range(len(COLUMNS)):
                    row.setForeground(column, hint)
            if item.id == selected:
                self.tree.setCurrentItem(row)
        self.tree.expandAll()
        self.empty.setText(_("No custom fields yet. Add the fields your business needs: they "
                             "show on the cards, grouped in blocks, and can be used in documents."))
        self.empty.setVisible(not self.fields)
        self.preset_button.setVisible(entity == Entity.DEALS)
        self._update_buttons()

    def selected_id(self) -> uuid.UUID | None:
        item = self.tree.currentItem()
        value = item.data(FIELD, Qt.ItemDataRole.UserRole) if item is not None else None
        return uuid.UUID(value) if value else None

    def selected(self) -> CustomFieldDTO | None:
        chosen = self.selected_id()
        return next((f for f in self.fields if f.id == chosen), None)

    def select_field(self, key: str) -> None:
        found = self.tree.findItems(f"cf_{key}", Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive,
                                    KEY)
        if not found:
            raise LookupError(key)
        self.tree.setCurrentItem(found[0])

    def selected_block(self) -> str | None:
        """The block whose heading is selected (``None`` when a field or nothing is)."""
        item = self.tree.currentItem()
        block = item.data(FIELD, BLOCK_ROLE) if item is not None else None
        return str(block) if block is not None else None

    def select_block(self, label: str) -> None:
        for index in range(self.tree.topLevelItemCount()):
            heading = self.tree.topLevelItem(index)
            if heading is not None and heading.text(FIELD) == label:
                self.tree.setCurrentItem(heading)
                return
        raise LookupError(label)

    def _update_buttons(self) -> None:
        chosen = self.selected()  # (the page is shown only to those who may change settings)
        self.edit_button.setEnabled(chosen is not None or self.selected_block() is not None)
        for button in (self.up_button, self.down_button):
            button.setEnabled(chosen is not None)
        self.remove_button.setEnabled(chosen is not None and not chosen.archived)
        self.restore_button.setEnabled(chosen is not None and chosen.archived)
        self.restore_button.setVisible(self.show_archived.isChecked())

    # --- actions ------------------------------------------------------------------------------

    def new_field(self) -> FieldDialog:
        return self._open(FieldDialog(self.current_entity, None, self))

    def edit_field(self) -> FieldDialog | QInputDialog | None:
        """Edit the selected field, or rename the selected block."""
        block = self.selected_block()
        if block is not None:
            return self.rename_block(block)
        chosen = self.selected()
        if chosen is None:
            return None
        return self._open(FieldDialog(self.current_entity, chosen, self))

    def rename_block(self, block: str) -> QInputDialog:
        """Ask for the block's new name (every field of it moves there)."""
        entity = self.current_entity
        dialog = QInputDialog(self)
        dialog.setObjectName("custom_block_rename")
        dialog.setWindowTitle(_("Rename the block"))
        dialog.setLabelText(_("Name of the block:"))
        dialog.setTextValue(custom_fields.block_label(block))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(
            lambda name: self._act(lambda: custom_fields.rename_block(entity, block, name)))
        dialog.open()
        return dialog

    def _open(self, dialog: FieldDialog) -> FieldDialog:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._saved(dialog))
        dialog.finished.connect(lambda _result: setattr(self, "dialog", None))
        dialog.open()
        return dialog

    def _saved(self, dialog: FieldDialog) -> None:
        self.dialog = None
        self.reload(dialog.saved.id if dialog.saved else None)
        self.context.notify_changed(CUSTOM_FIELDS)
        if dialog.saved is not None:
            self.context.show_status(_("Field “{name}” saved.").format(name=dialog.saved.label))

    def _act(self, action: Any, select: uuid.UUID | None = None) -> Any:
        try:
            with database_errors():
                result = action()
        except CrmError as error:
            show_error(self, error.message)
            return None
        self.reload(select)
        self.context.notify_changed(CUSTOM_FIELDS)
        return result

    def move_selected(self, offset: int) -> None:
        chosen = self.selected()
        if chosen is not None:
            self._act(lambda: custom_fields.move_field(chosen.id, offset), chosen.id)

    def remove_field(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        archived = self._act(lambda: custom_fields.remove_field(chosen.id))
        if archived:
            self.context.show_status(_("“{name}” has values, so it was archived: its values are "
                                       "kept, and it can be restored.").format(name=chosen.label))
        elif archived is not None:
            self.context.show_status(_("Field “{name}” removed.").format(name=chosen.label))

    def restore_field(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self._act(lambda: custom_fields.restore_field(chosen.id), chosen.id)

    def _fill_preset_menu(self) -> None:
        self.preset_menu.clear()
        for item in pipeline_service.pipelines():
            action = self.preset_menu.addAction(_("For the pipeline “{name}”").format(name=item.name))
            action.setData(str(item.id))
            action.triggered.connect(lambda _on=False, pid=item.id: self.add_preset(pid))

    def add_preset(self, pipeline_id: Any) -> None:
        added = self._act(lambda: custom_fields.add_sales_preset(pipeline_id))
        if added:
            self.context.show_status(_("BANT and the competitors were added."))

    def save_changes(self) -> bool:
        return False  # every action above is saved at once


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("custom_fields", N_("Custom fields"), CustomFieldsPage, order=22,
                       requires=Action.CHANGE_SETTINGS))
