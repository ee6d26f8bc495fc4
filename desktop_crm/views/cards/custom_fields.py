"""A card's custom fields: one :class:`FormSection` per block, the editor each kind needs.

* text — a line; number and money — a line typed as people write numbers here ("1 200,50"), the
  service parses it; date — an empty-able date; list — a combo with "—"; multiple choice — a list
  of check boxes; yes/no — a check box (a field never answered stays unanswered until ticked or
  unticked); contact or company — the picker that searches as you type.
* :meth:`CustomFieldsPanel.values` gives only the fields edited since :meth:`show_values`, by key,
  for ``custom_values.set_values`` (the card saves them with its own fields, in one transaction).
"""

from __future__ import annotations

import datetime as dt
import uuid
import weakref
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.entities import Entity
from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_amount
from desktop_crm.models.enums import CustomFieldKind
from desktop_crm.services.sales import deal_card
from desktop_crm.services.sales.deal_card import Choice
from desktop_crm.services.system import custom_values
from desktop_crm.services.system.custom_values import CustomValueDTO, display_text
from desktop_crm.views.cards.common import CardDialog
from desktop_crm.views.common.date_field import OptionalDateEdit
from desktop_crm.views.common.section import SECTION_SPACING, FormSection
from desktop_crm.views.context import AppContext
from desktop_crm.views.deals.card_widgets import SearchPicker

#: What ``context.changed`` says when field definitions or values changed (their tables' names:
#: a sync round's download says the same).
CUSTOM_FIELDS = "custom_field"
CUSTOM_VALUES = "custom_value"
#: The longest text a text field keeps (``models.custom.TEXT_LENGTH``).
TEXT_LENGTH = 600
_LIST_ROWS = 5


class CustomFieldsPanel(QWidget):
    """The custom fields of one record, grouped in their blocks (see the module's note)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("custom_fields")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(SECTION_SPACING)
        self.sections: list[FormSection] = []
        self.editors: dict[str, QWidget] = {}
        self._items: dict[str, CustomValueDTO] = {}
        self._read: dict[str, Callable[[], Any]] = {}
        self._edited: set[str] = set()
        self._loading = False
        self._reload: Callable[[], None] = lambda: None

    def show_values(self, values: Sequence[CustomValueDTO], editable: bool = True) -> None:
        """Show ``values`` (the fields and what the record holds); nothing is edited after."""
        self._loading = True
        try:
            for section in self.sections:
                self._layout.removeWidget(section)
                section.deleteLater()
            self.sections, self.editors, self._read, self._edited = [], {}, {}, set()
            self._items = {v.key: v for v in values}
            blocks: dict[str, list[CustomValueDTO]] = {}
            for value in values:
                blocks.setdefault(value.field.block, []).append(value)
            for block, items in blocks.items():
                title = items[0].field.block_label if block else _("More fields")
                section = FormSection(title, self, name=f"custom_{len(self.sections)}")
                for item in items:
                    editor = self._editor(item, section)
                    editor.setEnabled(editable)
                    editor.setObjectName(item.field.column)
                    editor.setAccessibleName(item.field.label)
                    section.form.addRow(item.field.label + ":", editor)
                    self.editors[item.key] = editor
                self._layout.addWidget(section)
                self.sections.append(section)
            self.setVisible(bool(values))
        finally:
            self._loading = False

    def follow(self, context: AppContext, reload: Callable[[], None]) -> None:
        """Call ``reload`` when field definitions or values change elsewhere (Settings, another
        window, a sync round); the connection ends with the panel."""
        self._reload = reload
        context.signals.changed.connect(self._changed_elsewhere)

    def _changed_elsewhere(self, entity: str) -> None:
        if entity in (CUSTOM_FIELDS, CUSTOM_VALUES) and not self._edited:
            self._reload()

    def values(self) -> dict[str, Any]:
        """The edited fields' values by key, as the service takes them."""
        return {key: self._read[key]() for key in sorted(self._edited)}

    def editor(self, key: str) -> QWidget:
        return self.editors[key]

    def _touched(self, key: str) -> None:
        if not self._loading:
            self._edited.add(key)
            self.changed.emit()

    # --- editors per kind ---------------------------------------------------------------------

    def _editor(self, item: CustomValueDTO, parent: QWidget) -> QWidget:
        kind = item.field.kind
        if kind == CustomFieldKind.DATE:
            return self._date(item, parent)
        if kind == CustomFieldKind.LIST:
            return self._choice(item, parent)
        if kind == CustomFieldKind.MULTI_LIST:
            return self._choices(item, parent)
        if kind == CustomFieldKind.YES_NO:
            return self._yes_no(item, parent)
        if kind in (CustomFieldKind.CONTACT_LINK, CustomFieldKind.COMPANY_LINK):
            return self._link(item, parent)
        return self._line(item, parent)

    def _line(self, item: CustomValueDTO, parent: QWidget) -> QLineEdit:
        edit = QLineEdit(parent)
        if item.field.kind in (CustomFieldKind.NUMBER, CustomFieldKind.MONEY):
            edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            edit.setPlaceholderText(format_amount(Decimal(0), places=0))
            if isinstance(item.value, Decimal) and item.field.kind == CustomFieldKind.MONEY:
                edit.setText(format_amount(item.value))
            else:
                edit.setText(display_text(item))
        else:
            edit.setMaxLength(TEXT_LENGTH)
            edit.setText(display_text(item))
        edit.setCursorPosition(0)  # a long text shows its beginning
        edit.setToolTip(edit.text() if len(edit.text()) > 30 else "")
        edit.textEdited.connect(lambda _text: self._touched(item.key))
        self._read[item.key] = edit.text
        return edit

    def _date(self, item: CustomValueDTO, parent: QWidget) -> OptionalDateEdit:
        edit = OptionalDateEdit(parent, _("not set"))
        edit.set_value(item.value if isinstance(item.value, dt.date) else None)
        edit.dateChanged.connect(lambda _date: self._touched(item.key))
        self._read[item.key] = edit.value
        return edit

    def _choice(self, item: CustomValueDTO, parent: QWidget) -> QComboBox:
        combo = QComboBox(parent)
        combo.addItem("—", None)
        options = list(item.field.options)
        if isinstance(item.value, str) and item.value not in options:
            options.append(item.value)  # a choice removed from the list since it was chosen
        for option in options:
            combo.addItem(option, option)
        combo.setCurrentIndex(max(combo.findData(item.value), 0) if item.value else 0)
        combo.currentIndexChanged.connect(lambda _index: self._touched(item.key))
        self._read[item.key] = combo.currentData
        return combo

    def _choices(self, item: CustomValueDTO, parent: QWidget) -> QListWidget:
        chosen = set(item.value) if isinstance(item.value, tuple) else set()
        box = QListWidget(parent)
        for option in item.field.options:
            row = QListWidgetItem(option, box)
            row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            row.setCheckState(Qt.CheckState.Checked if option in chosen else Qt.CheckState.Unchecked)
        rows = max(1, min(len(item.field.options), _LIST_ROWS))
        box.setFixedHeight(box.sizeHintForRow(0) * rows + 2 * box.frameWidth() + 2
                           if item.field.options else 28)
        box.itemChanged.connect(lambda _row: self._touched(item.key))

        def checked() -> list[str]:
            return [box.item(i).text() for i in range(box.count())
                    if box.item(i).checkState() == Qt.CheckState.Checked]

        self._read[item.key] = checked
        return box

    def _yes_no(self, item: CustomValueDTO, parent: QWidget) -> QCheckBox:
        box = QCheckBox(_("Yes"), parent)
        box.setChecked(item.value is True)
        box.toggled.connect(lambda _on: self._touched(item.key))
        self._read[item.key] = box.isChecked
        return box

    def _link(self, item: CustomValueDTO, parent: QWidget) -> SearchPicker:
        contacts = item.field.kind == CustomFieldKind.CONTACT_LINK
        picker = SearchPicker(
            deal_card.contact_choices if contacts else deal_card.company_choices,
            _("Type a name, phone or e-mail") if contacts else _("Type a name, INN or VAT number"),
            parent)
        if isinstance(item.value, uuid.UUID):
            picker.set_choice(Choice(item.value, item.link_name))
        picker.changed.connect(lambda: self._touched(item.key))

        def chosen() -> Any:
            choice = picker.choice()
            return choice.id if choice is not None else None

        self._read[item.key] = chosen
        return picker


def card_custom_fields(card: CardDialog, entity: Entity, parent: QWidget) -> CustomFieldsPanel:
    """The custom fields of a contact, company, lead or product card: edits mark the card dirty,
    and it shows them again when they change elsewhere (unless they are being edited)."""
    panel = CustomFieldsPanel(parent)
    panel.changed.connect(card.mark_dirty)
    card_ref = weakref.ref(card)  # the panel must not keep its card's wrapper alive

    def reload() -> None:
        shown = card_ref()
        if shown is not None:
            show_record_fields(panel, entity, shown.record_id)

    panel.follow(card.context, reload)
    return panel


def show_record_fields(panel: CustomFieldsPanel, entity: Entity, record_id: str | None) -> None:
    panel.show_values(custom_values.values_of(entity, record_id) if record_id
                      else custom_values.blank_values(entity))
