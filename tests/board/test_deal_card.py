"""The deal card with real widgets on a real SQLite file: lines editing with Decimal totals that
persist, undo, the stage bar through the rules, the missing panel, the timeline, pickers, history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from desktop_crm.ids import DealId, DocumentId, StageId
from desktop_crm.models import Deal, DealLine, OwnCompany, Product, VatMode
from desktop_crm.services.sales import deal_card
from desktop_crm.views.deals.card import DealCard, open_deal
from desktop_crm.views.deals.lines import C_DISCOUNT, C_NAME, C_PRICE, C_QTY, C_TOTAL, C_VAT
from desktop_crm.views.deals.moves import LostReasonDialog
from tests.board.conftest import correct_deal, plain_deals


@pytest.fixture
def open_card(qtbot, context):
    opened = []

    def make(deal_id):
        card = open_deal(context, str(deal_id) if deal_id else None)
        assert isinstance(card, DealCard)  # closed below, without the unsaved-changes question
        opened.append(card)
        return card

    yield make
    for card in opened:
        try:
            card._set_dirty(False)
            card.close()
        except RuntimeError:
            pass


def set_cell(card, row, column, value):
    model = card.lines.model
    assert model.setData(model.index(row, column), value)


def test_editing_lines_updates_totals_and_persists(open_card, world):
    OwnCompany.create(short_name="ООО «Учебный центр»", vat_mode=VatMode.ON_TOP, country="RU",
                      is_default=True)
    deal = plain_deals(world, 1)[0]
    card = open_card(deal.id)
    assert not card.lines.model.vat.included
    card.lines.add_line()
    choice = deal_card.product_choices("курс")[0]
    set_cell(card, 0, C_NAME, choice)  # the product completer's pick: catalog defaults
    set_cell(card, 0, C_QTY, "3")
    set_cell(card, 0, C_DISCOUNT, "10")
    set_cell(card, 0, C_VAT, "20")
    model = card.lines.model
    # 3 × 19 990,00 = 59 970,00; −10 % = 53 973,00; VAT 20 % on top = 10 794,60
    assert model.data(model.index(0, C_TOTAL)) == "53,973.00"
    totals = model.totals()
    assert (totals.net_total, totals.vat_total, totals.grand_total) == (
        Decimal("53973.00"), Decimal("10794.60"), Decimal("64767.60"))
    assert "64,767.60" in card.lines.totals_label.text()
    assert card.is_dirty() and card.windowTitle().endswith("*")
    card.lines.add_line()
    set_cell(card, 1, C_NAME, "Выезд тренера")
    set_cell(card, 1, C_PRICE, "1 000,50")
    assert card.save()
    rows = list(DealLine.alive().where(DealLine.deal == deal.id).order_by(DealLine.line_order))
    assert [(r.name, r.quantity, r.price, r.discount_percent) for r in rows] == [
        ("Курс «Продажи»", Decimal("3.000"), Decimal("19990.00"), Decimal("10.00")),
        ("Выезд тренера", Decimal("1.000"), Decimal("1000.50"), Decimal("0.00")),
    ]
    assert rows[0].product_id == world.product.id
    assert Deal.get_by_id(deal.id).amount == Decimal("54973.50")
    assert not card.is_dirty()


def test_line_edits_are_undone_with_ctrl_z(qtbot, open_card, world):
    deal = correct_deal(world)
    card = open_card(deal.id)
    model = card.lines.model
    before = model.totals().grand_total
    set_cell(card, 0, C_QTY, "5")
    assert model.totals().grand_total == before / 2 * 5
    card.lines.remove_current() if card.lines.table.currentIndex().isValid() else None
    card.lines.table.setFocus()
    model.undo_stack.undo()
    assert model.totals().grand_total == before
    assert model.data(model.index(0, C_QTY)) == "2"


def test_invalid_numbers_are_refused_without_a_change(open_card, world):
    deal = correct_deal(world)
    card = open_card(deal.id)
    model = card.lines.model
    assert not model.setData(model.index(0, C_QTY), "abc")
    assert not model.setData(model.index(0, C_DISCOUNT), "150")
    assert not card.is_dirty()


def test_stage_bar_moves_through_the_rules_and_the_timeline_shows_it(qtbot, open_card, world):
    deal = correct_deal(world)
    card = open_card(deal.id)
    assert "Deal created in stage Квалификация" in "\n".join(card.timeline.texts())
    card.stage_bar.click(StageId(world.presentation.id))
    assert Deal.get_by_id(deal.id).stage_id == world.presentation.id
    texts = "\n".join(card.timeline.texts())
    assert "Stage changed: Квалификация → Презентация" in texts
    assert "Task: Презентация" in texts and "Task cancelled: Связаться с клиентом" in texts
    history = card.history
    assert history.rowCount() == 2
    assert history.item(0, 0).text() == "Квалификация" and history.item(1, 0).text() == "Презентация"
    assert history.item(1, 2).text() == "now"


def test_stage_bar_to_lost_asks_the_reason(qtbot, open_card, world):
    deal = correct_deal(world)
    card = open_card(deal.id)
    card.stage_bar.click(StageId(world.lost.id))
    dialog = card.findChild(LostReasonDialog)
    assert dialog is not None
    dialog.reason.setCurrentIndex(0)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    row = Deal.get_by_id(deal.id)
    assert row.stage_id == world.lost.id and row.lost_reason == dialog.reason.currentText()
    assert card.state_label.text().startswith("Lost:")
    assert not card.lines.model.editable


def test_missing_panel_and_timeline_entries(qtbot, open_card, world):
    deal = plain_deals(world, 1)[0]
    Deal.update(missing_fields=["product_group", "contact", "comment", "lines"]).where(
        Deal.id == deal.id).execute()
    card = open_card(deal.id)
    panel = card.missing_panel.text()
    assert "What is missing" in panel and "contact" in panel and "detailed comment" in panel
    timeline = card.timeline
    timeline.text.setPlainText("перезвонить")
    assert "not a detailed comment" in timeline.hint.text() or "Too short" in timeline.hint.text()
    timeline.text.setPlainText("Обсудили программу курса и цену, клиент согласен на оплату частями")
    assert timeline.hint.text() == ""
    assert timeline.add_entry()
    assert "Comment" in timeline.texts()[0] and "оплату частями" in timeline.texts()[0]
    assert "detailed comment" not in card.missing_panel.text()
    timeline.kind.setCurrentIndex(timeline.kind.findData("call"))
    timeline.text.setPlainText("Клиент подтвердил встречу в офисе во вторник в десять утра")
    timeline.add_entry()
    assert timeline.texts()[0].split("\n")[1] == "Call ✓"  # a detailed call counts as an interaction
    timeline.kind.setCurrentIndex(timeline.kind.findData("task"))
    timeline.subject.setText("Отправить договор")
    timeline.add_entry()
    assert "Task: Отправить договор" in timeline.texts()[0]


def test_pickers_search_and_saving_fills_the_deal(qtbot, open_card, world):
    from desktop_crm.services.sales import contacts
    from tests.rules.conftest import CONTACT

    person = contacts.create_contact(CONTACT, world.manager)
    card = open_card(None)
    assert card.windowTitle().startswith("New deal")
    card.title.setText("Курс для отдела продаж")
    card.contact.edit.setText("федоров")
    found = card.contact.search_now()
    assert [c.name for c in found] == ["Фёдоров Иван Петрович"]
    card.contact.pick(found[0])
    card.product_group.setCurrentIndex(card.product_group.findData(str(world.courses.id)))
    assert card.save()
    row = Deal.get(Deal.title == "Курс для отдела продаж")
    assert row.contact_id == person.id and row.product_group_id == world.courses.id
    assert row.stage_id == world.qualification.id and row.responsible_id == world.manager.id
    assert card.data.id == DealId(row.id)


def test_closing_with_unsaved_changes_asks_first(qtbot, open_card, world):
    deal = correct_deal(world)
    card = open_card(deal.id)
    card.title.setText("Новое название")
    card._mark_dirty()

    def answer_cancel():
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.objectName() == "unsaved_changes")
        box.button(QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(0, answer_cancel)
    card.close()
    assert card.isVisible()
    assert Deal.get_by_id(deal.id).title == "Обучение отдела продаж"

    def answer_save():
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.objectName() == "unsaved_changes")
        box.button(QMessageBox.StandardButton.Save).click()

    QTimer.singleShot(0, answer_save)
    card.close()
    assert Deal.get_by_id(deal.id).title == "Новое название"


def test_product_completer_finds_catalog_products(world, db):
    Product.create(name="Книга «Переговоры»", price=Decimal("990.00"), vat_rate=Decimal("10"))
    names = [p.name for p in deal_card.product_choices("книга")]
    assert names == ["Книга «Переговоры»"]


def test_quotes_and_invoices_tabs_are_the_documents_panel(qtbot, open_card, world):
    from desktop_crm.models import Quote
    from desktop_crm.views.documents.editor import DocumentEditor
    from desktop_crm.views.documents.panel import DealDocumentsPanel
    from tests.documents_fixtures import russian_buyer, russian_seller

    russian_seller()
    deal = correct_deal(world)
    Deal.update(company=russian_buyer().id).where(Deal.id == deal.id).execute()
    card = open_card(deal.id)
    assert isinstance(card.quotes, DealDocumentsPanel) and isinstance(card.invoices, DealDocumentsPanel)
    assert card.tabs.tabText(2) == "Quotes (0)" and card.tabs.tabText(3) == "Invoices (0)"
    assert card.quotes.create_button.text() == "Create quote" and card.quotes.create_button.isEnabled()
    assert card.invoices.create_button.text() == "Create invoice"

    card.tabs.setCurrentWidget(card.quotes)
    card.quotes.create_button.click()  # a draft from the deal's lines, opened in the editor
    editors = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, DocumentEditor) and w.isVisible()]
    assert len(editors) == 1
    editors[0].close()
    quote = Quote.get(Quote.deal == deal.id)
    assert card.quotes.table.rowCount() == 1
    assert card.quotes.table.item(0, 4).text().replace("\xa0", " ") == card.quotes.rows[0].total_text
    assert card.tabs.tabText(2) == "Quotes (1)"
    assert card.quotes.current().id == DocumentId(quote.id)
    assert not card.quotes.buttons["edit"].isHidden()  # a draft's actions are offered


def test_a_new_deal_offers_no_documents_until_saved(qtbot, open_card, world):
    card = open_card(None)
    assert not card.quotes.create_button.isEnabled()
    assert card.quotes.table.rowCount() == 0
    assert not card.tabs.isTabEnabled(2)
