"""The quote / invoice editor: header texts, print toggles, lines with live totals, and actions.

A draft is edited and saved in one transaction (``quotes.save_draft`` / ``invoices.save_draft``);
a sent quote or an issued invoice opens read-only. Totals are recomputed as the user types with
the same Decimal maths the services store (``desktop_crm.pricing``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from desktop_crm import pricing, validation
from desktop_crm.countries import country
from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.i18n import _, ngettext
from desktop_crm.i18n.formatting import format_amount, format_quantity
from desktop_crm.ids import DocumentId
from desktop_crm.services.billing import documents, invoices, quotes, rendering, screens
from desktop_crm.views.common.accessibility import label_forms
from desktop_crm.views.common.dialogs import show_error
from desktop_crm.workers import run_in_background

COLUMNS = ("name", "quantity", "unit", "price", "discount_percent", "vat_rate", "natura", "amount")


def _column_titles() -> list[str]:
    return [_("Name"), _("Qty"), _("Unit"), _("Price"), _("Discount, %"), _("VAT, %"), _("Natura"),
            _("Amount")]


def parse_number(text: str, key: str = "price") -> Decimal:
    """A number typed in the UI language (\"1 234,5\" in Russian, \"1,234.5\" in English); a
    ``ValidationError`` for text, NaN, infinities and numbers past what a line may hold."""
    limit = validation.MAX_QUANTITY if key == "quantity" else validation.MAX_MONEY
    return validation.decimal_value(text, key, places=8, maximum=limit, minimum=-limit)


def _qdate(value: dt.date | None) -> QDate:
    value = value or dt.date.today()
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


class DocumentEditor(QDialog):
    """Edit one quote or invoice. ``changed`` fires after anything was saved or issued."""

    changed = Signal()

    def showEvent(self, event: QShowEvent) -> None:
        label_forms(self)  # every label the buddy of its editor, every editor named
        super().showEvent(event)

    def __init__(self, context: Any, kind: str, document_id: DocumentId,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{kind}_editor")
        self.context = context
        self.kind = kind
        self.document_id = document_id
        self.resize(980, 760)
        self._building = False
        layout = QVBoxLayout(self)
        self.heading = QLabel(self)
        self.heading.setObjectName("heading")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)

        header = QHBoxLayout()
        form = QFormLayout()
        self.seller = QComboBox(self)
        self.seller.setObjectName("seller")
        form.addRow(_("Seller"), self.seller)
        self.language = QComboBox(self)
        for code, name in (("ru", "Русский"), ("it", "Italiano"), ("en", "English")):
            self.language.addItem(name, code)
        form.addRow(_("Document language"), self.language)
        self.subject = QLineEdit(self)
        form.addRow(_("Subject"), self.subject)
        self.addressee = QLineEdit(self)
        self.addressee.setPlaceholderText(_("e.g. To the General Director of … (as printed)"))
        form.addRow(_("Addressee"), self.addressee)
        self.salutation = QLineEdit(self)
        form.addRow(_("Salutation"), self.salutation)
        self.basis = QLineEdit(self)
        form.addRow(_("Basis (contract, order)"), self.basis)
        self.date_edit = QDateEdit(self)
        self.date_edit.setObjectName("date")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd.MM.yyyy")
        # an invoice is due after the days its payment terms name (else the usual term), counted
        # from the day it is issued — unless the user sets a date here
        self._due_explicit = False
        self.date_edit.dateChanged.connect(self._due_date_edited)
        self.due_hint = QLabel(self)
        self.due_hint.setObjectName("due_hint")
        date_row = QHBoxLayout()
        date_row.addWidget(self.date_edit)
        date_row.addWidget(self.due_hint, 1)
        self.due_hint.setVisible(kind == "invoice")
        form.addRow(_("Valid until") if kind == "quote" else _("Due date"), date_row)
        header.addLayout(form, 3)

        terms_box = QGroupBox(_("Terms"), self)
        terms = QFormLayout(terms_box)
        self.payment_terms = QLineEdit(self)
        self.payment_terms.setObjectName("payment_terms")
        self.payment_terms.setPlaceholderText(_("e.g. within 30 days"))
        self.payment_terms.textChanged.connect(lambda _text: self._show_due_date())
        terms.addRow(_("Payment"), self.payment_terms)
        self.delivery_terms = QLineEdit(self)
        terms.addRow(_("Delivery"), self.delivery_terms)
        self.warranty_terms = QLineEdit(self)
        terms.addRow(_("Warranty"), self.warranty_terms)
        toggles = QHBoxLayout()
        self.toggles: dict[str, QCheckBox] = {}
        for key, text in (("logo", _("Logo")), ("stamp", _("Stamp")), ("signature", _("Signature")),
                          ("qr", _("Payment QR"))):
            box = QCheckBox(text, self)
            box.setObjectName(f"toggle_{key}")
            self.toggles[key] = box
            toggles.addWidget(box)
        terms.addRow(_("Print"), toggles)
        header.addWidget(terms_box, 2)
        layout.addLayout(header)

        self.intro = QPlainTextEdit(self)
        self.intro.setPlaceholderText(_("Introduction printed above the table"))
        self.intro.setMaximumHeight(60)
        layout.addWidget(self.intro)

        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("lines")
        self.table.setHorizontalHeaderLabels(_column_titles())
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._recalculate)
        layout.addWidget(self.table, 1)
        line_buttons = QHBoxLayout()
        self.add_line_button = QPushButton(_("Add line"), self)
        self.add_line_button.clicked.connect(lambda: self.add_line({}))
        self.remove_line_button = QPushButton(_("Remove line"), self)
        self.remove_line_button.clicked.connect(self.remove_selected_lines)
        self.update_vat_button = QPushButton(_("Update VAT rates"), self)
        self.update_vat_button.setObjectName("update_vat")
        self.update_vat_button.setToolTip(_("Lines at a VAT rate no longer in force take the rate "
                                            "in force today"))
        self.update_vat_button.clicked.connect(self.update_vat)
        line_buttons.addWidget(self.add_line_button)
        line_buttons.addWidget(self.remove_line_button)
        line_buttons.addWidget(self.update_vat_button)
        line_buttons.addStretch(1)
        self.totals = QLabel(self)
        self.totals.setObjectName("totals")
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        line_buttons.addWidget(self.totals)
        layout.addLayout(line_buttons)

        self.notes = QPlainTextEdit(self)
        self.notes.setPlaceholderText(_("Notes printed at the end"))
        self.notes.setMaximumHeight(50)
        layout.addWidget(self.notes)

        buttons = QHBoxLayout()
        self.save_button = QPushButton(_("Save"), self)
        self.save_button.setObjectName("save")
        self.save_button.clicked.connect(self.save)
        self.preview_button = QPushButton(_("Preview…"), self)
        self.preview_button.setObjectName("preview")
        self.preview_button.clicked.connect(self.preview)
        self.finalize_button = QPushButton(
            _("Send (freeze this revision)") if kind == "quote" else _("Issue (assign the number)"), self)
        self.finalize_button.setObjectName("finalize")
        self.finalize_button.clicked.connect(self.finalize)
        close = QPushButton(_("Close"), self)
        close.clicked.connect(self.reject)
        for button in (self.save_button, self.preview_button, self.finalize_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.load()

    # -- data --------------------------------------------------------------------------------

    def load(self) -> None:
        self.data = screens.editor_data(self.kind, self.document_id)
        data = self.data
        self._building = True
        self.setWindowTitle(data.title)
        status = screens.status_text(data.kind, data.status)
        if data.kind == "invoice" and data.status != "draft":  # an Italian invoice's way through SDI
            from desktop_crm.services.billing import sdi

            state = sdi.sdi_status(data.id)
            if state is not None:
                status += f" · {sdi.status_label(state)}"
        self.heading.setText(f"{data.title} — {data.buyer_name} — {status}")
        self.seller.clear()
        for key, name in data.sellers:
            self.seller.addItem(name, key)
        self.seller.setCurrentIndex(max(0, self.seller.findData(data.own_company_id)))
        self.language.setCurrentIndex(max(0, self.language.findData(data.language)))
        self.subject.setText(data.subject)
        self.addressee.setText(data.addressee)
        self.salutation.setText(data.salutation)
        self.basis.setText(data.basis)
        self.date_edit.setDate(_qdate(data.valid_until if self.kind == "quote" else data.due_date))
        self._due_explicit = self.kind == "invoice" and data.due_date is not None
        self.payment_terms.setText(data.terms.get("payment", ""))
        self._show_due_date()
        self.delivery_terms.setText(data.terms.get("delivery", ""))
        self.warranty_terms.setText(data.terms.get("warranty", ""))
        for key, box in self.toggles.items():
            box.setChecked(bool(data.print_options.get(key)))
        self.intro.setPlainText(data.intro)
        self.notes.setPlainText(data.notes)
        self.table.setRowCount(0)
        for line in data.lines:
            self.add_line(line)
        self.table.setColumnHidden(COLUMNS.index("natura"), not country(data.country).uses_natura)
        self._building = False
        self._recalculate()
        editable = data.editable
        for widget in (self.seller, self.update_vat_button, self.language, self.subject,
                       self.addressee, self.salutation, self.basis,
                       self.date_edit, self.payment_terms, self.delivery_terms, self.warranty_terms,
                       self.intro, self.notes, self.add_line_button, self.remove_line_button,
                       self.save_button, self.finalize_button, *self.toggles.values()):
            widget.setEnabled(editable)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AllEditTriggers if editable
            else QAbstractItemView.EditTrigger.NoEditTriggers
        )

    def add_line(self, line: dict[str, Any]) -> None:
        building = self._building
        self._building = True
        row = self.table.rowCount()
        self.table.insertRow(row)
        rate = line.get("vat_rate")
        if rate is None:
            rate = self.data.default_vat_rate  # the seller's default in force: never 0 by accident
        values = {
            "name": line.get("name", ""),
            "quantity": format_quantity(line.get("quantity", Decimal("1"))),
            "unit": line.get("unit", ""),
            "price": format_amount(line.get("price", Decimal("0"))),
            "discount_percent": format_quantity(line.get("discount_percent", Decimal("0"))),
            "vat_rate": format_quantity(rate),
            "natura": line.get("natura", ""),
            "amount": "",
        }
        for column, key in enumerate(COLUMNS):
            item = QTableWidgetItem(str(values[key]))
            if key != "name":
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if key == "amount":
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, column, item)
        self._building = building
        if not building:
            self._recalculate()

    def remove_selected_lines(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)
        self._recalculate()

    def _cell(self, row: int, key: str) -> str:
        item = self.table.item(row, COLUMNS.index(key))
        return item.text().strip() if item else ""

    def lines(self) -> list[documents.LineData]:
        """The table's lines; numbers are read in the UI language (a bad one stays text, and the
        service refuses it with a message naming the line)."""

        def number(row: int, key: str, default: str) -> Any:
            text = self._cell(row, key) or default
            try:
                return parse_number(text, key)
            except ValidationError:
                return text

        return [
            documents.LineData(
                name=self._cell(row, "name"),
                quantity=number(row, "quantity", "1"),
                unit=self._cell(row, "unit"),
                price=number(row, "price", "0"),
                discount_percent=number(row, "discount_percent", "0"),
                vat_rate=number(row, "vat_rate", "0"),
                natura=self._cell(row, "natura"),
            )
            for row in range(self.table.rowCount())
        ]

    def _recalculate(self, *_args: Any) -> None:
        if self._building:
            return
        inputs: list[pricing.LineInput | None] = []
        valid = True
        for line in self.lines():
            qty, price, discount, rate = line.quantity, line.price, line.discount_percent, line.vat_rate
            if (isinstance(qty, Decimal) and isinstance(price, Decimal)
                    and isinstance(discount, Decimal) and isinstance(rate, Decimal)):
                inputs.append(pricing.LineInput(qty, price, discount, rate, line.natura))
            else:
                valid = False
                inputs.append(None)
        good = [i for i in inputs if i is not None]
        totals = pricing.compute(good, country=self.data.country, vat_included=self.data.vat_included)
        self._building = True
        results = iter(totals.lines)
        for row, item in enumerate(inputs):
            cell = self.table.item(row, COLUMNS.index("amount"))
            if cell is not None:
                cell.setText(format_amount(next(results).amount) if item is not None else "—")
        self._building = False
        text = _("Total {total} · VAT {vat}").format(
            total=format_amount(totals.grand_total), vat=format_amount(totals.vat_total)
        ) + f" {self.data.currency}"
        if not valid:
            text += " · " + _("some amounts are not numbers")
        self.totals.setText(text)

    def values(self) -> dict[str, Any]:
        terms = [
            {"key": key, "text": edit.text().strip()}
            for key, edit in (("payment", self.payment_terms), ("delivery", self.delivery_terms),
                              ("warranty", self.warranty_terms))
            if edit.text().strip()
        ]
        values: dict[str, Any] = {
            "language": self.language.currentData(),
            "own_company": self.seller.currentData() or self.data.own_company_id,
            "subject": self.subject.text().strip(),
            "basis": self.basis.text().strip(),
            "intro": self.intro.toPlainText().strip(),
            "notes": self.notes.toPlainText().strip(),
            "terms": terms,
            "print_options": {key: box.isChecked() for key, box in self.toggles.items()},
            "buyer_snapshot": {"addressee": self.addressee.text().strip(),
                               "salutation": self.salutation.text().strip()},
        }
        if self.kind == "quote":
            values["valid_until"] = _pydate(self.date_edit.date())
        else:  # a due date the user set; else none yet: issuing dates it from the terms
            values["due_date"] = _pydate(self.date_edit.date()) if self._due_explicit else None
        return values

    def _due_date_edited(self) -> None:
        if not self._building and self.kind == "invoice" and not self._showing_due:
            self._due_explicit = True
            self._show_due_date()

    _showing_due = False

    def _show_due_date(self) -> None:
        """The due date the terms give (from today, for a draft), and where it comes from."""
        if self.kind != "invoice" or not hasattr(self, "data"):
            return
        from desktop_crm.services.billing import due

        if self._due_explicit:
            self.due_hint.setText(_("as set") if self.data.editable else "")
            return
        days = due.days_in_terms(self.payment_terms.text())
        source = (_("{days} days from the payment terms") if days is not None
                  else _("{days} days, the usual term")).format(
            days=days if days is not None else self.data.default_due_days)
        self._showing_due = True
        self.date_edit.setDate(_qdate(dt.date.today() + dt.timedelta(
            days=days if days is not None else self.data.default_due_days)))
        self._showing_due = False
        self.due_hint.setText(_("counted from the issue date: {source}").format(source=source))

    # -- actions -----------------------------------------------------------------------------

    def save(self) -> bool:
        if not self.data.editable:
            return True
        try:
            service = quotes if self.kind == "quote" else invoices
            service.save_draft(self.document_id, self.values(), self.lines(), self.context.user.id)
        except CrmError as error:
            show_error(self, error.message)
            return False
        self.changed.emit()
        self.load()
        return True

    def update_vat(self) -> None:
        """Save, then move lines at a rate no longer in force to the rate in force today."""
        if not self.save():
            return
        try:
            changed = documents.update_document_vat(self.kind, self.document_id)
        except CrmError as error:
            show_error(self, error.message)
            return
        self.changed.emit()
        self.load()
        self.totals.setText(self.totals.text() + " · " + ngettext(
            "{n} line updated", "{n} lines updated", changed).format(n=changed))

    def preview(self) -> None:
        if not self.save():
            return
        open_preview(self.kind, self.document_id, self)

    def finalize(self) -> None:
        if not self.save():
            return
        try:
            if self.kind == "quote":
                quotes.send(self.document_id, self.context.user.id)
            else:
                invoices.issue(self.document_id, self.context.user.id)
        except CrmError as error:
            show_error(self, error.message)
            return
        self.changed.emit()
        self.load()


def open_preview(kind: str, document_id: DocumentId, parent: QWidget | None,
                 send: Callable[[], Any] | None = None,
                 on_shown: Callable[[QDialog], None] | None = None) -> None:
    """Render the document's PDF off the GUI thread (a draft's render takes a few hundred
    milliseconds), then show it in the preview dialog; ``on_shown`` gets the dialog."""
    from desktop_crm.views.documents.preview import PdfPreview

    def show(pdf: rendering.RenderedFile) -> None:
        if parent is not None and not isValid(parent):  # closed while the PDF was rendered
            return
        dialog = PdfPreview(pdf, lambda fmt: rendering.render(document_id, kind, fmt), parent, send)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        if on_shown is not None:
            on_shown(dialog)

    def failed(error: BaseException) -> None:
        if not isinstance(error, CrmError):
            raise error
        if parent is None or isValid(parent):
            show_error(parent, error.message)

    run_in_background(lambda _progress: rendering.render(document_id, kind, "pdf"),
                      on_result=show, on_error=failed, name="render preview")
