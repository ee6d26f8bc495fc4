"""Company requisites validated inline, the lead conversion wizard under rule 1, the product card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from desktop_crm.ids import ContactId
from desktop_crm.models import Company, Contact, Deal, Lead, LeadStatus, Product, Stage
from desktop_crm.services.sales import contacts, leads, timeline
from desktop_crm.views.cards.lead import ConvertWizard

VALID_RU = {  # a consistent set: Sberbank's INN/KPP/OGRN, its BIK and correspondent account
    "inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195", "bik": "044525225",
    "corr_account": "30101810400000000225",
}


def test_company_requisites_are_checked_while_typing(context, qtbot, typer):
    card = context.registry.card_opener("companies")(context, None, None)
    typer(card.editors["short_name"], "ООО «Ромашка»")
    typer(card.editors["inn"], "7707083894")  # wrong check digit
    assert card.error_labels["inn"].isVisible()
    assert "check digits do not match" in card.error_labels["inn"].text()
    typer(card.editors["kpp"], "77360100")
    assert card.error_labels["kpp"].text() == "The KPP has 9 characters."
    typer(card.editors["account"], "40702810938000000001")
    assert "BIK first" in card.error_labels["account"].text()
    assert not card.save()
    assert Company.alive().count() == 0
    for name, value in VALID_RU.items():
        card.editors[name].clear()
        typer(card.editors[name], value)
    card.editors["account"].clear()
    assert not any(label.isVisible() for label in card.error_labels.values())
    assert card.save()
    company = Company.get()
    assert company.inn == "7707083893" and company.corr_account == "30101810400000000225"


def test_italian_company_shows_italian_requisites(context, qtbot, typer):
    card = context.registry.card_opener("companies")(context, None, None)
    combo = card.editors["country"]
    combo.setCurrentIndex(combo.findData("IT"))
    boxes = card.requisites.national_boxes
    assert boxes["IT"].isVisibleTo(card) and not boxes["RU"].isVisibleTo(card)
    typer(card.editors["short_name"], "Caffè Rossi S.r.l.")
    typer(card.editors["vat_number"], "01234567891")
    assert "Partita IVA" in card.error_labels["vat_number"].text()
    typer(card.editors["iban"], "IT60X0542811101000000123457")
    assert "IBAN" in card.error_labels["iban"].text()
    card.editors["vat_number"].clear()
    typer(card.editors["vat_number"], "IT00743110157")
    card.editors["iban"].clear()
    typer(card.editors["iban"], "IT60 X054 2811 1010 0000 0123 456")
    assert not card.error_labels["vat_number"].isVisible()
    assert not card.error_labels["iban"].isVisible()
    assert card.save()
    saved = Company.get()
    assert saved.vat_number == "00743110157" and saved.iban == "IT60X0542811101000000123456"
    assert saved.country == "IT"


def test_company_card_lists_its_contacts_and_deals(context, qtbot):
    company = Company.create(short_name="ООО «Вектор»", legal_name="ООО «Вектор»")
    Contact.create(last_name="Сидорова", first_name="Ольга", company=company)
    card = context.registry.card_opener("companies")(context, str(company.id), None)
    assert card.contacts_model.rowCount() == 1
    assert card.contacts_model.index(0, 0).data() == "Сидорова Ольга"


def make_lead(context) -> Lead:
    return leads.create_lead(
        {"title": "Курсы английского", "last_name": "Иванова", "first_name": "Мария",
         "mobile_phone": "+7 916 555-12-34", "private_email": "maria@mail.ru",
         "company_name": "ООО «Лингва»"},
        context.user.id,
    )


def run_wizard(card) -> ConvertWizard:
    wizard = card.start_conversion()
    assert isinstance(wizard, ConvertWizard)
    return wizard


def test_conversion_refused_without_answered_detailed_interaction(context, qtbot, typer):
    lead = make_lead(context)
    timeline.log_interaction(context.user.id, "message", "Отправил КП, жду ответа от клиента", False,
                             lead=lead.id)
    card = context.registry.card_opener("leads")(context, str(lead.id), None)
    wizard = run_wizard(card)
    reason = wizard.findChild(type(card.status), "conversion_reason")
    assert "in which the client answered" in reason.text()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.reject()
    assert Lead.get_by_id(lead.id).status != LeadStatus.CONVERTED
    assert Deal.alive().count() == 0


def test_conversion_succeeds_after_a_detailed_answered_call(context, qtbot, typer):
    lead = make_lead(context)
    card = context.registry.card_opener("leads")(context, str(lead.id), None)
    # log the call through the card's own interactions box
    card.timeline.kind.setCurrentIndex(card.timeline.kind.findData("call"))
    typer(card.timeline.text,
          "Обсудили программу курса и цену, клиент согласен начать в марте, договор на этой неделе")
    qtbot.mouseClick(card.timeline.add_button, Qt.MouseButton.LeftButton)
    wizard = run_wizard(card)
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    wizard.next()  # -> deal page
    assert wizard.deal_page.pipeline.currentText() == "Продажи"
    wizard.next()  # -> client page
    page = wizard.contact_page
    assert page.new_radio.isChecked()  # no look-alike contact exists
    page.birth_date.set_value(dt.date(1990, 3, 8))  # the full preset requires it
    page.create_company.setChecked(True)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert page.error.text() == ""
    converted = Lead.get_by_id(lead.id)
    assert converted.status == LeadStatus.CONVERTED
    deal = Deal.get(Deal.source_lead == lead.id)
    first = Stage.select().where(Stage.pipeline == deal.pipeline_id).order_by(Stage.sort_order).first()
    assert deal.stage_id == first.id
    contact = Contact.get_by_id(deal.contact_id)
    assert contact.full_name == "Иванова Мария" and contact.birth_date == dt.date(1990, 3, 8)
    assert Company.get_by_id(deal.company_id).short_name == "ООО «Лингва»"
    assert card.status.text() == "Converted"
    assert not card.editors["last_name"].isEnabled()


def test_conversion_offers_the_existing_contact_it_duplicates(context, qtbot):
    existing = contacts.create_contact(
        {"last_name": "Иванова", "first_name": "Мария", "birth_date": dt.date(1990, 3, 8),
         "mobile_phone": "+79165551234", "private_email": "ivanova@mail.ru"}, context.user.id)
    lead = make_lead(context)
    timeline.log_interaction(context.user.id, "call",
                             "Клиент подтвердил интерес к курсу, договорились о пробном уроке",
                             True, lead=lead.id)
    card = context.registry.card_opener("leads")(context, str(lead.id), None)
    wizard = run_wizard(card)
    wizard.next()
    wizard.next()
    page = wizard.contact_page
    assert page.existing_radio.isChecked()
    assert page.existing.currentData() == ContactId(existing.id)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    deal = Deal.get(Deal.source_lead == lead.id)
    assert deal.contact_id == existing.id
    assert Contact.alive().count() == 1


def test_product_card_saves_decimal_price(context, qtbot, typer):
    card = context.registry.card_opener("products")(context, None, None)
    typer(card.editors["name"], "Курс «Продажи B2B»")
    typer(card.editors["price"], "abc")
    assert card.error_labels["price"].text() == "Price: enter a number."
    card.editors["price"].clear()
    typer(card.editors["price"], "12 500,50")
    typer(card.editors["vat_rate"], "20")
    assert card.save()
    product = Product.get()
    assert product.price == Decimal("12500.50") and product.vat_rate == Decimal("20.00")
    assert product.currency == "RUB" and product.active
    assert context.registry.card_opener("products")(context, str(product.id), None) is card
    card.close()
    reopened = context.registry.card_opener("products")(context, str(product.id), None)
    assert reopened is not card
    assert reopened.editors["price"].text() == "12,500.50"  # English UI formatting
    assert not QApplication.activeModalWidget()
