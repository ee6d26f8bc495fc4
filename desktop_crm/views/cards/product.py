"""The product card: name, SKU, unit and its code, price (Decimal) and currency, VAT, group, active."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop_crm.entities import Entity
from desktop_crm.errors import CrmError
from desktop_crm.i18n import _, pgettext
from desktop_crm.i18n.formatting import format_amount
from desktop_crm.services.sales import cards
from desktop_crm.views.cards.common import CardDialog, open_card, set_combo_value
from desktop_crm.views.cards.custom_fields import card_custom_fields, show_record_fields
from desktop_crm.views.context import AppContext


def unit_choices() -> list[tuple[str, str, str]]:
    """(unit, its OKEI / UN-ECE code, label) offered in the unit box; other units can be typed."""
    return [
        (_("pcs"), "796", _("pieces (796)")),
        (_("h"), "356", _("hours (356)")),
        (_("service"), "", _("service")),
        (_("kg"), "166", _("kilograms (166)")),
        (_("m"), "006", _("metres (006)")),
        (_("month"), "362", _("months (362)")),
    ]


class ProductCard(CardDialog):
    entity = Entity.PRODUCTS

    def __init__(self, context: AppContext, record_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, record_id, parent)
        self.resize(560, 480)
        self._values = cards.product_card(record_id) if record_id else None
        body = QWidget(self)
        form = QFormLayout(body)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.add_field(form, "name", pgettext("thing", "Name"), QLineEdit(body), True)
        self.add_field(form, "sku", _("SKU"), QLineEdit(body))
        unit = QComboBox(body)
        unit.setEditable(True)
        for name, code, label in unit_choices():
            unit.addItem(label, (name, code))
        unit.setCurrentIndex(-1)
        self.add_field(form, "unit", _("Unit"), unit)
        unit.activated.connect(self._unit_chosen)
        self.add_field(form, "unit_code", _("Unit code"), QLineEdit(body))
        self.editors["unit_code"].setToolTip(
            _("OKEI code for Russian documents, UN/ECE code for FatturaPA."))
        price = QLineEdit(body)
        price.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        price.setPlaceholderText("0,00")
        self.add_field(form, "price", _("Price"), price, True)
        currency = QComboBox(body)
        currency.setEditable(True)
        for code in cards.CURRENCIES:
            currency.addItem(code, code)
        self.add_field(form, "currency", _("Currency"), currency)
        vat = QLineEdit(body)
        vat.setPlaceholderText("20")
        self.add_field(form, "vat_rate", _("VAT, %"), vat)
        group = QComboBox(body)
        self._fill_groups(group)
        self.add_field(form, "group", _("Product group"), group)
        new_group = QPushButton(_("New group…"), body)
        new_group.setObjectName("new_group")
        new_group.clicked.connect(self.add_group)
        group_row = QHBoxLayout()
        group_row.addWidget(new_group)
        group_row.addStretch(1)
        form.addRow("", group_row)
        active = QCheckBox(_("Active (offered in new deals)"), body)
        self.add_field(form, "active", _("Status"), active)
        self.custom = card_custom_fields(self, Entity.PRODUCTS, body)
        form.addRow(self.custom)
        self.finish_layout(body)
        self._load()

    def _fill_groups(self, combo: QComboBox) -> None:
        current = combo.currentData()
        combo.clear()
        combo.addItem("—", None)
        for choice in cards.product_groups():
            combo.addItem(choice.name, choice.id)
        set_combo_value(combo, current)

    def _unit_chosen(self, index: int) -> None:
        data = self.editors["unit"].itemData(index)  # type: ignore[attr-defined]
        if data:
            self.editors["unit"].setEditText(data[0])  # type: ignore[attr-defined]
            self.editors["unit_code"].setText(data[1])  # type: ignore[attr-defined]
            self.mark_dirty()

    def add_group(self) -> None:
        name, ok = QInputDialog.getText(self, _("New product group"), _("Name:"))
        if not ok or not name.strip():
            return
        try:
            group_id = cards.add_product_group(name)
        except CrmError as error:
            self.show_banner(error.message)
            return
        combo = self.editors["group"]
        assert isinstance(combo, QComboBox)
        self._fill_groups(combo)
        set_combo_value(combo, group_id)
        self.context.notify_changed("product_groups")

    def reload_record(self) -> None:
        if self.record_id:
            self._values = cards.product_card(self.record_id)
            if self._values is not None:
                self._load()

    def _load(self) -> None:
        self._loading = True
        values = self._values or {"currency": "RUB", "active": True, "price": None,
                                  "vat_rate": None}
        self.editors["name"].setText(values.get("name", ""))  # type: ignore[attr-defined]
        self.editors["sku"].setText(values.get("sku", ""))  # type: ignore[attr-defined]
        self.editors["unit"].setEditText(values.get("unit", ""))  # type: ignore[attr-defined]
        self.editors["unit_code"].setText(values.get("unit_code", ""))  # type: ignore[attr-defined]
        price = values.get("price")
        self.editors["price"].setText(format_amount(price) if price is not None else "")  # type: ignore[attr-defined]
        vat = values.get("vat_rate")
        self.editors["vat_rate"].setText(  # type: ignore[attr-defined]
            format_amount(vat, places=0 if vat == vat.to_integral() else 2) if vat is not None
            else "")
        currency = self.editors["currency"]
        assert isinstance(currency, QComboBox)
        currency.setEditText(values.get("currency", "RUB"))
        set_combo_value(self.editors["group"], values.get("group"))  # type: ignore[arg-type]
        self.editors["active"].setChecked(bool(values.get("active", True)))  # type: ignore[attr-defined]
        show_record_fields(self.custom, Entity.PRODUCTS, self.record_id)
        self._loading = False
        self._update_title()

    def card_title(self) -> str:
        if self._values:
            return _("Product: {name}").format(name=self._values.get("name") or "—")
        return _("New product")

    def values(self) -> dict[str, Any]:
        editors = self.editors
        return {
            "name": editors["name"].text(),  # type: ignore[attr-defined]
            "sku": editors["sku"].text(),  # type: ignore[attr-defined]
            "unit": editors["unit"].currentText(),  # type: ignore[attr-defined]
            "unit_code": editors["unit_code"].text(),  # type: ignore[attr-defined]
            "price": editors["price"].text() or "0",  # type: ignore[attr-defined]
            "currency": editors["currency"].currentText(),  # type: ignore[attr-defined]
            "vat_rate": editors["vat_rate"].text() or "0",  # type: ignore[attr-defined]
            "group": editors["group"].currentData(),  # type: ignore[attr-defined]
            "active": editors["active"].isChecked(),  # type: ignore[attr-defined]
        }

    def on_edited(self) -> None:
        self.show_errors(cards.product_field_errors(self.values()))

    def save_changes(self) -> bool:
        values = self.values()
        errors = cards.product_field_errors(values)
        if errors:
            self.show_errors(errors)
            self.show_banner(_("Correct the highlighted fields."))
            return False
        product_id = cards.save_with_custom(Entity.PRODUCTS, lambda: cards.save_product(
            self.record_id, values, self.context.user.id), self.custom.values())
        self.record_id = product_id
        self._values = cards.product_card(product_id)
        self.show_banner("")
        self.show_errors({})
        return True


def open_product_card(context: AppContext, record_id: str | None,
                      parent: QWidget | None = None) -> ProductCard | None:
    card = open_card(lambda: ProductCard(context, record_id, parent), Entity.PRODUCTS, record_id)
    assert card is None or isinstance(card, ProductCard)
    return card
