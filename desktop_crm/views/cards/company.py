"""The company card: name, country and requisites checked while typing, its contacts and deals.

Russian companies show ИНН, КПП, ОГРН and the bank (БИК, correspondent and settlement accounts,
checked against the БИК); Italian ones the Partita IVA, Codice Fiscale, REA and the e-invoicing
address (SDI code or PEC); IBAN and SWIFT/BIC apply anywhere. Every wrong field has its own message.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.countries import DEFAULT, REGISTERED
from desktop_crm.entities import Entity
from desktop_crm.i18n import _, pgettext
from desktop_crm.i18n.formatting import country_name
from desktop_crm.services.sales import cards
from desktop_crm.services.system import session
from desktop_crm.validation import ISO_COUNTRIES
from desktop_crm.views.cards.common import (
    CardDialog,
    FieldsMixin,
    RowsModel,
    deal_headers,
    deal_rows,
    open_card,
    rows_table,
    set_combo_value,
)
from desktop_crm.views.cards.custom_fields import card_custom_fields, show_record_fields
from desktop_crm.views.cards.history import add_history_tab
from desktop_crm.views.common.contact_links import CardHeader
from desktop_crm.views.common.section import SECTION_SPACING, FormSection
from desktop_crm.views.context import AppContext
from desktop_crm.views.mail.card_actions import wire_card


def countries() -> list[tuple[str, str]]:
    """(code, translated name) of every country with rules of its own, then every other ISO 3166
    country by name (a company's country is always a real one: its requisites are checked by it)."""
    named = [(code, _(rules.name)) for code, rules in REGISTERED.items()]
    others = sorted(((code, country_name(code)) for code in ISO_COUNTRIES if code not in REGISTERED),
                    key=lambda pair: pair[1].casefold())
    return [*named, *others]


def requisite_labels() -> dict[str, str]:
    return {
        "short_name": pgettext("organisation", "Name"),
        "legal_name": _("Legal name"),
        "country": _("Country"),
        "inn": _("INN"),
        "kpp": _("KPP"),
        "ogrn": _("OGRN / OGRNIP"),
        "bank_name": _("Bank"),
        "bik": _("BIK"),
        "corr_account": _("Correspondent account"),
        "account": _("Settlement account"),
        "vat_number": _("Partita IVA"),
        "fiscal_code": _("Codice Fiscale"),
        "rea": _("REA number"),
        "sdi_code": _("SDI code"),
        "pec": _("PEC"),
        "regime_fiscale": _("Tax regime (RF01…RF19)"),
        "iban": _("IBAN"),
        "bic": _("SWIFT/BIC"),
        "address": _("Address"),
        "postal_code": _("Postal code"),
        "city": _("City"),
        "province": _("Province"),
        "email": pgettext("address", "E-mail"),
        "phone": _("Phone"),
        "website": _("Website"),
        "responsible": _("Responsible"),
        "comment": _("Comment"),
    }


class RequisitesForm(QWidget):
    """The requisites editors grouped by country (shared by client and own companies)."""

    ANY = ("iban", "bic")
    ADDRESS = ("address", "postal_code", "city", "province", "email", "phone")

    def __init__(self, card: FieldsMixin, role: str, parent: QWidget | None = None) -> None:
        """``role``: "buyer" (a client company) or "seller" (an own company)."""
        super().__init__(parent)
        self.card = card
        labels = requisite_labels()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SECTION_SPACING)
        names = FormSection("", self, "names")
        layout.addWidget(names)
        card.add_field(names.form, "short_name", labels["short_name"], QLineEdit(self), True)
        card.add_field(names.form, "legal_name", labels["legal_name"], QLineEdit(self))
        names.next_column()
        country = QComboBox(self)
        for code, name in countries():
            country.addItem(name, code)
        card.add_field(names.form, "country", labels["country"], country)
        country.currentIndexChanged.connect(self.country_changed)
        national = {code: rules.requisite_fields(role) for code, rules in REGISTERED.items()}
        self.national_boxes = {
            code: self._group(_(REGISTERED[code].requisites_title), names, labels)
            for code, names in national.items()
        }
        self.bank_box = self._group(_("International bank details"), self.ANY, labels)
        self.address_box = self._group(_("Address and contacts"), self.ADDRESS, labels)
        for box in (*self.national_boxes.values(), self.bank_box, self.address_box):
            layout.addWidget(box)
        short = (*self.ANY, "postal_code", "province")
        for name in (*(name for names in national.values() for name in names), *short):
            editor = card.editors.get(name)
            if isinstance(editor, QLineEdit):
                editor.setMaximumWidth(320)

    def _group(self, title: str, names: tuple[str, ...], labels: dict[str, str]) -> FormSection:
        """A titled section: the first half of the fields on the left, the rest on the right."""
        box = FormSection(title, self)
        half = (len(names) + 1) // 2
        for number, name in enumerate(names):
            if number == half and len(names) > 1:
                box.next_column()
            editor: QWidget = QPlainTextEdit(box) if name == "address" else QLineEdit(box)
            if isinstance(editor, QPlainTextEdit):
                editor.setMaximumHeight(60)
            self.card.add_field(box.form, name, labels[name], editor)
        return box

    def country_changed(self) -> None:
        code = self.card.editors["country"].currentData()  # type: ignore[attr-defined]
        for box_code, box in self.national_boxes.items():
            box.setVisible(box_code == code)


def read_editors(card: FieldsMixin, names: tuple[str, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        editor = card.editors.get(name)
        if isinstance(editor, QLineEdit):
            values[name] = editor.text()
        elif isinstance(editor, QPlainTextEdit):
            values[name] = editor.toPlainText()
        elif isinstance(editor, QComboBox):
            values[name] = editor.currentData()
    return values


def write_editors(card: FieldsMixin, values: dict[str, Any]) -> None:
    for name, editor in card.editors.items():
        if name not in values:
            continue
        value = values[name]
        if isinstance(editor, QLineEdit):
            editor.setText("" if value is None else str(value))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText(value or "")
        elif isinstance(editor, QComboBox):
            set_combo_value(editor, value)


class CompanyCard(CardDialog):
    entity = Entity.COMPANIES

    def __init__(self, context: AppContext, record_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, record_id, parent)
        self.resize(820, 760)
        self._values = cards.company_card(record_id) if record_id else None
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("company_tabs")
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        inner = QWidget(area)
        column = QVBoxLayout(inner)
        column.setSpacing(SECTION_SPACING)
        self.header = CardHeader(inner)
        column.addWidget(self.header)
        self.requisites = RequisitesForm(self, "buyer", inner)
        column.addWidget(self.requisites)
        other = FormSection("", inner, "other")
        column.addWidget(other)
        labels = requisite_labels()
        self.add_field(other.form, "website", labels["website"], QLineEdit(inner))
        other.next_column()
        responsible = QComboBox(inner)
        responsible.addItem("—", None)
        for user in session.users():
            responsible.addItem(user.name, str(user.id))
        self.add_field(other.form, "responsible", labels["responsible"], responsible)
        comment_section = FormSection("", inner, "comment")
        column.addWidget(comment_section)
        comment = QPlainTextEdit(inner)
        comment.setMaximumHeight(70)
        self.add_field(comment_section.form, "comment", labels["comment"], comment)
        self.custom = card_custom_fields(self, Entity.COMPANIES, inner)
        column.addWidget(self.custom)
        column.addStretch(1)
        area.setWidget(inner)
        self.tabs.addTab(area, _("Details"))

        contacts_page = QWidget(self)
        contacts_layout = QVBoxLayout(contacts_page)
        self.contacts_model = RowsModel([_("Name"), _("Phone"), _("E-mail"), _("Position")], self)
        self.contacts_view = rows_table(contacts_page, self.contacts_model,
                                        lambda rid: context.open_record(Entity.CONTACTS, rid, self))
        self.contacts_view.setObjectName("company_contacts")
        contacts_layout.addWidget(self.contacts_view)
        buttons = QHBoxLayout()
        add_contact = QPushButton(_("New contact…"), contacts_page)
        add_contact.clicked.connect(lambda: context.open_record(Entity.CONTACTS, None, self))
        buttons.addWidget(add_contact)
        buttons.addStretch(1)
        contacts_layout.addLayout(buttons)
        self.tabs.addTab(contacts_page, _("Contacts"))
        self.deals_model = RowsModel(deal_headers(), self)
        self.deals_view = rows_table(self, self.deals_model,
                                     lambda rid: context.open_record(Entity.DEALS, rid, self))
        self.deals_view.setObjectName("company_deals")
        self.tabs.addTab(self.deals_view, _("Deals"))
        self.tabs.setTabEnabled(1, bool(record_id))
        self.tabs.setTabEnabled(2, bool(record_id))
        self.field_history = add_history_tab(self, context, self.tabs, "company", Entity.COMPANIES,
                                             record_id)
        self.finish_layout(self.tabs)
        wire_card(self, "company", ("email",), ("phone",), can_log_calls=False)
        self._load()
        context.signals.changed.connect(self._changed_elsewhere)

    def reload_record(self) -> None:
        if self.record_id:
            self._values = cards.company_card(self.record_id)
            if self._values is not None:
                self._load()

    def _load(self) -> None:
        self._loading = True
        values = dict(self._values or {"country": DEFAULT.code, "responsible": str(self.context.user.id)})
        write_editors(self, values)
        show_record_fields(self.custom, Entity.COMPANIES, self.record_id)
        self._loading = False
        self.requisites.country_changed()
        self._load_related()
        self._update_title()
        self.header.setVisible(bool(self.record_id))
        self.header.set_record(values.get("display_name") or values.get("short_name") or "",
                               values.get("city") or "", (values.get("phone") or "",),
                               (values.get("email") or "",))

    def _load_related(self) -> None:
        if not self.record_id:
            return
        self.contacts_model.set_rows([
            (p.id, [p.name, p.phone, p.email, p.position])
            for p in cards.contacts_of_company(self.record_id)
        ])
        self.deals_model.set_rows(deal_rows(cards.deals_of(company=self.record_id)))

    def _changed_elsewhere(self, entity: str) -> None:
        if entity in (Entity.CONTACTS, Entity.DEALS):
            self._load_related()

    def card_title(self) -> str:
        if self._values:
            return _("Company: {name}").format(name=self._values.get("display_name") or "—")
        return _("New company")

    def values(self) -> dict[str, Any]:
        return read_editors(self, cards.COMPANY_FIELDS)

    def on_edited(self) -> None:
        self.requisites.country_changed()
        self.show_errors(cards.requisites_field_errors(self.values()))

    def save_changes(self) -> bool:
        values = self.values()
        company_id = cards.save_with_custom(Entity.COMPANIES, lambda: cards.save_company(
            self.record_id, values, self.context.user.id), self.custom.values())
        self.record_id = company_id
        self._values = cards.company_card(company_id)
        self.show_banner("")
        self.show_errors({})
        self.tabs.setTabEnabled(1, True)
        self.tabs.setTabEnabled(2, True)
        self._load_related()
        return True


def open_company_card(context: AppContext, record_id: str | None,
                      parent: QWidget | None = None) -> CompanyCard | None:
    card = open_card(lambda: CompanyCard(context, record_id, parent), Entity.COMPANIES, record_id)
    assert card is None or isinstance(card, CompanyCard)
    return card
