"""Settings › Own companies: the companies that issue quotes and invoices, with their
requisites, document defaults, logo, stamp and signature."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.countries import DEFAULT
from desktop_crm.i18n import N_, _
from desktop_crm.i18n.formatting import format_amount
from desktop_crm.ids import OwnCompanyId
from desktop_crm.models.enums import Action
from desktop_crm.services.billing import documents
from desktop_crm.services.sales import cards
from desktop_crm.services.system import admin
from desktop_crm.views.cards.common import RowsModel
from desktop_crm.views.cards.company import RequisitesForm, read_editors, write_editors
from desktop_crm.views.common.dialogs import confirm, show_error
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec

IMAGE_LABELS = {"logo": N_("Logo"), "stamp": N_("Stamp"), "signature": N_("Signature")}
IMAGE_FILTER = N_("Images (*.png *.jpg *.jpeg *.bmp *.gif)")


class ImagePicker(QWidget):
    """An image kept as bytes: a preview, Choose… and Remove."""

    changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"image_{name}")
        self.data = b""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.preview = QLabel(self)
        self.preview.setObjectName(f"preview_{name}")
        self.preview.setFixedSize(160, 90)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("border: 1px dashed #999;")
        layout.addWidget(self.preview)
        row = QHBoxLayout()
        choose = QPushButton(_("Choose…"), self)
        choose.clicked.connect(self.choose)
        remove = QPushButton(_("Remove"), self)
        remove.clicked.connect(lambda: self.set_data(b"", notify=True))
        row.addWidget(choose)
        row.addWidget(remove)
        layout.addLayout(row)
        self.set_data(b"")

    def choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Choose an image"), "", _(IMAGE_FILTER))
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> bool:
        with open(path, "rb") as handle:
            data = handle.read()
        if QPixmap().loadFromData(QByteArray(data)) is False:
            show_error(self, _("The file is not an image that can be read."))
            return False
        self.set_data(data, notify=True)
        return True

    def set_data(self, data: bytes, notify: bool = False) -> None:
        self.data = data or b""
        pixmap = QPixmap()
        if self.data and pixmap.loadFromData(QByteArray(self.data)):
            self.preview.setPixmap(pixmap.scaled(self.preview.size(),
                                                 Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation))
        else:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(_("No image"))
        if notify:
            self.changed.emit()


class OwnCompaniesPage(SettingsPage):
    """The own companies listed on the left, the chosen one's requisites and images on the right."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.current_id: OwnCompanyId | None = None
        self.rows: list[admin.OwnCompanyRow] = []
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.list_model = RowsModel([_("Company")], self)
        self.list_view = QListView(self)
        self.list_view.setObjectName("own_company_list")
        self.list_view.setModel(self.list_model)
        self.list_view.setMaximumWidth(240)
        self.list_view.clicked.connect(lambda index: self.select(self.rows[index.row()].id))
        left.addWidget(self.list_view)
        add = QPushButton(_("Add a company"), self)
        add.setObjectName("own_company_add")
        add.clicked.connect(self.add_company)
        left.addWidget(add)
        layout.addLayout(left)
        right = QVBoxLayout()
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        inner = QWidget(area)
        column = QVBoxLayout(inner)
        self.requisites = RequisitesForm(self, "seller", inner)
        column.addWidget(self.requisites)
        extra = QGroupBox(_("Documents"), inner)
        form = QFormLayout(extra)
        self.add_field(form, "director_name", _("Director"), QLineEdit(extra))
        self.add_field(form, "accountant_name", _("Chief accountant"), QLineEdit(extra))
        currency = QComboBox(extra)
        for code in cards.CURRENCIES:
            currency.addItem(code, code)
        self.add_field(form, "default_currency", _("Default currency"), currency)
        self.add_field(form, "default_vat_rate", _("Default VAT, %"), QLineEdit(extra))
        vat_mode = QComboBox(extra)
        vat_mode.addItem(_("Prices include VAT"), "included")
        vat_mode.addItem(_("VAT is added on top"), "on_top")
        self.add_field(form, "vat_mode", _("VAT in prices"), vat_mode)
        self.add_field(form, "is_default", _("Default"),
                       QCheckBox(_("Used for new quotes and invoices"), extra))
        self.add_field(form, "bollo_charged", _("Italian stamp duty"), QCheckBox(
            _("Charge the bollo to the client as an invoice line (else: paid virtually, noted)"), extra))
        column.addWidget(extra)
        images = QGroupBox(_("Logo, stamp and signature"), inner)
        grid = QGridLayout(images)
        self.images: dict[str, ImagePicker] = {}
        for position, (name, label) in enumerate(IMAGE_LABELS.items()):
            grid.addWidget(QLabel(_(label), images), 0, position)
            picker = ImagePicker(name, images)
            picker.changed.connect(self.mark_dirty)
            grid.addWidget(picker, 1, position)
            self.images[name] = picker
        column.addWidget(images)
        column.addStretch(1)
        area.setWidget(inner)
        right.addWidget(area, 1)
        right.addWidget(self.footer())
        layout.addLayout(right, 1)
        self.reload()

    def reload(self) -> None:
        self.rows = rows = admin.own_companies()
        self.list_model.set_rows([
            (row.id, [row.name + (" ★" if row.is_default else "")]) for row in rows])
        if rows and self.current_id is None:
            self.select(rows[0].id)
        elif not rows:
            self.select(None)

    def select(self, company_id: OwnCompanyId | None) -> None:
        if self.dirty and company_id != self.current_id and not confirm(
            self, _("Unsaved changes"), _("Discard the changes to this company?"),
            _("Discard changes")):
            return
        self.current_id = company_id
        values = admin.own_company_card(company_id) if company_id else None
        values = values or {"country": DEFAULT.code, "default_currency": DEFAULT.currency,
                            "vat_mode": "included", "default_vat_rate": None}
        self._loading = True
        shown = dict(values)
        vat = shown.get("default_vat_rate")
        shown["default_vat_rate"] = (
            format_amount(vat, places=0 if vat == vat.to_integral() else 2) if vat is not None
            else "")
        write_editors(self, shown)
        self.editor("is_default", QCheckBox).setChecked(bool(values.get("is_default")))
        self.editor("bollo_charged", QCheckBox).setChecked(documents.bollo_charged())
        for name, picker in self.images.items():
            picker.set_data(values.get(name) or b"")
        self._loading = False
        self.requisites.country_changed()
        self.show_errors({})
        self.set_clean()

    def add_company(self) -> None:
        self.select(None)
        self.editors["short_name"].setFocus()

    def values(self) -> dict[str, Any]:
        names = (*cards.REQUISITE_FIELDS, "regime_fiscale", "pec", "director_name",
                 "accountant_name", "default_currency", "default_vat_rate", "vat_mode")
        values = read_editors(self, names)
        values["default_vat_rate"] = values["default_vat_rate"] or "0"
        values["is_default"] = self.editor("is_default", QCheckBox).isChecked()
        for name, picker in self.images.items():
            values[name] = picker.data
        return values

    def on_edited(self) -> None:
        self.requisites.country_changed()
        self.show_errors(cards.requisites_field_errors(self.values()))

    def save_changes(self) -> bool:
        self.current_id = admin.save_own_company(self.current_id, self.values())
        documents.set_bollo_charged(self.editor("bollo_charged", QCheckBox).isChecked())
        self.set_clean()
        self.reload()
        return True


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("own_companies", N_("Own companies"), OwnCompaniesPage, order=10,
                       requires=Action.CHANGE_SETTINGS))
