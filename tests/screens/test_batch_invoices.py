"""Issuing invoices in a batch from the deals and quotes lists: asked first, progress, a report of
what was issued and what not; Cancel stops between invoices and keeps those issued."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QToolButton

from desktop_crm import workers
from desktop_crm.models import Invoice, InvoiceStatus
from desktop_crm.services.billing import quotes
from desktop_crm.views.common.progress import JobProgressDialog
from desktop_crm.views.lists.list_view import EntityListView
from tests.factories import RU_LINES, make_company, make_deal_with_lines, make_own_company


def _list(context, qtbot, entity: str) -> EntityListView:
    view = EntityListView(context, entity)
    qtbot.addWidget(view)
    view.show()
    view.reload()
    return view


def _click_action(qtbot, view, name: str) -> None:
    button = next(b for b in view.actions_bar.findChildren(QToolButton)
                  if b.defaultAction() and b.defaultAction().objectName() == name)
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _report() -> QMessageBox:
    return next(w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMessageBox) and w.objectName() == "batch_report" and w.isVisible())


def test_issue_invoices_for_the_selected_deals(context, qtbot, answer):
    make_own_company("RU")
    company = make_company()
    make_deal_with_lines(company, RU_LINES, title="Поставка ноутбуков")
    make_deal_with_lines(company, RU_LINES, title="Поставка мышей")
    make_deal_with_lines(company, [], title="Пустая сделка")
    view = _list(context, qtbot, "deals")
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    asked = answer("Issue")
    _click_action(qtbot, view, "action_issue_invoices")
    assert asked == ["Issue an invoice for each of the 3 selected deals?"]
    box = _report()
    assert box.text() == "2 invoices issued. 1 could not be issued."
    assert "Пустая сделка: Add at least one line before issuing the invoice." in box.detailedText()
    assert sorted(i.number for i in Invoice.select().where(Invoice.status == InvoiceStatus.ISSUED)) == [
        "1", "2"]
    box.close()


def test_issue_invoices_for_accepted_quotes(context, qtbot, answer):
    make_own_company("RU")
    deal = make_deal_with_lines(make_company(), RU_LINES)
    quote = quotes.create_from_deal(deal.id)
    quotes.send(quote.id)
    quotes.accept(quote.id)
    view = _list(context, qtbot, "quotes")
    view.table.selectRow(0)
    answer("Issue")
    _click_action(qtbot, view, "action_issue_invoices")
    assert _report().text() == "1 invoice issued."
    invoice = Invoice.get()
    assert invoice.quote_id == quote.id and invoice.status == InvoiceStatus.ISSUED
    _report().close()


def test_cancel_stops_between_invoices_and_keeps_the_issued_ones(context, qtbot, answer):
    make_own_company("RU")
    company = make_company()
    for n in range(6):
        make_deal_with_lines(company, RU_LINES, title=f"Поставка {n}")
    view = _list(context, qtbot, "deals")
    # the list saves its column layout 1.5 s after the columns were sized: let that happen first
    # (a SQLite write then would wait on the batch's transaction, which renders each invoice)
    qtbot.waitUntil(lambda: not view._save_timer.isActive(), timeout=5000)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    answer("Issue")
    workers.set_synchronous(False)  # real threads: the progress dialog and Cancel while it runs
    try:
        _click_action(qtbot, view, "action_issue_invoices")
        dialog = view.findChild(JobProgressDialog, "batch_progress")
        qtbot.waitUntil(lambda: dialog.isVisible() and dialog.value() >= 1, timeout=30000)
        cancel = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel")
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.objectName() == "batch_report"
                                    and w.isVisible() for w in QApplication.topLevelWidgets()),
                        timeout=30000)
        # the lists reload after the batch, in the background too: let them finish first
        qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=30000)
    finally:
        workers.set_synchronous(True)
    box = _report()
    issued = Invoice.select().where(Invoice.status == InvoiceStatus.ISSUED).count()
    assert 1 <= issued < 6
    assert box.text().startswith(f"{issued} invoice")
    assert "Stopped before the end" in box.text()
    assert Invoice.select().where(Invoice.status == InvoiceStatus.DRAFT).count() == 0
    box.close()


def test_the_batch_in_russian(context, qtbot, qapp, answer):
    from desktop_crm.app import install_language

    make_own_company("RU")
    company = make_company()
    for n in range(2):
        make_deal_with_lines(company, RU_LINES, title=f"Поставка {n}")
    install_language(qapp, "ru")
    try:
        view = _list(context, qtbot, "deals")
        view.table.setFocus()
        qtbot.keyClick(view.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        asked = answer("Выставить")
        _click_action(qtbot, view, "action_issue_invoices")
        assert asked == ["Выставить счета по каждой из 2 выбранных сделок?"]
        box = _report()
        assert box.windowTitle() == "Выставление счетов" and box.text() == "Выставлено 2 счёта."
        box.close()
    finally:
        install_language(qapp, "en")
