"""The deal card's product-lines editor: product completer from the catalog, quantity, unit, price,
discount %, VAT rate and line total; live totals with VAT included or on top as configured.

All maths are ``Decimal`` (``desktop_crm.pricing``, rounded half-up by ``desktop_crm.money``);
typed numbers accept "1 200,50" or "1200.50". Every edit, added or removed line is an undo step
(Ctrl+Z / Ctrl+Shift+Z while the table has focus); nothing is written until the card saves.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QStandardItem, QStandardItemModel, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyledItemDelegate,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_crm import pricing, validation
from desktop_crm.countries import country
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_amount, format_money, format_quantity
from desktop_crm.services.sales import deal_card
from desktop_crm.services.sales.deal_card import LineValues, ProductChoice, VatSetup
from desktop_crm.views.common.undo import undo_redo_actions

Index = QModelIndex | QPersistentModelIndex

C_NAME, C_QTY, C_UNIT, C_PRICE, C_DISCOUNT, C_VAT, C_TOTAL = range(7)


def _titles() -> list[str]:
    return [_("Product or service"), _("Qty"), _("Unit"), _("Price"), _("Discount, %"),
            _("VAT, %"), _("Total")]


class LinesModel(QAbstractTableModel):
    """The lines being edited; every change goes through the undo stack."""

    totals_changed = Signal()
    refused = Signal(str)  # the translated message of a typed value a cell refused

    def __init__(self, vat: VatSetup, currency: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.vat = vat
        self.currency = currency
        self.lines: list[LineValues] = []
        self.undo_stack = QUndoStack(self)
        self.editable = True

    # data
    def set_lines(self, lines: list[LineValues]) -> None:
        self.beginResetModel()
        self.lines = list(lines)
        self.endResetModel()
        self.undo_stack.clear()
        self.totals_changed.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else 7

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _titles()[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() != C_TOTAL and self.editable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def line_result(self, row: int) -> pricing.LineResult:
        return pricing.line_amounts(self.lines[row].pricing_input(), vat_included=self.vat.included)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line = self.lines[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole and column not in (C_NAME, C_UNIT):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                C_NAME: line.name, C_QTY: format_quantity(line.quantity), C_UNIT: line.unit,
                C_PRICE: format_amount(line.price), C_DISCOUNT: format_quantity(line.discount_percent),
                C_VAT: format_quantity(line.vat_rate),
                C_TOTAL: format_amount(self.line_result(index.row()).amount),
            }[column]
        if role == Qt.ItemDataRole.EditRole:
            return {
                C_NAME: line.name, C_QTY: format_quantity(line.quantity), C_UNIT: line.unit,
                C_PRICE: format_amount(line.price), C_DISCOUNT: format_quantity(line.discount_percent),
                C_VAT: format_quantity(line.vat_rate), C_TOTAL: "",
            }[column]
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        row, column = index.row(), index.column()
        line = self.lines[row]
        if isinstance(value, ProductChoice):
            new = replace(line, product_id=value.id, name=value.name, unit=value.unit,
                          unit_code=value.unit_code, price=value.price, vat_rate=value.vat_rate)
        else:
            text = str(value or "").strip()
            try:
                new = self._edited(line, column, text)
            except ValidationError as refusal:
                self.refused.emit(refusal.message)
                return False
        if new == line:
            return False
        self.undo_stack.push(_SetLine(self, row, line, new))
        return True

    def _edited(self, line: LineValues, column: int, text: str) -> LineValues:
        """The line with one cell typed in; a :class:`ValidationError` (the services' own
        validators) when the text cannot be that cell's value."""
        if column == C_NAME:
            name = validation.text_value(text, "name", max_length=500, required=True)
            product_id = line.product_id if name == line.name else None
            return replace(line, name=name, product_id=product_id)
        if column == C_UNIT:
            return replace(line, unit=validation.text_value(text, "unit", max_length=20))
        if column == C_QTY:
            new = replace(line, quantity=validation.quantity_value(text or "0", "quantity"))
        elif column == C_PRICE:
            new = replace(line, price=validation.money_value(text or "0", "price"))
        elif column == C_DISCOUNT:
            new = replace(line, discount_percent=validation.percent_value(text or "0", "discount_percent"))
        else:
            new = replace(line, vat_rate=validation.percent_value(text or "0", "vat_rate"))
        result = pricing.line_amounts(new.pricing_input(), vat_included=self.vat.included)
        validation.amount_in_range(max(result.gross, result.total), "amount")
        return new

    # editing operations (each an undo step)
    def add_line(self, line: LineValues | None = None) -> int:
        line = line or LineValues(name=_("New line"), vat_rate=self.default_vat())
        self.undo_stack.push(_InsertLine(self, len(self.lines), line))
        return len(self.lines) - 1

    def remove_line(self, row: int) -> None:
        if 0 <= row < len(self.lines):
            self.undo_stack.push(_RemoveLine(self, row, self.lines[row]))

    def default_vat(self) -> Decimal:
        rates = [line.vat_rate for line in self.lines]
        return rates[-1] if rates else country(self.vat.country).vat_rates[0]

    # raw changes (used by the undo commands)
    def _replace(self, row: int, line: LineValues) -> None:
        self.lines[row] = line
        self.dataChanged.emit(self.index(row, 0), self.index(row, 6))
        self.totals_changed.emit()

    def _insert(self, row: int, line: LineValues) -> None:
        self.beginInsertRows(QModelIndex(), row, row)
        self.lines.insert(row, line)
        self.endInsertRows()
        self.totals_changed.emit()

    def _remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        self.lines.pop(row)
        self.endRemoveRows()
        self.totals_changed.emit()

    def totals(self) -> pricing.Totals:
        return deal_card.totals(self.lines, self.vat)


class _SetLine(QUndoCommand):
    def __init__(self, model: LinesModel, row: int, old: LineValues, new: LineValues) -> None:
        super().__init__(_("editing a line"))
        self.model, self.row, self.old, self.new = model, row, old, new

    def redo(self) -> None:
        self.model._replace(self.row, self.new)

    def undo(self) -> None:
        self.model._replace(self.row, self.old)


class _InsertLine(QUndoCommand):
    def __init__(self, model: LinesModel, row: int, line: LineValues) -> None:
        super().__init__(_("adding a line"))
        self.model, self.row, self.line = model, row, line

    def redo(self) -> None:
        self.model._insert(self.row, self.line)

    def undo(self) -> None:
        self.model._remove(self.row)


class _RemoveLine(QUndoCommand):
    def __init__(self, model: LinesModel, row: int, line: LineValues) -> None:
        super().__init__(_("removing a line"))
        self.model, self.row, self.line = model, row, line

    def redo(self) -> None:
        self.model._remove(self.row)

    def undo(self) -> None:
        self.model._insert(self.row, self.line)


class ProductDelegate(QStyledItemDelegate):
    """The name column: free text, or a product from the catalog offered as you type."""

    def createEditor(self, parent: QWidget, option: Any, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("line_name_editor")
        items = QStandardItemModel(editor)
        completer = QCompleter(items, editor)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        editor.setCompleter(completer)
        editor.setProperty("picked", None)
        choices: dict[str, ProductChoice] = {}

        def search(text: str) -> None:
            items.clear()
            choices.clear()
            for choice in deal_card.product_choices(text) if len(text.strip()) >= 2 else []:
                label = choice.name
                choices[label] = choice
                item = QStandardItem(label)
                item.setToolTip(format_money(choice.price, choice.currency or "RUB"))
                items.appendRow(item)
            if items.rowCount():
                completer.complete()

        editor.textEdited.connect(search)
        completer.activated.connect(lambda text: editor.setProperty("picked", choices.get(text)))
        editor.setProperty("choices", choices)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, QLineEdit):
            editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        if not isinstance(editor, QLineEdit):
            return
        picked = editor.property("picked")
        choices = editor.property("choices") or {}
        choice = picked if isinstance(picked, ProductChoice) else choices.get(editor.text())
        model.setData(index, choice if isinstance(choice, ProductChoice) else editor.text())


class LinesEditor(QWidget):
    """Table, add/remove/undo buttons and the totals under it."""

    changed = Signal()

    def __init__(self, vat: VatSetup, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lines_editor")
        self.model = LinesModel(vat, currency, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        self.add_button = self._button("line_add", _("Add line"), self.add_line, "Ins",
                                       _("Add a product line (Insert)"))
        self.remove_button = self._button("line_remove", _("Remove line"), self.remove_current,
                                          None, _("Remove the selected line (Delete)"))
        self.undo_action, self.redo_action = undo_redo_actions(self.model.undo_stack, self)
        undo_button = QToolButton(self)
        undo_button.setDefaultAction(self.undo_action)
        undo_button.setObjectName("line_undo")
        for widget in (self.add_button, self.remove_button, undo_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.table = QTableView(self)
        self.table.setObjectName("lines_table")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(C_NAME, ProductDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(C_NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in ((C_QTY, 70), (C_UNIT, 60), (C_PRICE, 110), (C_DISCOUNT, 90),
                              (C_VAT, 70), (C_TOTAL, 120)):
            header.resizeSection(column, width)
        layout.addWidget(self.table, 1)
        delete = QAction(self)
        delete.setShortcut(QKeySequence.StandardKey.Delete)
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(self.remove_current)
        self.table.addAction(delete)

        self.totals_label = QLabel(self)
        self.totals_label.setObjectName("lines_totals")
        self.totals_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.totals_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.totals_label)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("lines_error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c0392b;")
        self.error_label.setVisible(False)
        layout.addWidget(self.error_label)
        self.model.refused.connect(self._show_refusal)
        self.model.totals_changed.connect(lambda: self._show_refusal(""))
        self.model.totals_changed.connect(self._show_totals)
        self.model.totals_changed.connect(self.changed)
        self._show_totals()

    def _button(self, name: str, text: str, slot: Any, shortcut: str | None, tip: str) -> QToolButton:
        action = QAction(text, self)
        action.triggered.connect(slot)
        action.setToolTip(tip)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        button = QToolButton(self)
        button.setObjectName(name)
        button.setDefaultAction(action)
        return button

    def set_lines(self, lines: list[LineValues], editable: bool = True) -> None:
        self.model.editable = editable
        self.model.set_lines(lines)
        self.add_button.setEnabled(editable)
        self.remove_button.setEnabled(editable)

    def lines(self) -> list[LineValues]:
        return list(self.model.lines)

    def add_line(self) -> None:
        if not self.model.editable:
            return
        row = self.model.add_line()
        index = self.model.index(row, C_NAME)
        self.table.setCurrentIndex(index)
        self.table.edit(index)

    def remove_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid() and self.model.editable:
            self.model.remove_line(index.row())

    def _show_refusal(self, message: str) -> None:
        """Say under the table why the last typed value was not taken (hidden once a value is)."""
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def _show_totals(self) -> None:
        totals = self.model.totals()
        currency = self.model.currency or "RUB"

        def money_text(amount: Decimal) -> str:
            return format_money(amount, currency)

        if self.model.vat.included:
            text = _("Total: <b>{total}</b>, VAT included: {vat}").format(
                total=money_text(totals.grand_total), vat=money_text(totals.vat_total))
        else:
            text = _("Subtotal: {net} · VAT: {vat} · Total: <b>{total}</b>").format(
                net=money_text(totals.net_total), vat=money_text(totals.vat_total),
                total=money_text(totals.grand_total))
        if totals.discount_total:
            text = _("Discount: {discount}").format(discount=money_text(totals.discount_total)) \
                + " · " + text
        self.totals_label.setText(text)
