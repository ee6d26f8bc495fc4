"""Issue 20 in the document editor: the seller shown and changed on a draft, refused before
numbering when it cannot meet the country's rules, new lines at the seller's VAT in force, and
"Update VAT rates" for lines whose rate is no longer in force."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_crm import i18n
from desktop_crm.ids import DealId
from desktop_crm.models import Invoice, InvoiceLine, InvoiceStatus
from tests.documents_fixtures import RU_LINES, deal_with_lines, italian_seller, russian_buyer, russian_seller
from tests.documents_ui.test_document_views import context  # noqa: F401 - the fixture


def _open(context, deal):  # noqa: F811
    from desktop_crm.views.documents.editor import DocumentEditor
    from desktop_crm.views.documents.panel import DealDocumentsPanel

    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    panel.create_button.click()
    editors = [w for w in QApplication.topLevelWidgets() if isinstance(w, DocumentEditor) and w.isVisible()]
    assert len(editors) == 1
    return panel, editors[0]


def _answer_next_box(shown: list[str]) -> None:
    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.text())
            box.accept()

    QTimer.singleShot(0, read_and_close)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_seller_chosen_in_the_editor_and_vat_rates_updated(context, qtbot, language):  # noqa: F811
    i18n.set_language(language)
    try:
        russian_seller(default_vat_rate=Decimal("22"))
        italian_seller(is_default=False)
        old_lines = [(name, qty, price, "20", unit) for name, qty, price, _vat, unit in RU_LINES]
        deal = deal_with_lines(russian_buyer(), old_lines)
        panel, editor = _open(context, deal)
        qtbot.addWidget(panel)
        assert editor.seller.count() == 2 and "Ромашка" in editor.seller.currentText()
        # the new draft took today's rate; a draft kept from 2025 still says 20 %
        assert [editor.table.item(row, 5).text() for row in range(3)] == ["22"] * 3
        for row in range(3):
            editor.table.item(row, 5).setText("20")
        editor.save_button.click()
        # a new line takes the seller's default rate in force (22 %), never 0 or an old 20 %
        editor.add_line_button.click()
        assert editor.table.item(3, 5).text() == "22"
        editor.table.item(3, 0).setText("Гарантия")
        # the Italian seller cannot invoice this Cyrillic client without tax ids: refused, named
        editor.seller.setCurrentIndex(editor.seller.findText("Rossi", Qt.MatchFlag.MatchContains))
        shown: list[str] = []
        _answer_next_box(shown)
        editor.finalize_button.click()
        invoice = Invoice.get()
        assert invoice.own_company.short_name == "Rossi S.r.l." and invoice.language == "it"
        assert invoice.status == InvoiceStatus.DRAFT and invoice.number == ""
        expected = {"en": "neither a Partita IVA nor a codice fiscale",
                    "ru": "ни Partita IVA, ни codice fiscale"}
        assert shown and expected[language] in shown[0]
        # back to the Russian seller: the old 20 % lines are refused on today's date…
        editor.seller.setCurrentIndex(0)
        shown.clear()
        _answer_next_box(shown)
        editor.finalize_button.click()
        words = {"en": "VAT 20 % is not in force", "ru": "ставка НДС 20 % не действует"}
        assert shown and words[language] in shown[0]
        # …and "Update VAT rates" moves them to 22 %
        editor.update_vat_button.click()
        rates = {line.vat_rate for line in InvoiceLine.select().where(
            InvoiceLine.invoice == invoice.id, InvoiceLine.deleted_at.is_null())}
        assert rates == {Decimal("22")}
        assert [editor.table.item(row, 5).text() for row in range(4)] == ["22"] * 4
        editor.finalize_button.click()
        issued = Invoice.get_by_id(invoice.id)
        assert issued.status == InvoiceStatus.ISSUED and issued.frozen["seller"]["name"] == 'ООО "Ромашка"'
        assert not editor.seller.isEnabled()  # frozen at issue
        editor.close()
    finally:
        i18n.set_language("en")


def test_a_credit_note_from_the_deal_invoices_panel(context, qtbot, monkeypatch):  # noqa: F811
    from desktop_crm.views.documents import panel as panel_module
    from desktop_crm.views.documents.panel import DealDocumentsPanel
    from tests.documents_fixtures import IT_LINES, italian_buyer

    italian_seller()
    deal = deal_with_lines(italian_buyer(), IT_LINES, currency="EUR")
    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    qtbot.addWidget(panel)
    monkeypatch.setattr(panel, "open_editor", lambda document_id=None: None)
    panel.create_button.click()
    panel.buttons["issue"].click()
    invoice = Invoice.get()
    assert invoice.status == InvoiceStatus.ISSUED
    assert not panel.buttons["credit_note"].isHidden()
    asked: list[str] = []
    monkeypatch.setattr(panel_module, "confirm", lambda _parent, _title, text, *a: asked.append(text) or True)
    panel.buttons["credit_note"].click()
    assert asked and invoice.number in asked[0]
    note = Invoice.get(Invoice.credit_for == invoice.id)
    assert note.status == InvoiceStatus.ISSUED and note.frozen["doc"]["kind"] == "credit_note"
    assert Invoice.get_by_id(invoice.id).status == InvoiceStatus.CANCELLED
    assert panel.table.rowCount() == 2
