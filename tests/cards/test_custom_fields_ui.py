"""Custom fields through the widgets: define a field in Settings › Custom fields (the dialog, the
tree, move, archive, the BANT preset), fill it on a deal card and save it with the card, and a
stage requiring it refuses the move naming the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QLineEdit, QListWidget, QMessageBox

from desktop_crm.entities import Entity
from desktop_crm.models import CustomField, Deal, Pipeline, Stage
from desktop_crm.services.system import admin
from desktop_crm.services.system import custom_fields as cf
from desktop_crm.services.system import custom_values as cv
from desktop_crm.views.deals.card import DealCard, open_deal
from desktop_crm.views.settings import SettingsView
from desktop_crm.views.settings.custom_fields import KEY, KIND, CustomFieldsPage
from tests.factories import make_deal


@pytest.fixture
def page(context, qtbot) -> CustomFieldsPage:
    view = SettingsView(context)
    qtbot.addWidget(view)
    view.show()
    page = view.select("custom_fields")
    assert isinstance(page, CustomFieldsPage)
    page.settings_view = view  # keeps the view alive
    return page


@pytest.fixture
def open_card(qtbot, context):
    opened: list[DealCard] = []

    def make(deal_id) -> DealCard:
        card = open_deal(context, str(deal_id))
        assert isinstance(card, DealCard)
        opened.append(card)
        return card

    yield make
    for card in opened:
        try:
            card._set_dirty(False)
            card.close()
        except RuntimeError:
            pass


def test_define_fields_in_settings(qtbot, page, typer):
    assert page.empty.isVisible() and page.tree.topLevelItemCount() == 0
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    typer(dialog.label, "Отрасль клиента")
    dialog.kind.setCurrentIndex(dialog.kind.findData("list"))
    assert dialog.options.isVisible()
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.error.isVisible() and "choice" in dialog.error.text()  # a list needs choices
    for choice in ("Банки", "Ритейл", "Производство"):
        typer(dialog.options, choice)
        qtbot.keyClick(dialog.options, Qt.Key.Key_Return)
    typer(dialog.block.lineEdit(), "Квалификация")
    with qtbot.waitSignal(page.context.signals.changed):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    field = cf.fields(Entity.DEALS)[0]
    assert (field.label, field.key, field.options, field.block) == (
        "Отрасль клиента", "otrasl_klienta", ("Банки", "Ритейл", "Производство"), "Квалификация")
    block = page.tree.topLevelItem(0)
    assert block.text(0) == "Квалификация" and block.child(0).text(KEY) == "cf_otrasl_klienta"
    assert block.child(0).text(KIND) == "List"
    # a second field, moved above the first, then removed (no values: gone)
    page.new_field()
    typer(page.dialog.label, "Тендер")
    page.dialog.kind.setCurrentIndex(page.dialog.kind.findData("yes_no"))
    page.dialog.buttons.button(page.dialog.buttons.StandardButton.Ok).click()
    page.select_field("tender")
    qtbot.mouseClick(page.up_button, Qt.MouseButton.LeftButton)
    assert [f.key for f in cf.fields(Entity.DEALS)] == ["tender", "otrasl_klienta"]
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert [f.key for f in cf.fields(Entity.DEALS)] == ["otrasl_klienta"]
    # rename it in the edit dialog: the key stays
    page.select_field("otrasl_klienta")
    dialog = page.edit_field()
    assert not dialog.kind.isEnabled()
    dialog.label.selectAll()
    typer(dialog.label, "Отрасль")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert cf.fields(Entity.DEALS)[0].label == "Отрасль"
    # rename the block from its heading
    page.select_block("Квалификация")
    rename = page.edit_field()
    assert rename is not None and rename.textValue() == "Квалификация"
    rename.setTextValue("Квалификация клиента")
    rename.accept()
    assert cf.fields(Entity.DEALS)[0].block == "Квалификация клиента"
    assert page.tree.topLevelItem(0).text(0) == "Квалификация клиента"
    # other entities have their own fields; the preset is offered for deals only
    page.entity.setCurrentIndex(page.entity.findData("contacts"))
    assert page.tree.topLevelItemCount() == 0 and not page.preset_button.isVisible()


def test_the_preset_archive_and_restore(qtbot, page, context):
    pipeline = Pipeline.get(Pipeline.name == "Продажи")
    page._fill_preset_menu()
    [action] = page.preset_menu.actions()
    assert "Продажи" in action.text()
    action.trigger()
    assert [f.key for f in cf.fields(Entity.DEALS, pipeline_id=pipeline.id)][:2] == ["budget",
                                                                                    "authority"]
    assert page.tree.topLevelItem(0).text(0) == "BANT"
    assert page.tree.topLevelItem(1).text(0) == "Competitors"
    deal = make_deal("Внедрение", stage=Stage.get(Stage.name == "Первичный контакт"))
    cv.set_values(Entity.DEALS, deal.id, {"need": "CRM"})
    page.select_field("need")
    qtbot.mouseClick(page.remove_button, Qt.MouseButton.LeftButton)
    assert CustomField.get(CustomField.key == "need").archived  # it has a value: kept
    page.show_archived.setChecked(True)
    page.select_field("need")
    assert "(archived)" in page.tree.currentItem().text(0)
    qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    assert not CustomField.get(CustomField.key == "need").archived


def test_fill_custom_fields_on_the_deal_card_and_a_stage_requires_one(qtbot, context, open_card,
                                                                       typer, monkeypatch):
    pipeline = Pipeline.get(Pipeline.name == "Продажи")
    first, second = (Stage.get(Stage.name == n) for n in ("Первичный контакт", "КП отправлено"))
    cf.add_sales_preset(pipeline.id)
    cf.update_field(cf.fields(Entity.DEALS)[-1].id, options=["SAP", "1С"])
    deal = make_deal("Внедрение CRM", stage=first)
    card = open_card(deal.id)
    assert [s.title_label.text() for s in card.custom.sections] == ["BANT", "Competitors"]
    budget = card.custom.editor("budget")
    assert isinstance(budget, QLineEdit)
    typer(budget, "250000,50")
    assert card.is_dirty()
    competitors = card.custom.editor("competitors")
    assert isinstance(competitors, QListWidget)
    competitors.item(1).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(card.buttons.button(card.buttons.StandardButton.Save), Qt.MouseButton.LeftButton)
    assert not card.is_dirty()
    assert cv.values_by_key(Entity.DEALS, deal.id)["budget"] == Decimal("250000.50")
    assert cv.values_by_key(Entity.DEALS, deal.id)["competitors"] == ("1С",)
    assert card.custom.editor("budget").text().replace("\xa0", " ") in ("250,000.50", "250 000,50")
    # a bad value is refused naming the field, and nothing of the card is written
    card.title.setText("Другое название")
    card._mark_dirty()
    timeframe_before = cv.values_by_key(Entity.DEALS, deal.id)["timeframe"]
    budget = card.custom.editor("budget")
    budget.setText("")
    typer(budget, "много")
    seen: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *_a: seen.append(text))
    assert card.save() is False
    assert seen and "Budget" in seen[0]
    assert Deal.get_by_id(deal.id).title == "Внедрение CRM" and timeframe_before is None
    card._set_dirty(False)
    card.show_data(card.data)
    # Settings › Pipelines: the next stage requires the decision maker (a custom field's box)
    view = SettingsView(context)
    qtbot.addWidget(view)
    view.show()
    stages_page = view.select("pipelines")
    stages_page.select_stage(1)
    box = stages_page.required["cf_decision_maker"]
    assert box.text() == "Decision maker"
    box.setChecked(True)
    assert stages_page.save(), stages_page.banner.text()
    assert "cf_decision_maker" in admin.stages(pipeline.id)[1].required_fields
    # the move is refused naming it
    card.move_to(second.id)
    boxes = [w for w in QApplication.topLevelWidgets() + card.findChildren(QMessageBox)
             if isinstance(w, QMessageBox) and w.objectName() == "move_refused"]
    assert boxes and "Decision maker" in boxes[-1].text()
    boxes[-1].close()
    # yes/no: unanswered until ticked
    tender = cf.define_field(Entity.DEALS, "Тендер", "yes_no")
    context.notify_changed("custom_field")
    box = card.custom.editor(tender.key)
    assert isinstance(box, QCheckBox) and not box.isChecked()
    assert cv.values_by_key(Entity.DEALS, deal.id)[tender.key] is None
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))
    assert box.isChecked() and card.is_dirty()
    assert card.save()
    assert cv.values_by_key(Entity.DEALS, deal.id)[tender.key] is True


def test_contact_company_lead_and_product_cards_keep_their_custom_fields(qtbot, context, typer):
    from desktop_crm.models import Company, Contact, Lead, Product

    hobby = cf.define_field(Entity.CONTACTS, "Хобби", "text", block="О человеке")
    size = cf.define_field(Entity.COMPANIES, "Штат", "number")
    source = cf.define_field(Entity.LEADS, "Канал", "list", options=["Выставка", "Сайт"])
    warranty = cf.define_field(Entity.PRODUCTS, "Гарантия до", "date")
    contact = context.registry.card_opener("contacts")(context, None, None)
    from desktop_crm.services.sales import rules

    rules.CONTACT_PRESET.set("light")  # name and a phone
    typer(contact.editors["last_name"], "Сидорова")
    typer(contact.editors["first_name"], "Анна")
    typer(contact.editors["mobile_phone"], "+7 916 123-45-67")
    assert [s.title_label.text() for s in contact.custom.sections] == ["О человеке"]
    typer(contact.custom.editor(hobby.key), "рыбалка")
    assert contact.dirty and contact.save(), contact.banner.text()
    assert cv.values_by_key(Entity.CONTACTS, Contact.get().id) == {hobby.key: "рыбалка"}
    company = context.registry.card_opener("companies")(context, None, None)
    typer(company.editors["short_name"], "ООО «Вектор»")
    typer(company.custom.editor(size.key), "120")
    assert company.save(), company.banner.text()
    assert cv.values_by_key(Entity.COMPANIES, Company.get().id) == {size.key: Decimal(120)}
    lead = context.registry.card_opener("leads")(context, None, None)
    typer(lead.editors["title"], "Заявка с выставки")
    combo = lead.custom.editor(source.key)
    combo.setCurrentIndex(combo.findText("Выставка"))
    assert lead.save(), lead.banner.text()
    assert cv.values_by_key(Entity.LEADS, Lead.get().id) == {source.key: "Выставка"}
    product = context.registry.card_opener("products")(context, None, None)
    typer(product.editors["name"], "Курс")
    typer(product.editors["price"], "1000")
    date = product.custom.editor(warranty.key)
    date.setFocus()
    for key in "31122027":
        qtbot.keyClick(date, key)
    assert product.save(), product.banner.text()
    assert cv.values_by_key(Entity.PRODUCTS, Product.get().id) == {warranty.key: dt.date(2027, 12, 31)}
    # a refused value leaves the record as it was
    typer(company.custom.editor(size.key), "x")
    typer(company.editors["short_name"], " плюс")
    assert not company.save()
    assert "Штат" in company.banner.text()
    assert Company.get().short_name == "ООО «Вектор»"
    for card in (contact, company, lead, product):
        card.set_clean()
        card.close()
