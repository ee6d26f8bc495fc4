"""The deal's document panel, the editor, the QtPdf preview and printing, on real widgets offscreen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from desktop_crm import workers
from desktop_crm.ids import DealId, DocumentId
from desktop_crm.models import Invoice, InvoiceStatus, Quote, QuoteStatus
from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller


@pytest.fixture
def context(db: object, tmp_path: Path, monkeypatch, qapp) -> Any:
    from desktop_crm.services.system.session import create_first_administrator
    from desktop_crm.views.context import AppContext
    from desktop_crm.views.registry import Registry

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    from desktop_crm.views.documents import register

    registry = Registry()
    register.register(registry)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    with workers.synchronous():
        context = AppContext(create_first_administrator("Anna Admin", "anna"), "crm.db", registry,
                             settings)
        yield context
        context.close()
    for widget in QApplication.topLevelWidgets():
        widget.close()


@pytest.fixture
def deal(context) -> Any:
    russian_seller()
    return deal_with_lines(russian_buyer(), RU_LINES)


def visible_actions(panel) -> set[str]:
    return {key for key, button in panel.buttons.items() if not button.isHidden()}


def test_quote_from_the_deal_card_panel_to_a_sent_revision(context, deal, qtbot):
    from desktop_crm import i18n
    from desktop_crm.views.documents.editor import DocumentEditor
    from desktop_crm.views.documents.panel import DealDocumentsPanel

    i18n.set_language("ru")
    panel = DealDocumentsPanel(context, DealId(deal.id), "quote")
    qtbot.addWidget(panel)
    assert panel.table.rowCount() == 0
    panel.create_button.click()
    editors = [w for w in QApplication.topLevelWidgets() if isinstance(w, DocumentEditor) and w.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    assert editor.table.rowCount() == 3
    assert "41 990,00" in editor.totals.text().replace("\xa0", " ")
    # change a quantity: live totals follow the same Decimal maths
    editor.table.item(1, 1).setText("3")
    assert "43 490,00" in editor.totals.text().replace("\xa0", " ")
    editor.subject.setText("на поставку оргтехники")
    editor.payment_terms.setText("50 % аванс")
    editor.save_button.click()
    quote = Quote.get()
    assert quote.subject == "на поставку оргтехники" and str(quote.total) == "43490.00"
    assert quote.terms == [{"key": "payment", "text": "50 % аванс"}]

    editor.finalize_button.click()
    quote = Quote.get_by_id(quote.id)
    assert quote.status == QuoteStatus.SENT and quote.number.startswith("КП-")
    assert not editor.save_button.isEnabled()  # the sent revision is read-only
    editor.close()
    panel.reload()
    assert panel.table.item(0, 0).text() == quote.number
    assert visible_actions(panel) == {"accept", "reject", "revise", "preview"}
    panel.buttons["accept"].click()
    assert Quote.get_by_id(quote.id).status == QuoteStatus.ACCEPTED
    assert visible_actions(panel) == {"to_invoice", "preview"}
    panel.buttons["to_invoice"].click()
    assert Invoice.get().quote_id == quote.id


def test_invoice_panel_issue_and_payment(context, deal, qtbot, monkeypatch):
    from desktop_crm.views.documents.panel import DealDocumentsPanel

    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    qtbot.addWidget(panel)
    monkeypatch.setattr(panel, "open_editor", lambda document_id=None: None)
    panel.create_button.click()
    assert visible_actions(panel) == {"edit", "issue", "preview", "delete"}
    panel.buttons["issue"].click()
    invoice = Invoice.get()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.number == "1"
    panel.buttons["pay"].click()
    dialog = panel.payments_dialog
    assert dialog.amount.text().replace("\xa0", " ") == "41,990.00"  # the balance is suggested
    dialog.register_button.click()
    assert Invoice.get_by_id(invoice.id).status == InvoiceStatus.PAID
    assert visible_actions(panel) == {"pay", "preview"}  # refunds and corrections stay reachable


def test_an_issued_invoice_past_its_due_date_shows_overdue_on_the_deal_card(context, deal, qtbot,
                                                                         monkeypatch):
    import datetime as dt

    from desktop_crm import i18n
    from desktop_crm.views.common import chips
    from desktop_crm.views.documents.panel import DealDocumentsPanel

    i18n.set_language("it")
    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    qtbot.addWidget(panel)
    monkeypatch.setattr(panel, "open_editor", lambda document_id=None: None)
    panel.create_button.click()
    panel.buttons["issue"].click()
    invoice = Invoice.get()

    def chip() -> chips.Chip:
        return panel.table.item(0, 3).data(chips.CHIP_ROLE)

    assert chip().status == InvoiceStatus.ISSUED
    Invoice.update(due_date=dt.date.today() - dt.timedelta(days=3)).where(
        Invoice.id == invoice.id).execute()
    panel.reload()
    assert panel.current().due_date == dt.date.today() - dt.timedelta(days=3)
    found = chip()
    assert found.status == chips.OVERDUE and found.tone == "danger"
    assert found.text == i18n.pgettext("status", "Overdue") == "In ritardo"
    assert panel.table.item(0, 3).text()  # the status word stays for copying and readers
    panel.buttons["pay"].click()
    panel.payments_dialog.register_button.click()
    panel.reload()
    assert chip().status == InvoiceStatus.PAID  # a paid invoice is never overdue
    i18n.set_language("en")


def test_preview_shows_the_stored_pdf_and_prints_it(context, deal, qtbot, tmp_path):
    from desktop_crm.services.billing import invoices, rendering
    from desktop_crm.views.documents.preview import PdfPreview, page_images, print_pdf

    invoice = invoices.issue(invoices.create_from_deal(deal.id).id)
    pdf = rendering.render(invoice.id, "invoice", "pdf")
    preview = PdfPreview(pdf, lambda fmt: rendering.render(invoice.id, "invoice", fmt))
    qtbot.addWidget(preview)
    preview.show()
    assert preview.page_count == 1
    saved = preview.save_as("docx", str(tmp_path / "out.docx"))
    assert saved.read_bytes()[:2] == b"PK"
    images = page_images(pdf.content, dpi=40)
    assert len(images) == 1 and images[0].width() > 250
    # the page is not blank: count dark pixels of the rendered text
    image = images[0]
    dark = sum(
        1 for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)
        if image.pixelColor(x, y).lightness() < 128
    )
    assert dark > 200
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_pdf(pdf.content, printer) == 1
    assert (tmp_path / "printed.pdf").read_bytes().startswith(b"%PDF")


def test_lists_open_the_editor_and_screens_are_registered(context, deal, qtbot):
    from desktop_crm.services.billing import quotes
    from desktop_crm.views.documents.editor import DocumentEditor

    quote = quotes.create_from_deal(deal.id)
    editor = context.registry.card_opener("quotes")(context, str(quote.id), None)
    qtbot.addWidget(editor)
    assert isinstance(editor, DocumentEditor) and editor.table.rowCount() == 3
    assert {s.name for s in context.registry.screens} == {"quote_editor", "quote_preview"}


def test_batch_issue_with_progress(context, deal, qtbot):
    from desktop_crm.views.documents.panel import issue_invoices_for_deals

    other = deal_with_lines(russian_buyer(), RU_LINES)
    issue_invoices_for_deals(context, [str(deal.id), str(other.id)], None, ask=False)
    assert sorted(i.number for i in Invoice.select()) == ["1", "2"]


def test_the_deal_shows_its_current_quote_and_the_accepted_one_becomes_an_invoice_with_its_lines(
        context, deal, qtbot, monkeypatch):
    from desktop_crm import i18n
    from desktop_crm.services.billing import documents, quotes
    from desktop_crm.views.documents.panel import DealDocumentsPanel

    i18n.set_language("en")
    panel = DealDocumentsPanel(context, DealId(deal.id), "quote")
    qtbot.addWidget(panel)
    monkeypatch.setattr(panel, "open_editor", lambda document_id=None: None)
    assert panel.current_label.text() == "No current quote"
    panel.create_button.click()
    panel.buttons["send"].click()
    first = Quote.get()
    panel.buttons["revise"].click()  # revision 2, a draft: the current quote; revision 1 superseded
    second = Quote.get(Quote.revision == 2)
    assert f"{first.number}, revision 2 — Draft" in panel.current_label.text()
    assert [(r.revision, r.current) for r in panel.rows] == [(2, True), (1, False)]
    assert panel.table.item(0, 0).font().bold() and not panel.table.item(1, 0).font().bold()
    assert panel.current().id == DocumentId(second.id)
    quotes.save_draft(second.id, lines=[
        documents.LineData("Ноутбук", "2", "35 990,00", "шт", vat_rate="22", discount_percent="5"),
        documents.LineData("Доставка", "1", "3 000,00", "усл", vat_rate="22"),
    ])
    panel.reload()
    panel.buttons["send"].click()
    panel.buttons["accept"].click()
    assert "revision 2 — Accepted" in panel.current_label.text()
    panel.buttons["to_invoice"].click()
    invoice = Invoice.get()
    assert invoice.quote_id == second.id and invoice.status == InvoiceStatus.DRAFT
    def line_values(document):
        return [(line.name, line.quantity, line.price, line.unit, line.discount_percent, line.vat_rate)
                for line in documents._lines_of(document)]

    copied = line_values(invoice)
    assert copied == line_values(Quote.get_by_id(second.id))
    assert [c[0] for c in copied] == ["Ноутбук", "Доставка"]
    assert invoice.total == Quote.get_by_id(second.id).total
