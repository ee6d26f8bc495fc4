"""The first-run assistant: the language first (applied at once: the assistant retranslates itself),
then a demo database or "my business" — the own company with its requisites checked as they are
typed, a ready pipeline from a template, product groups, the country's VAT defaults and the first
user, an administrator.

It runs before a database exists, so it only asks services that read none
(``services.system.setup``: templates, VAT defaults, checks); the shell creates the database and
calls ``setup.set_up_business`` with :meth:`FirstRunAssistant.outcome`.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop_crm import i18n
from desktop_crm.countries import DEFAULT
from desktop_crm.i18n import _
from desktop_crm.i18n.formatting import format_amount
from desktop_crm.services.sales import cards
from desktop_crm.services.system import setup
from desktop_crm.views.cards.common import ERROR_STYLE, FieldsMixin, set_combo_value
from desktop_crm.views.cards.company import RequisitesForm, read_editors, write_editors

PAGE_LANGUAGE, PAGE_START, PAGE_COMPANY, PAGE_SALES, PAGE_USER = range(5)
COMPANY_NAMES = (*cards.REQUISITE_FIELDS,)


@dataclass(frozen=True)
class FirstRunOutcome:
    language: str
    mode: str  # "demo" or "business"
    setup: setup.BusinessSetup | None = None


def _rate_text(rate: Decimal) -> str:
    return format_amount(rate, places=0 if rate == rate.to_integral() else 2)


class LanguagePage(QWizardPage):
    def __init__(self, assistant: FirstRunAssistant) -> None:
        super().__init__(assistant)
        self.setObjectName("first_run_language")
        layout = QVBoxLayout(self)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for code, label in i18n.language_names():
            button = QRadioButton(label, self)
            button.setObjectName(f"first_run_language_{code}")
            button.setChecked(code == i18n.current_language())
            button.toggled.connect(lambda checked, c=code: self._chosen(assistant, c, checked))
            self.group.addButton(button)
            layout.addWidget(button)
            self.buttons[code] = button
        layout.addStretch(1)
        self.retranslate()

    @staticmethod
    def _chosen(assistant: FirstRunAssistant, code: str, checked: bool) -> None:
        if checked:
            assistant.change_language(code)

    def retranslate(self) -> None:
        self.setTitle(_("Welcome to Desktop CRM"))
        self.setSubTitle(_("Choose the language of the application. It applies at once; you can "
                           "change it later in Settings."))


class _Page(QWizardPage):
    """A page whose contents are built in the current language and built again, keeping what was
    typed (:meth:`state`, :meth:`restore`), when the language changes."""

    def __init__(self, assistant: FirstRunAssistant, name: str) -> None:
        super().__init__(assistant)
        self.assistant = assistant
        self.setObjectName(name)
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self.body: QWidget | None = None

    def rebuild(self, keep: bool = True) -> None:
        state = self.state() if keep and self.body is not None else None
        old, self.body = self.body, QWidget(self)
        self.build(self.body)
        if old is not None:
            self._outer.replaceWidget(old, self.body)
            old.hide()
            old.deleteLater()
        else:
            self._outer.addWidget(self.body)
        if state is not None:
            self.restore(state)
        self.completeChanged.emit()

    @abstractmethod
    def build(self, body: QWidget) -> None:
        """Make the page's widgets (its title too) in ``body``, in the current language."""

    def state(self) -> dict[str, Any]:
        return {}

    def restore(self, state: dict[str, Any]) -> None:
        return None


class StartPage(_Page):
    def __init__(self, assistant: FirstRunAssistant) -> None:
        super().__init__(assistant, "first_run_start")
        self.rebuild()

    def build(self, body: QWidget) -> None:
        self.setTitle(_("How would you like to start?"))
        self.setSubTitle(_("There is no database yet."))
        layout = QVBoxLayout(body)
        self.business = QRadioButton(_("Set up my business"), body)
        self.business.setObjectName("first_run_business")
        layout.addWidget(self.business)
        layout.addWidget(self._note(body, _("Your company and its requisites, a ready pipeline, "
                                            "product groups and VAT defaults, and you as the "
                                            "administrator.")))
        self.demo = QRadioButton(_("Explore a demo database"), body)
        self.demo.setObjectName("first_run_demo")
        self.demo.setEnabled(self.assistant.demo_available)
        layout.addWidget(self.demo)
        layout.addWidget(self._note(body, _("Sample companies, contacts and deals, so you can try "
                                            "everything safely.")))
        layout.addStretch(1)
        self.business.setChecked(True)
        # a demo ends here: Finish instead of Next (setFinalPage lays the buttons out again)
        self.demo.toggled.connect(self.setFinalPage)

    def _note(self, body: QWidget, text: str) -> QLabel:
        label = QLabel(text, body)
        label.setWordWrap(True)
        label.setContentsMargins(24, 0, 0, 8)
        return label

    def nextId(self) -> int:
        return -1 if self.demo.isChecked() else PAGE_COMPANY

    def state(self) -> dict[str, Any]:
        return {"demo": self.demo.isChecked()}

    def restore(self, state: dict[str, Any]) -> None:
        (self.demo if state.get("demo") else self.business).setChecked(True)


class _FieldsPage(FieldsMixin, _Page):
    """A page of labelled editors whose messages show as the user types."""

    def __init__(self, assistant: FirstRunAssistant, name: str) -> None:
        _Page.__init__(self, assistant, name)
        self.editors = {}
        self.error_labels = {}
        self.errors: dict[str, str] = {}
        self.banner = QLabel(self)
        self.banner.setStyleSheet(ERROR_STYLE)
        self.banner.hide()

    def rebuild(self, keep: bool = True) -> None:
        state = self.state() if keep and self.body is not None else None
        self.editors, self.error_labels = {}, {}
        if state is None:
            super().rebuild(keep=False)
            return
        super().rebuild(keep=False)
        self.restore(state)

    def mark_dirty(self) -> None:
        self.check()

    def check(self) -> None:
        self.errors = self.find_errors()
        # a field left empty is not scolded before it was typed in; Next stays off meanwhile
        self.show_errors({name: message for name, message in self.errors.items()
                          if self._typed(name)})
        self.completeChanged.emit()

    def _typed(self, name: str) -> bool:
        editor = self.editors.get(name)
        if isinstance(editor, QLineEdit):
            return bool(editor.text()) or editor.isModified()
        if isinstance(editor, QPlainTextEdit):
            return bool(editor.toPlainText())
        return True

    def find_errors(self) -> dict[str, str]:
        return {}

    def isComplete(self) -> bool:
        return not self.errors


class CompanyPage(_FieldsPage):
    def __init__(self, assistant: FirstRunAssistant) -> None:
        super().__init__(assistant, "first_run_company")
        self.rebuild()

    def build(self, body: QWidget) -> None:
        self.setTitle(_("Your company"))
        self.setSubTitle(_("The seller on your quotes and invoices. Its requisites are checked as "
                           "you type; you can complete them later in Settings."))
        outer = QVBoxLayout(body)
        outer.setContentsMargins(0, 0, 0, 0)
        area = QScrollArea(body)
        area.setWidgetResizable(True)
        inner = QWidget(area)
        column = QVBoxLayout(inner)
        self.requisites = RequisitesForm(self, "seller", inner)
        column.addWidget(self.requisites)
        column.addStretch(1)
        area.setWidget(inner)
        outer.addWidget(area)
        self.editor_country().setCurrentIndex(max(0, self.editor_country().findData(
            {"it": "IT"}.get(i18n.current_language(), DEFAULT.code))))
        self.requisites.country_changed()
        self.check()

    def editor_country(self) -> QComboBox:
        editor = self.editors["country"]
        assert isinstance(editor, QComboBox)
        return editor

    def values(self) -> dict[str, Any]:
        return read_editors(self, COMPANY_NAMES)

    def find_errors(self) -> dict[str, str]:
        self.requisites.country_changed()
        return setup.company_errors(self.values())

    def state(self) -> dict[str, Any]:
        return self.values()

    def restore(self, state: dict[str, Any]) -> None:
        write_editors(self, state)
        self.check()


class SalesPage(_Page):
    def __init__(self, assistant: FirstRunAssistant) -> None:
        super().__init__(assistant, "first_run_sales")
        self.rebuild()

    def build(self, body: QWidget) -> None:
        self.country = ""
        self.setTitle(_("Your sales"))
        self.setSubTitle(_("A ready pipeline, the groups your products belong to and the VAT your "
                           "prices use. Everything can be changed later in Settings."))
        layout = QVBoxLayout(body)
        layout.addWidget(QLabel(_("Pipeline:"), body))
        self.templates: dict[str, QRadioButton] = {}
        group = QButtonGroup(body)
        for choice in setup.pipeline_templates():
            button = QRadioButton(choice.name, body)
            button.setObjectName(f"first_run_template_{choice.key}")
            group.addButton(button)
            layout.addWidget(button)
            stages = QLabel(f"{choice.description}<br><i>{' → '.join(choice.stages)}</i>", body)
            stages.setObjectName(f"first_run_stages_{choice.key}")
            stages.setWordWrap(True)
            stages.setContentsMargins(24, 0, 0, 6)
            layout.addWidget(stages)
            self.templates[choice.key] = button
        next(iter(self.templates.values())).setChecked(True)
        form = QFormLayout()
        self.groups = QPlainTextEdit(body)
        self.groups.setObjectName("first_run_groups")
        self.groups.setPlaceholderText(_("One group per line"))
        self.default_groups = "\n".join(setup.default_product_groups())
        self.groups.setPlainText(self.default_groups)
        self.groups.setMaximumHeight(80)
        form.addRow(_("Product groups:"), self.groups)
        self.currency = QLineEdit(body)
        self.currency.setObjectName("first_run_currency")
        self.currency.setMaxLength(3)
        self.currency.setMaximumWidth(80)
        form.addRow(_("Currency:"), self.currency)
        self.vat_rate = QComboBox(body)
        self.vat_rate.setObjectName("first_run_vat_rate")
        form.addRow(_("Default VAT, %:"), self.vat_rate)
        self.vat_mode = QComboBox(body)
        self.vat_mode.setObjectName("first_run_vat_mode")
        self.vat_mode.addItem(_("Prices include VAT"), "included")
        self.vat_mode.addItem(_("VAT is added on top"), "on_top")
        form.addRow(_("VAT in prices:"), self.vat_mode)
        layout.addLayout(form)
        layout.addStretch(1)

    def initializePage(self) -> None:
        """The country's defaults, when the company's country changed since they were filled."""
        country = self.assistant.company_country()
        if country == self.country:
            return
        self.country = country
        defaults = setup.vat_defaults(country)
        self.currency.setText(defaults.currency)
        self.vat_rate.clear()
        for rate in defaults.rates:
            self.vat_rate.addItem(_rate_text(rate), str(rate))
        set_combo_value(self.vat_rate, str(defaults.vat_rate))
        set_combo_value(self.vat_mode, defaults.vat_mode)

    def template(self) -> str:
        return next(key for key, button in self.templates.items() if button.isChecked())

    def product_groups(self) -> list[str]:
        return [line.strip() for line in self.groups.toPlainText().splitlines() if line.strip()]

    def state(self) -> dict[str, Any]:
        text = self.groups.toPlainText()  # untouched defaults follow the language
        return {"template": self.template(), "groups": None if text == self.default_groups else text,
                "country": self.country, "currency": self.currency.text(),
                "vat_rate": self.vat_rate.currentData(), "vat_mode": self.vat_mode.currentData()}

    def restore(self, state: dict[str, Any]) -> None:
        self.templates[state["template"]].setChecked(True)
        if state["groups"] is not None:
            self.groups.setPlainText(state["groups"])
        if state.get("country"):
            self.initializePage()
            self.currency.setText(state["currency"])
            set_combo_value(self.vat_rate, state["vat_rate"])
            set_combo_value(self.vat_mode, state["vat_mode"])


class UserPage(_FieldsPage):
    def __init__(self, assistant: FirstRunAssistant) -> None:
        super().__init__(assistant, "first_run_user")
        self.rebuild()

    def build(self, body: QWidget) -> None:
        self.setTitle(_("You, the administrator"))
        self.setSubTitle(_("The first user of the CRM: an administrator, who can add the team "
                           "later in Settings › Users."))
        form = QFormLayout(body)
        self.add_field(form, "user_name", _("Your name"), QLineEdit(body), True)
        email = QLineEdit(body)
        email.setPlaceholderText("name@example.com")
        self.add_field(form, "user_email", _("E-mail (login)"), email)
        self.check()

    def values(self) -> tuple[str, str]:
        name, email = self.editors["user_name"], self.editors["user_email"]
        assert isinstance(name, QLineEdit) and isinstance(email, QLineEdit)
        return name.text(), email.text()

    def find_errors(self) -> dict[str, str]:
        return setup.user_errors(*self.values())

    def state(self) -> dict[str, Any]:
        name, email = self.values()
        return {"user_name": name, "user_email": email}

    def restore(self, state: dict[str, Any]) -> None:
        write_editors(self, state)
        self.check()


class FirstRunAssistant(QWizard):
    """The assistant; ``apply_language(code)`` switches the application's language (the shell's
    ``install_language``: gettext, Qt's own texts, the locale)."""

    def __init__(self, apply_language: Callable[[str], object] | None = None,
                 demo_available: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first_run_assistant")
        self.apply_language = apply_language or i18n.set_language
        self.demo_available = demo_available
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.resize(760, 620)
        self.language_page = LanguagePage(self)
        self.setPage(PAGE_LANGUAGE, self.language_page)
        self.start_page = StartPage(self)
        self.company_page = CompanyPage(self)
        self.sales_page = SalesPage(self)
        self.user_page = UserPage(self)
        self.pages: tuple[_Page, ...] = (self.start_page, self.company_page, self.sales_page,
                                         self.user_page)
        for page_id, page in zip((PAGE_START, PAGE_COMPANY, PAGE_SALES, PAGE_USER), self.pages,
                                 strict=True):
            self.setPage(page_id, page)
        self.retranslate()

    def change_language(self, code: str) -> None:
        """Apply the language at once and rebuild the pages in it, keeping what was typed."""
        if code == i18n.current_language():
            return
        self.apply_language(code)
        for page in self.pages:
            page.rebuild()
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Desktop CRM — first start"))
        self.language_page.retranslate()
        for button, text in ((QWizard.WizardButton.BackButton, _("< Back")),
                             (QWizard.WizardButton.NextButton, _("Next >")),
                             (QWizard.WizardButton.FinishButton, _("Finish")),
                             (QWizard.WizardButton.CancelButton, _("Quit"))):
            self.setButtonText(button, text)

    def company_country(self) -> str:
        return str(self.company_page.editor_country().currentData() or DEFAULT.code)

    def outcome(self) -> FirstRunOutcome:
        language = i18n.current_language()
        if self.start_page.demo.isChecked():
            return FirstRunOutcome(language, "demo")
        name, email = self.user_page.values()
        business = setup.BusinessSetup(
            language=language, company=self.company_page.values(),
            pipeline=self.sales_page.template(), user_name=name, user_email=email,
            product_groups=tuple(self.sales_page.product_groups()),
            currency=self.sales_page.currency.text().strip(),
            vat_rate=self.sales_page.vat_rate.currentData(),
            vat_mode=str(self.sales_page.vat_mode.currentData() or ""))
        return FirstRunOutcome(language, "business", business)

    def go_to(self, page_id: int) -> None:
        """Move forward until ``page_id`` is shown (screenshots, tests); stops at an incomplete page."""
        while self.currentId() != page_id and self.currentPage() is not None:
            before = self.currentId()
            self.next()
            if self.currentId() == before:
                break


__all__ = [
    "PAGE_COMPANY",
    "PAGE_LANGUAGE",
    "PAGE_SALES",
    "PAGE_START",
    "PAGE_USER",
    "FirstRunAssistant",
    "FirstRunOutcome",
]
