"""The first-run assistant: the language applies at once (the assistant retranslates itself), the
own company's requisites are checked as they are typed, and "my business" ends in a database with
the company, a pipeline in the chosen language, product groups, VAT defaults and an administrator."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWizard

from desktop_crm import i18n
from desktop_crm.app import install_language, open_and_migrate, resolve_database
from desktop_crm.models import OwnCompany, Pipeline, ProductGroup, Role, Stage, User
from desktop_crm.services.system import setup
from desktop_crm.views.first_run import (
    PAGE_COMPANY,
    PAGE_SALES,
    PAGE_START,
    PAGE_USER,
    FirstRunAssistant,
)


@pytest.fixture
def english(qapp):
    install_language(qapp, "en")
    yield
    install_language(qapp, "en")


def _assistant(qtbot, qapp) -> FirstRunAssistant:
    assistant = FirstRunAssistant(lambda code: install_language(qapp, code), demo_available=True)
    qtbot.addWidget(assistant)
    assistant.show()
    return assistant


def _next(qtbot, assistant: FirstRunAssistant) -> None:
    qtbot.mouseClick(assistant.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)


def click(qtbot, button) -> None:
    """Click a radio button or check box on its indicator (its centre may be past its text)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(6, button.height() // 2))


def _field(page, name: str) -> QLineEdit:
    editor = page.editors[name]
    assert isinstance(editor, QLineEdit)
    return editor


def test_the_language_applies_at_once_and_keeps_what_was_typed(qtbot, qapp, english):
    assistant = _assistant(qtbot, qapp)
    assert assistant.currentPage().title() == "Welcome to Desktop CRM"
    click(qtbot, assistant.language_page.buttons["ru"])
    assert i18n.current_language() == "ru"
    assert assistant.windowTitle() == "Desktop CRM — первый запуск"
    assert assistant.button(QWizard.WizardButton.NextButton).text() == "Далее >"
    assert assistant.currentPage().title() == "Добро пожаловать в Desktop CRM"
    _next(qtbot, assistant)
    assert assistant.currentId() == PAGE_START
    assert assistant.start_page.business.text() == "Настроить мою компанию"
    _next(qtbot, assistant)
    company = assistant.company_page
    assert company.title() == "Ваша компания"
    _field(company, "short_name").setText("ООО «Ромашка»")
    company.check()
    # back to the language: Italian everywhere, and the company typed is still there
    qtbot.mouseClick(assistant.button(QWizard.WizardButton.BackButton), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(assistant.button(QWizard.WizardButton.BackButton), Qt.MouseButton.LeftButton)
    click(qtbot, assistant.language_page.buttons["it"])
    assert assistant.button(QWizard.WizardButton.NextButton).text() == "Avanti >"
    assert assistant.start_page.business.text() == "Configurare la mia azienda"
    assert _field(assistant.company_page, "short_name").text() == "ООО «Ромашка»"
    assert assistant.sales_page.product_groups() == ["Prodotti", "Servizi", "Assistenza e manutenzione"]
    stages = assistant.sales_page.body.findChild(QLabel, "first_run_stages_enterprise")
    assert "<i>Qualificazione → Presentazione" in stages.text()


def test_italian_business_checked_live_and_set_up(qtbot, qapp, english, db):
    assistant = _assistant(qtbot, qapp)
    click(qtbot, assistant.language_page.buttons["it"])
    _next(qtbot, assistant)
    _next(qtbot, assistant)
    company = assistant.company_page
    country = company.editor_country()
    country.setCurrentIndex(country.findData("IT"))
    # nothing typed yet: no message scolds the empty name, but Next waits for it
    assert not company.error_labels["short_name"].isVisibleTo(company)
    assert not assistant.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.keyClicks(_field(company, "short_name"), "R")
    qtbot.keyClick(_field(company, "short_name"), Qt.Key.Key_Backspace)
    assert company.error_labels["short_name"].text() == "Indica il nome dell'azienda."
    qtbot.keyClicks(_field(company, "short_name"), "Rossi S.r.l.")
    qtbot.keyClicks(_field(company, "vat_number"), "12345678901")
    next_button = assistant.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()
    message = company.error_labels["vat_number"]
    assert message.isVisibleTo(company) and "IVA" in message.text()
    _field(company, "vat_number").clear()
    qtbot.keyClicks(_field(company, "vat_number"), "01234560124")
    assert next_button.isEnabled() and not message.isVisibleTo(company)
    _next(qtbot, assistant)
    sales = assistant.sales_page
    assert assistant.currentId() == PAGE_SALES
    assert sales.currency.text() == "EUR"
    assert sales.vat_rate.currentData() == "22"
    assert sales.vat_mode.currentData() == "on_top"
    click(qtbot, sales.templates["enterprise"])
    _next(qtbot, assistant)
    assert assistant.currentId() == PAGE_USER
    finish = assistant.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()
    qtbot.keyClicks(_field(assistant.user_page, "user_name"), "Mario Rossi")
    qtbot.keyClicks(_field(assistant.user_page, "user_email"), "mario@rossi.it")
    assert finish.isEnabled()
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    outcome = assistant.outcome()
    assert outcome.mode == "business" and outcome.language == "it"
    result = setup.set_up_business(outcome.setup)
    pipeline = Pipeline.get_by_id(result.pipeline_id)
    assert pipeline.name == "Vendite aziendali" and pipeline.is_default
    names = [s.name for s in Stage.select().where(Stage.pipeline == pipeline).order_by(Stage.sort_order)]
    assert names == ["Qualificazione", "Presentazione", "Offerta commerciale", "Contratto",
                     "Conclusa con successo", "Conclusa senza successo"]
    first = Stage.get(Stage.name == "Qualificazione")
    assert first.task_templates[1] == {"subject": "Preparare la presentazione", "due_days": 5}
    own = OwnCompany.get_by_id(result.own_company_id)
    assert (own.short_name, own.country, own.vat_number) == ("Rossi S.r.l.", "IT", "01234560124")
    assert own.default_currency == "EUR" and own.default_vat_rate == Decimal("22")
    assert str(own.vat_mode) == "on_top" and own.is_default
    assert [g.name for g in ProductGroup.select().order_by(ProductGroup.sort_order)] == [
        "Prodotti", "Servizi", "Assistenza e manutenzione"]
    user = User.get_by_id(result.user_id)
    assert (user.name, user.email, user.role, user.locale) == ("Mario Rossi", "mario@rossi.it",
                                                               Role.ADMIN, "it")


def test_first_run_in_russian_creates_the_business_database(qtbot, qapp, english, tmp_path,
                                                             monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)

    def drive() -> None:
        assistant = QApplication.activeModalWidget()
        if not isinstance(assistant, FirstRunAssistant):
            QTimer.singleShot(10, drive)
            return
        try:
            steps(assistant)
        except BaseException:
            assistant.reject()  # a failed step must not leave the modal assistant waiting
            raise

    def steps(assistant: FirstRunAssistant) -> None:
        click(qtbot, assistant.language_page.buttons["ru"])
        assistant.next()
        assert assistant.currentId() == PAGE_START
        assistant.next()
        assert assistant.currentId() == PAGE_COMPANY
        name = _field(assistant.company_page, "short_name")
        name.setFocus()
        name.insert("ООО «Ромашка»")  # Cyrillic cannot be typed by keyClicks
        inn = _field(assistant.company_page, "inn")
        qtbot.keyClicks(inn, "7707083893")
        assert assistant.company_page.isComplete()
        assistant.next()
        assert assistant.sales_page.vat_mode.currentData() == "included"
        assert assistant.sales_page.currency.text() == "RUB"
        assistant.next()
        user = _field(assistant.user_page, "user_name")
        user.setFocus()
        user.insert("Анна Морозова")
        qtbot.mouseClick(assistant.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, drive)
    url = resolve_database(None, settings)
    assert url == str(tmp_path / "data" / "crm.db") and Path(url).exists()
    assert settings.value("ui/language") == "ru"
    db = open_and_migrate(url)
    try:
        user = User.get_by_id(settings.value("session/user_id"))
        assert user.name == "Анна Морозова" and user.role == Role.ADMIN and user.locale == "ru"
        names = [s.name for s in Stage.select().order_by(Stage.sort_order)]
        assert names == ["Идентификация лида", "Квалификация лида",
                         "Выставление коммерческого предложения", "Переговоры", "Закрытие сделки",
                         "Сделка успешна", "Сделка провалена"]
        assert OwnCompany.get().inn == "7707083893"
        assert [g.name for g in ProductGroup.select()] == [
            "Товары", "Услуги", "Сопровождение и обслуживание"]
    finally:
        db.close()


def test_quitting_the_assistant_creates_nothing(qtbot, qapp, english, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)

    def quit_it() -> None:
        assistant = QApplication.activeModalWidget()
        if not isinstance(assistant, FirstRunAssistant):
            QTimer.singleShot(10, quit_it)
            return
        assert assistant.button(QWizard.WizardButton.CancelButton).text() == "Quit"
        qtbot.mouseClick(assistant.button(QWizard.WizardButton.CancelButton), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, quit_it)
    assert resolve_database(None, settings) is None
    assert not (tmp_path / "data" / "crm.db").exists()
