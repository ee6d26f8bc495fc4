"""Documents in windows that tell the truth: the second payment suggests the balance, the due date
follows the payment terms, Delete draft asks and deletes, an invoice issued in another window shows
in the open deal card, and Italian titles say "n."."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_crm.ids import DealId
from desktop_crm.models import Invoice, InvoiceStatus, Quote
from desktop_crm.services.billing import invoices
from desktop_crm.services.billing.documents import invoice_due_days
from tests.documents_ui.test_document_views import visible_actions


def test_the_due_date_follows_the_payment_terms(context, deal, qtbot):
    from desktop_crm.views.documents.editor import DocumentEditor
    from desktop_crm.views.documents.panel import DealDocumentsPanel

    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    qtbot.addWidget(panel)
    panel.create_button.click()
    editor = next(w for w in QApplication.topLevelWidgets()
                  if isinstance(w, DocumentEditor) and w.isVisible())
    days = invoice_due_days("RU")
    expected = dt.date.today() + dt.timedelta(days=days)
    assert editor.date_edit.date().toPython() == expected and days > 0
    editor.subject.setText("Обучение")
    assert editor.save()
    assert Invoice.get().due_date is None  # untouched: dated by the terms when issued
    issued = invoices.issue(Invoice.get().id, on=dt.date(2026, 3, 2))
    assert Invoice.get_by_id(issued.id).due_date == dt.date(2026, 3, 2) + dt.timedelta(days=days)
    editor.close()


def test_delete_draft_asks_and_deletes(context, deal, qtbot, monkeypatch):
    from desktop_crm.views.documents.panel import DealDocumentsPanel

    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    qtbot.addWidget(panel)
    monkeypatch.setattr(panel, "open_editor", lambda document_id=None: None)
    panel.create_button.click()
    asked: list[str] = []

    def confirm() -> None:
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.isVisible())
        asked.append(box.text())
        next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole).click()

    QTimer.singleShot(0, confirm)
    qtbot.mouseClick(panel.buttons["delete"], Qt.MouseButton.LeftButton)
    assert asked == ["Delete this draft invoice?"]
    assert panel.table.rowCount() == 0 or Invoice.get().status == InvoiceStatus.CANCELLED


def test_an_invoice_issued_elsewhere_shows_in_the_open_deal_card(context, deal, qtbot):
    from desktop_crm.services.sales import deal_card
    from desktop_crm.views.deals.card import DealCard

    draft = invoices.create_from_deal(deal.id)
    card = DealCard(context, deal_card.load(DealId(deal.id)))  # closed (and deleted) below
    card.show()
    card.tabs.setCurrentWidget(card.invoices)
    card.invoices.table.selectRow(0)
    assert visible_actions(card.invoices) >= {"issue", "delete"}
    invoices.issue(draft.id)  # the Invoices list's editor, another window
    qtbot.waitUntil(lambda: card.invoices.rows[0].status == "issued")
    assert "issue" not in visible_actions(card.invoices)
    assert "delete" not in visible_actions(card.invoices)
    card.close()


def test_italian_document_titles_say_n(context, qtbot):
    from desktop_crm import i18n
    from desktop_crm.services.billing import screens
    from tests.documents_fixtures import IT_LINES, deal_with_lines, italian_buyer, italian_seller

    italian_seller()
    italian = deal_with_lines(italian_buyer(), IT_LINES)
    issued = invoices.issue(invoices.create_from_deal(italian.id).id)
    i18n.set_language("it")
    title: Any = screens.editor_data("invoice", issued.id).title
    assert title.startswith("Fattura n. ") and "№" not in title
    i18n.set_language("ru")
    assert screens.editor_data("invoice", issued.id).title.startswith("Счёт № ")


def test_the_deal_takes_the_accepted_revision_and_the_open_card_shows_it(context, deal, qtbot):
    from desktop_crm.models import Deal
    from desktop_crm.services.billing import quotes, screens
    from desktop_crm.services.sales import deal_card
    from desktop_crm.views.deals.card import DealCard

    first = quotes.create_from_deal(deal.id)
    quotes.send(first.id)
    second = quotes.new_revision(first.id)
    lines = screens.editor_data("quote", second.id).lines
    lines[0] = {**lines[0], "quantity": Decimal(lines[0]["quantity"]) + 1}  # the client wants one more
    quotes.save_draft(second.id, None, lines)
    quotes.send(second.id)
    before = Deal.get_by_id(deal.id).amount
    card = DealCard(context, deal_card.load(DealId(deal.id)))  # closed (and deleted) below
    card.show()
    card.tabs.setCurrentWidget(card.quotes)
    row = next(i for i, d in enumerate(card.quotes.rows) if d.id == second.id)
    card.quotes.table.selectRow(row)
    qtbot.mouseClick(card.quotes.buttons["accept"], Qt.MouseButton.LeftButton)
    amount = Deal.get_by_id(deal.id).amount
    assert amount > before
    from desktop_crm.models import DealLine

    taken = [line.quantity for line in DealLine.alive().where(DealLine.deal == deal.id)
             .order_by(DealLine.line_order)]
    assert taken == [Decimal(line["quantity"]) for line in lines]  # revision 2's, not revision 1's
    qtbot.waitUntil(lambda: [line.quantity for line in card.lines.lines()] == taken)
    assert Quote.get_by_id(second.id).status == "accepted"
    card.close()
