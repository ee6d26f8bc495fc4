"""File › Import bank statement… through the widgets: the file dialog, the import in the
background, the statement review (match by hand, ignore), windows refreshed by the change feed,
and the same in Russian and Italian."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from desktop_crm.app import install_language
from desktop_crm.models import Invoice, InvoiceStatus, Payment
from desktop_crm.services.billing import invoices, payments
from desktop_crm.services.billing.statements import imports
from desktop_crm.views.statements.match_dialog import InvoiceMatchDialog
from desktop_crm.views.statements.review import StatementReviewWindow, open_statement_review
from tests.factories import RU_LINES, make_buyer, make_deal_with_lines, make_own_company
from tests.statements.files import Doc, one_c_bytes


@pytest.fixture
def issued(context, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    make_own_company("RU")
    deal = make_deal_with_lines(make_buyer("RU"), RU_LINES)  # 41 990,00 each
    return [Invoice.get_by_id(invoices.issue(invoices.create_from_deal(deal.id).id,
                                             on=dt.date(2026, 12, 1)).id) for _ in range(3)]


@pytest.fixture
def statement_file(tmp_path):
    path = tmp_path / "kl_to_1c.txt"
    path.write_bytes(one_c_bytes([
        Doc("311", "02.12.2026", "41990.00", "Оплата по счету № 1 от 01.12.2026"),
        Doc("312", "03.12.2026", "10000.00", "Аванс по сч. 2"),
        Doc("313", "03.12.2026", "50000.00", "Оплата по счёту №3"),
        Doc("77", "04.12.2026", "1500.00", "Возврат займа", payer="ИП Сидоров", payer_inn="500100732259"),
        Doc("900", "04.12.2026", "300.00", "Комиссия банка", outgoing=True),
    ]))
    return path


def _top(kind):
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())


def _pick_file(path) -> None:
    def pick() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QFileDialog):
            QTimer.singleShot(10, pick)
            return
        box.selectFile(str(path))
        box.accept()

    QTimer.singleShot(0, pick)


def _row_of(window: StatementReviewWindow, number: str) -> int:
    return next(row for row, line in enumerate(window.shown) if line.number == number)


def test_import_from_the_file_menu_then_match_and_ignore_by_hand(context, qtbot, issued,
                                                                 statement_file):
    from desktop_crm.views.lists.list_view import EntityListView
    from desktop_crm.views.main_window import MainWindow

    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    invoices_list = EntityListView(context, "invoices")  # another window showing the invoices
    qtbot.addWidget(invoices_list)
    invoices_list.show()
    invoices_list.reload()
    deal_id = Invoice.get_by_id(issued[0].id).deal_id
    context.open_record("deals", deal_id, window)  # the deal card, open while the import runs
    card = next(w for w in QApplication.topLevelWidgets()
                if type(w).__name__ == "DealCard" and w.isVisible())
    assert {row.status for row in card.invoices.rows} == {"issued"}
    assert window.import_statement_action.isEnabled()
    _pick_file(statement_file)
    window.import_statement_action.trigger()
    review = _top(StatementReviewWindow)
    assert review.windowTitle() == "Bank statement kl_to_1c.txt"
    assert "40702810938000000001" in review.heading.text()
    assert review.summary.text().startswith("2 payments matched, 2 to review, 0 already registered")
    assert "1 outgoing payment skipped" in review.summary.text()
    texts = {review.model.index(r, 2).data(): review.model.index(r, 0).data()
             for r in range(review.model.rowCount())}
    assert texts == {"311": "Matched", "312": "Matched", "313": "To review", "77": "To review"}
    assert Invoice.get_by_id(issued[0].id).status == InvoiceStatus.PAID
    assert Invoice.get_by_id(issued[1].id).status == InvoiceStatus.PARTIALLY_PAID

    # a matched line: no matching or ignoring, but its invoice opens
    review.table.selectRow(_row_of(review, "311"))
    assert not review.match_button.isEnabled() and not review.ignore_button.isEnabled()
    assert review.invoice_button.isEnabled()

    # the overpaid one: matched by hand to invoice 3, which it pays in full
    review.table.selectRow(_row_of(review, "313"))
    assert "Overpayment" in review.model.index(_row_of(review, "313"), 7).data()
    qtbot.mouseClick(review.match_button, Qt.MouseButton.LeftButton)
    dialog = _top(InvoiceMatchDialog)
    assert [dialog.list.item(i).text().split(" · ")[0] for i in range(dialog.list.count())] == [
        "3 of 12/1/26", "2 of 12/1/26"]
    qtbot.keyClicks(dialog.search, "2")
    assert dialog.list.count() == 1
    dialog.search.clear()
    dialog.list.setCurrentRow(0)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert Invoice.get_by_id(issued[2].id).status == InvoiceStatus.PAID
    row = _row_of(review, "313")
    assert review.model.index(row, 0).data() == "Matched"
    assert review.model.index(row, 7).data().startswith("Overpaid by")

    # the loan: not an invoice's payment
    review.table.selectRow(_row_of(review, "77"))
    qtbot.mouseClick(review.ignore_button, Qt.MouseButton.LeftButton)
    assert review.model.index(_row_of(review, "77"), 0).data() == "Ignored"
    review.filter.setCurrentIndex(review.filter.findData("unmatched"))
    assert review.model.rowCount() == 0
    review.filter.setCurrentIndex(0)

    # the other windows learnt it through the change feed: the deal card and the invoices list
    qtbot.waitUntil(lambda: sorted(row.status for row in card.invoices.rows) == [
        "paid", "paid", "partially_paid"])
    qtbot.waitUntil(lambda: "Paid" in [invoices_list.table.model().index(r, c).data()
                                       for r in range(invoices_list.table.model().rowCount())
                                       for c in range(invoices_list.table.model().columnCount())])
    # a payment deleted elsewhere: the review window shows its line as not registered any more
    payment = Payment.get(Payment.bank_key.is_null(False) & (Payment.invoice == issued[1].id))
    payments.delete_payment(payment.id)
    qtbot.waitUntil(lambda: review.model.index(_row_of(review, "312"), 0).data() == "To review")
    assert review.model.index(_row_of(review, "312"), 7).data() == "Its payment was deleted by hand"
    review.table.selectRow(_row_of(review, "312"))
    qtbot.mouseClick(review.match_button, Qt.MouseButton.LeftButton)
    dialog = _top(InvoiceMatchDialog)
    assert dialog.list.item(0).text().startswith("2 of")  # its invoice first
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert review.model.index(_row_of(review, "312"), 0).data() == "Matched"
    assert Invoice.get_by_id(issued[1].id).status == InvoiceStatus.PARTIALLY_PAID
    review.close()
    assert not review.isVisible()
    card.close()


def test_the_same_statement_again_shows_its_lines_as_already_registered(context, qtbot, issued,
                                                                        statement_file):
    from desktop_crm.views.statements.importing import import_statement_file

    import_statement_file(context, None, str(statement_file))
    _top(StatementReviewWindow).close()
    import_statement_file(context, None, str(statement_file))
    review = _top(StatementReviewWindow)
    statuses = [review.model.index(r, 0).data() for r in range(review.model.rowCount())]
    assert statuses.count("Already registered") == 2 and "Matched" not in statuses
    assert Payment.select().count() == 2
    review.close()


def test_a_broken_file_is_a_message_and_nothing_is_written(context, qtbot, issued, tmp_path, answer):
    from desktop_crm.views.statements.importing import import_statement_file

    broken = tmp_path / "broken.txt"
    broken.write_bytes(one_c_bytes([Doc("1", "02.12.2026", "10", "x")])[:500])
    seen = answer("OK")
    import_statement_file(context, None, str(broken))
    qtbot.waitUntil(lambda: bool(seen))
    assert "cut short" in seen[0]
    assert Payment.select().count() == 0


@pytest.mark.parametrize(("language", "match", "title", "status", "amount"), [
    ("ru", "Сопоставить со счётом…", "Банковская выписка kl_to_1c.txt", "Разнесён", "41 990,00"),
    ("it", "Abbina a una fattura…", "Estratto conto kl_to_1c.txt", "Abbinato", "41.990,00"),
])
def test_the_review_in_russian_and_italian(context, qtbot, qapp, issued, statement_file, language,
                                           match, title, status, amount):
    review_data = imports.import_statement(statement_file.read_bytes(), statement_file.name)
    install_language(qapp, language)
    try:
        review = open_statement_review(context, review_data.id)
        qtbot.addWidget(review)
        assert review.match_button.text() == match
        assert review.windowTitle() == title
        assert review.model.index(_row_of(review, "311"), 0).data() == status
        assert review.model.index(_row_of(review, "311"), 4).data().replace("\xa0", " ").startswith(
            amount)
        review.close()
    finally:
        install_language(qapp, "en")


def test_without_the_right_the_menu_item_is_disabled(context, qtbot, issued):
    from desktop_crm.models import AccessRole
    from desktop_crm.services.system import rights
    from desktop_crm.views.main_window import MainWindow
    from tests.factories import make_user

    role = AccessRole.create(name="Продавец", actions="create,edit,view", scope="all")
    user = make_user("Продавец", access_role=role)
    with rights.acting(rights.load_actor(user.id)):
        window = MainWindow(context)
        qtbot.addWidget(window)
        assert not window.import_statement_action.isEnabled()
        window.close()


def test_the_statements_list_reopens_a_review_closed_before(context, qtbot, issued, statement_file):
    from desktop_crm.views.main_window import MainWindow
    from desktop_crm.views.statements.listing import StatementsDialog

    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    _pick_file(statement_file)
    window.import_statement_action.trigger()
    _top(StatementReviewWindow).close()
    window.statements_action.trigger()
    listing = _top(StatementsDialog)
    assert listing.model.rowCount() == 1
    assert [listing.model.index(0, c).data() for c in (1, 5, 6, 7)] == ["kl_to_1c.txt", "2", "2", "0"]
    assert listing.message.text() == "Lines waiting for review: 2."
    qtbot.mouseClick(listing.open_button, Qt.MouseButton.LeftButton)
    review = _top(StatementReviewWindow)
    review.table.selectRow(_row_of(review, "77"))
    qtbot.mouseClick(review.ignore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: listing.model.index(0, 5).data() == "1")  # the list follows the feed
    review.close()
    listing.close()
    assert not listing.isVisible()
