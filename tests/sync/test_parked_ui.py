"""Refused (parked) changes are shown to the user: status bar button, a dialog listing them with the
reason, "Send again" and "Discard my change…" (confirmed), and the CLI's count. Real replicas on a
real PostgreSQL, real widgets offscreen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import QItemSelectionModel, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_crm import i18n
from desktop_crm.cli import main
from desktop_crm.models import Invoice, InvoiceStatus, OwnCompany
from desktop_crm.services.system import sync as sync_service
from desktop_crm.sync import capture
from desktop_crm.views.sync.parked import ParkedChangesDialog
from desktop_crm.views.sync.status import SyncStatusWidget
from desktop_crm.workers import synchronous
from tests.sync.helpers import admin, new_replica, outbox_size, use

pytestmark = pytest.mark.postgres


def issued(company, series, n, total="100.00"):
    return Invoice.create(
        own_company=company, status=InvoiceStatus.ISSUED, series=series, year=2026,
        sequence_number=n, number=f"{n}/{series}", issue_date=dt.date(2026, 3, 1),
        total=Decimal(total),
    )


def answer_confirmation(accept):
    """Click a button of the confirmation box once it is up (it runs its own event loop)."""
    def click():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        role = QMessageBox.ButtonRole.AcceptRole if accept else QMessageBox.ButtonRole.RejectRole
        next(b for b in box.buttons() if box.buttonRole(b) == role).click()

    QTimer.singleShot(0, click)


def select_only(dialog, row):
    """Select exactly that row (``selectRow`` toggles when an earlier test left Ctrl held down)."""
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    dialog.table.selectionModel().select(dialog.table.model().index(row, 0), flags)


def row_of(dialog, needle):
    return next(r for r in range(dialog.table.rowCount()) if needle in dialog.table.item(r, 1).text())


def test_refused_changes_are_listed_with_their_reason_and_can_be_sent_again_or_discarded(
    server_url, tmp_path, qtbot, capsys
):
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    with a.db.atomic():
        capture.meta_set(a.db, "server_url", server_url)
    company = OwnCompany.create(legal_name="ООО «Ромашка»", country="RU")
    paid = issued(company.id, "A", 1)
    a.sync(), b.sync()
    with admin(server_url) as conn:
        conn.execute("UPDATE invoice SET status = 'paid', paid_amount = total WHERE id = %s", (paid.id,))
    Invoice.update(total=Decimal("1.00")).where(Invoice.id == paid.id).execute()  # refused: issued
    early = issued(company.id, "C", 2)  # refused: number 1 of series C is not on the server yet
    result = a.sync()
    assert result.parked == 2 and result.parked_total == 2

    # the CLI prints the count of refused changes kept aside, and says so in its exit status
    assert main(["sync", "--db", str(a.db.database), "--server", server_url]) == 3
    captured = capsys.readouterr()
    assert "refused 2" in captured.out
    assert "2 refused changes are kept aside" in captured.err
    use(a)

    with synchronous():
        widget = SyncStatusWidget()
        qtbot.addWidget(widget)
        widget.show()
        assert "2 refused changes" in widget.label.text()
        assert widget.parked_button.isVisible()
        with qtbot.waitSignal(widget.parked_clicked):
            widget.parked_button.click()

        dialog = ParkedChangesDialog()
        qtbot.addWidget(dialog)
        assert dialog.table.rowCount() == 2
        gap, edit = row_of(dialog, "New record"), row_of(dialog, "total: 100")
        assert "does not follow on in its series" in dialog.table.item(gap, 2).text()
        assert "not the next one" in dialog.table.item(gap, 2).toolTip()  # the server's words
        assert "its number and amounts cannot change" in dialog.table.item(edit, 2).text()
        i18n.set_language("ru")
        dialog.reload()
        assert "номер и суммы" in dialog.table.item(edit, 2).text()
        i18n.set_language("en")
        dialog.reload()

        # the cause of the gap goes away (number 1 arrives from another device): send again
        use(b)
        issued(company.id, "C", 1)
        b.sync()
        use(a)
        select_only(dialog, row_of(dialog, "New record"))
        dialog.retry_button.click()
        assert dialog.table.rowCount() == 1 and outbox_size(a) == 1

        # discarding asks first; "Cancel" keeps the change
        select_only(dialog, 0)
        answer_confirmation(False)
        dialog.discard_button.click()
        assert dialog.table.rowCount() == 1
        answer_confirmation(True)
        dialog.discard_button.click()
        assert dialog.table.rowCount() == 0
        assert Invoice.get_by_id(paid.id).total == Decimal("1.00")  # until the next sync

        widget.sync_now()
        assert "refused" not in widget.label.text()
        assert not widget.parked_button.isVisible()
    assert Invoice.get_by_id(paid.id).total == Decimal("100.00")  # the server's value again
    assert Invoice.get_by_id(paid.id).status == InvoiceStatus.PAID
    assert Invoice.get_by_id(early.id).sequence_number == 2
    assert sync_service.list_parked() == []
    with admin(server_url) as conn:
        assert conn.execute(
            "SELECT sequence_number FROM invoice WHERE series = 'C' ORDER BY 1").fetchall() == [(1,), (2,)]


def test_a_discarded_refused_new_record_disappears_here(server_url, tmp_path):
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    use(a)
    company = OwnCompany.create(legal_name="Srl", country="IT")
    a.sync(), b.sync()
    issued(company.id, "A", 1)
    a.sync()
    use(b)
    repeat = issued(company.id, "A", 1)  # the same number from a second device: refused
    assert b.sync().parked == 1
    (change,) = sync_service.list_parked()
    assert change.op == "I" and change.table == "invoice"
    assert sync_service.discard_parked([change.seq]) == 1
    b.sync()
    assert Invoice.get_or_none(Invoice.id == repeat.id) is None
    assert [i.series for i in Invoice.select()] == ["A"]  # a's invoice, pulled
